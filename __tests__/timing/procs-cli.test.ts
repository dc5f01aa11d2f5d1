// The CLI as a process with hostile monitor and logs commands: it exits when its work is done (a
// background child made a 1 s plan take 63 s), leaves nothing running, and a SIGTERM in the middle
// gives the partial report and exit 143 within 5 s (it took 301 s). Probes that never answer fail
// within their own short timeouts (a silent health-url made a 1 s run take 181 s), and a ReDoS
// pattern on a real log does not block the event loop.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../src/core/report-types.js';
import { runCliProcess } from '../helpers/cli-process.js';
import { HOSTILE_COMMANDS } from '../helpers/hostile-commands.js';
import { killLeft, leftAfter, uniqueSleep } from '../helpers/procs.js';
import type { TestServer } from '../helpers/servers/http.js';
import { startProcsServer } from '../helpers/servers/procs.js';

let server: TestServer;
let dir: string;
const markers: string[] = [];
beforeAll(async () => {
  server = await startProcsServer();
  dir = mkdtempSync(join(tmpdir(), 'ttfc-procs-cli-'));
});
afterAll(async () => {
  for (const m of markers) killLeft(m);
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const read = (path: string): Report => JSON.parse(readFileSync(path, 'utf8')) as Report;

function args(c: { monitor: string; logs: string }, stages: string, reportPath: string): string[] {
  return [
    ...['--url', `${server.url}/chat?delay=20`, '--method', 'GET', '--stages', stages, '--cooldown', '200ms'],
    ...['--monitor', `m: ${c.monitor}`, '--monitor-interval', '200ms', '--monitor-timeout', '1s', '--logs-command', c.logs],
    ...['--criteria', 'errors == 0', '--report-path', reportPath],
  ];
}

describe.each(HOSTILE_COMMANDS)('monitor and logs-command: $name', (hostile) => {
  test('a 1-request plan ends with its work, nothing left running', async () => {
    const c = hostile.make(dir);
    markers.push(c.marker);
    const reportPath = join(dir, `plain-${uniqueSleep()}.json`);
    const r = await runCliProcess(args(c, '1x1', reportPath), { cwd: dir });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    // Idle sample, stage, idle sample, each at most monitor-timeout (1 s) and a kill's grace.
    expect(r.ms).toBeLessThan(20_000);
    const rep = read(reportPath);
    expect(rep.server!.monitors.map((m) => m.name)).toEqual(['m']);
    expect(await leftAfter(c.marker)).toEqual([]);
  });

  test('SIGTERM mid-stage: the partial report and exit 143 within 5 s, nothing left running', async () => {
    const c = hostile.make(dir);
    markers.push(c.marker);
    const reportPath = join(dir, `term-${uniqueSleep()}.json`);
    const r = await runCliProcess(args(c, '1x1, 2x400', reportPath), { cwd: dir, cancel: { trigger: 'stage 2/2', signal: 'SIGTERM', afterMs: 700 } });
    expect(r.code).toBe(143);
    expect(r.msAfterSignal!).toBeLessThan(5000);
    expect(r.stderr).toContain('SIGTERM: stopping');
    const rep = read(reportPath);
    expect(rep.cancelled).toBe(true);
    expect(rep.stages[1]!.issued).toBeGreaterThan(0);
    expect(rep.requests).toHaveLength(rep.stages.reduce((n, s) => n + s.issued, 0));
    expect(await leftAfter(c.marker)).toEqual([]);
  });
});

test('SIGTERM while every probe and sample hangs before stage 1 (timeouts of a minute): out within 5 s', async () => {
  const s = `sleep ${uniqueSleep()}`;
  markers.push(s);
  const reportPath = join(dir, 'idle-term.json');
  const r = await runCliProcess(
    [
      ...['--url', `${server.url}/chat`, '--method', 'GET', '--stages', '1x1', '--report-path', reportPath, '--criteria', 'errors == 0'],
      ...['--health-url', '/silent', '--health-timeout', '1m', '--metrics-url', '/silent', '--monitor', `m: ${s}`, '--monitor-timeout', '1m'],
      ...['--logs-command', `trap '' TERM; ${s}`],
    ],
    { cwd: dir, cancel: { trigger: 'server: health', signal: 'SIGTERM', afterMs: 500 } },
  );
  expect(r.code).toBe(143);
  expect(r.msAfterSignal!).toBeLessThan(5000);
  const rep = read(reportPath);
  expect(rep.cancelled).toBe(true);
  expect(rep.requests).toHaveLength(0);
  expect(await leftAfter(s)).toEqual([]);
});

test('20 monitors and a health probe, SIGTERM mid-stage: out within 5 s, nothing but the stop line on stderr (no warning from Node)', async () => {
  const reportPath = join(dir, 'many.json');
  const monitors = Array.from({ length: 20 }, (_, i) => `m${i}: sleep 0.2; echo ${i}`).join('\n');
  const r = await runCliProcess(
    [
      ...['--url', `${server.url}/chat?delay=20`, '--method', 'GET', '--stages', '1x1, 2x400', '--report-path', reportPath, '--criteria', 'errors == 0'],
      ...['--monitor', monitors, '--monitor-interval', '100ms', '--health-url', '/chat'],
    ],
    { cwd: dir, cancel: { trigger: 'stage 2/2', signal: 'SIGTERM', afterMs: 700 } },
  );
  expect(r.code).toBe(143);
  expect(r.msAfterSignal!).toBeLessThan(5000);
  expect(r.stderr.trim().split('\n')).toEqual(['ttfc-gate: SIGTERM: stopping, writing the partial report (again to exit at once)']);
  expect(read(reportPath).server!.monitors).toHaveLength(20);
});

test('SIGTERM while the login waits on a silent server (timeout 1h): a cancelled report, no load, within 5 s', async () => {
  const reportPath = join(dir, 'login-term.json');
  const r = await runCliProcess(
    [
      ...['--url', `${server.url}/chat`, '--method', 'GET', '--stages', '1x1', '--timeout', '1h', '--report-path', reportPath],
      ...['--login-url', '/silent', '--login-body', '{"user":"ci"}', '--login-token-from', 'json:token'],
    ],
    { cwd: dir, cancel: { trigger: 'login: POST', signal: 'SIGTERM', afterMs: 300 } },
  );
  expect(r.code).toBe(143);
  expect(r.msAfterSignal!).toBeLessThan(5000);
  expect(r.stderr).not.toContain('login at');
  const rep = read(reportPath);
  expect(rep.cancelled).toBe(true);
  expect(rep.requests).toHaveLength(0);
});

describe('probes that accept and never answer', () => {
  test('health-url: failed probes within health-timeout, not the request timeout (1h)', async () => {
    const reportPath = join(dir, 'silent-health.json');
    const r = await runCliProcess(
      ['--url', `${server.url}/chat`, '--method', 'GET', '--stages', '1x1', '--timeout', '1h', '--health-url', '/silent', '--report-path', reportPath],
      { cwd: dir },
    );
    // Failed: the default criteria gained health.errors == 0.
    expect(r.code).toBe(1);
    // An idle probe, one in the stage, each at most 2 s (today: three of the request timeout).
    expect(r.ms).toBeLessThan(20_000);
    const rep = read(reportPath);
    const h = rep.server!.health!;
    expect(h.stages[0]!.failures).toBeGreaterThanOrEqual(1);
    expect(h.errors[0]!.message).toBe('no answer within 2000 ms');
    expect(rep.criteria.find((c) => c.text === 'health.errors == 0')!.status).toBe('fail');
  });

  test('metrics-url: each scrape a gap after monitor-timeout, the run goes on', async () => {
    const reportPath = join(dir, 'silent-metrics.json');
    const r = await runCliProcess(
      [
        ...['--url', `${server.url}/chat`, '--method', 'GET', '--stages', '1x1', '--timeout', '1h', '--report-path', reportPath],
        ...['--metrics-url', '/silent', '--monitor-timeout', '500ms', '--criteria', 'errors == 0'],
      ],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(20_000);
    const rss = read(reportPath).server!.monitors.find((m) => m.name === 'rss')!;
    expect(rss.samples).toHaveLength(0);
    expect(rss.warnings.join('\n')).toContain('metrics-url: no answer within 500 ms');
  });
});

test('log-error-pattern (a+)+$ against a real log of "aaa…a!" lines: linear, the stage unharmed', async () => {
  const reportPath = join(dir, 'redos.json');
  const line = `${'a'.repeat(40)}!`;
  const r = await runCliProcess(
    [
      ...['--url', `${server.url}/chat?delay=20`, '--method', 'GET', '--stages', '1x5', '--timeout', '10s', '--report-path', reportPath],
      ...['--logs-command', `while :; do echo '${line}'; echo 'aaaa'; sleep 0.02; done`, '--log-error-pattern', '(a+)+$'],
      ...['--criteria', 'errors == 0\nlog_errors >= 1'],
    ],
    { cwd: dir, killAfterMs: 60_000 },
  );
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  const rep = read(reportPath);
  // With RegExp, one such line of 40 `a`s blocked the event loop for hours: every request timed out.
  expect(rep.stages[0]!.succeeded).toBe(5);
  const logs = rep.server!.logs!.stages[0]!;
  expect(logs.lines).toBeGreaterThan(logs.errors);
  expect(logs.errors).toBeGreaterThan(0);
  expect(rep.server!.logs!.pattern).toBe('(a+)+$');
});
