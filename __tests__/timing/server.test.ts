// The server side end to end, against real processes: the demo server (spawned, so `ps` sees its
// own memory), its application log followed with tail, a Prometheus endpoint served by prom-client.
// Bounds are far from what the servers are built to show (a leak of 4 MiB a request, a loop blocked
// 600 ms a request), so a busy machine does not decide them.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { buildConfig, type Inputs } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import type { Report } from '../../src/core/report-types.js';
import { spawnDemo, type SpawnedDemo } from '../helpers/demo.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ttfc-server-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function gate(inputs: Inputs): Promise<{ report: Report; log: string[] }> {
  const log: string[] = [];
  const cfg = buildConfig({ cooldown: '300ms', ...inputs }, { env: {}, cwd: dir });
  const report = await runGate(cfg, { noWrite: true, log: (l) => log.push(l) });
  return { report, log };
}

const results = (r: Report, text: string) => r.criteria.filter((c) => c.text === text);

describe('memory: ps -o rss= -p PID', () => {
  let demo: SpawnedDemo;
  beforeEach(async () => {
    demo = await spawnDemo();
    // A fresh node process grows on its first requests (compiled code, buffers, its heap sized up),
    // leak or not: both servers are warmed up the same way before the run. After 4 rounds the demo
    // server's heap had grown by its last 6 MiB step (+10%) in half the runs, after 8 in all.
    for (let round = 0; round < 12; round++) {
      await Promise.all(Array.from({ length: 8 }, () => fetch(`${demo.url}/chat?mode=async&delay=50&events=3&interval=5`).then((r) => r.text())));
    }
  });
  afterEach(async () => demo.close());

  const run = (mode: string) =>
    gate({
      url: `${demo.url}/chat?mode=${mode}&leak=4096&delay=50&events=3&interval=5`,
      stages: '1x1, 4x4, 8x4',
      monitor: `mem: ps -o rss= -p ${demo.pid}`,
      'monitor-interval': '200ms',
      criteria: 'success_rate > 95%\nmonitor.mem.growth < 10%',
    });

  test('a leaking server fails monitor.mem.growth < 10% and is diagnosed', async () => {
    const { report } = await run('leak');
    const [growth] = results(report, 'monitor.mem.growth < 10%');
    expect(growth).toMatchObject({ status: 'fail', unit: '%' });
    // 49 requests × 4 MiB retained: the resident set grows by far more than 10%.
    expect(growth!.actual!).toBeGreaterThan(50);
    const mem = report.server!.monitors.find((m) => m.name === 'mem')!;
    expect(mem.samples.filter((s) => s.phase === 'before')).toHaveLength(1);
    expect(mem.samples.filter((s) => s.phase === 'after')).toHaveLength(1);
    expect(mem.stages.every((s) => s.n >= 1)).toBe(true);
    expect(mem.idleAfter!).toBeGreaterThan(mem.idleBefore!);
    expect(report.diagnoses.find((d) => d.kind === 'memory_growth')?.message).toMatch(/^mem rose stage over stage .* idle after \(\+\d+%\)/);
    expect(report.passed).toBe(false);
  });

  test('a clean server passes it', async () => {
    const { report } = await run('async');
    const [growth] = results(report, 'monitor.mem.growth < 10%');
    expect(growth).toMatchObject({ status: 'pass' });
    expect(report.diagnoses.some((d) => d.kind === 'memory_growth')).toBe(false);
    expect(report.passed).toBe(true);
  });
});

describe('responsiveness: health-url', () => {
  let demo: SpawnedDemo;
  beforeAll(async () => {
    demo = await spawnDemo();
  });
  afterAll(async () => demo.close());

  const run = (mode: string) =>
    gate({
      url: `${demo.url}/chat?mode=${mode}&delay=1200&events=2&interval=5`,
      stages: '1x1, 3x2',
      'health-url': '/healthz',
      'health-interval': '100ms',
      criteria: 'health.max < 500ms\nhealth.errors == 0',
    });

  test('a blocking server fails health.max and is unresponsive', async () => {
    const { report } = await run('blocking');
    const r = results(report, 'health.max < 500ms');
    // 1.2 s of blocked loop a request, 6 requests: a probe sent every 100 ms waits out a block.
    expect(r.find((c) => c.users === 3)).toMatchObject({ status: 'fail', unit: 'ms' });
    const h = report.server!.health!;
    expect(h.stages.map((s) => s.users)).toEqual([1, 3]);
    expect(h.stages[1]!.n).toBeGreaterThan(0);
    expect(h.stages[1]!.latency.max!).toBeGreaterThan(1000);
    expect(report.diagnoses.find((d) => d.kind === 'unresponsive' && d.users === 3)?.message).toMatch(
      /^the health check took up to \d+(\.\d)? s at 3 users \(.* idle\).*: the server stops answering under load$/,
    );
  });

  test('an async server passes it', async () => {
    const { report } = await run('async');
    for (const c of results(report, 'health.max < 500ms')) expect(c.status).toBe('pass');
    for (const c of results(report, 'health.errors == 0')) expect(c.status).toBe('pass');
    const h = report.server!.health!;
    // A probe every 100 ms through a stage of over two seconds.
    expect(h.stages[1]!.n).toBeGreaterThanOrEqual(3);
    expect(h.idle).not.toBeNull();
    expect(report.diagnoses.some((d) => d.kind === 'unresponsive')).toBe(false);
  });
});

describe('logs: tail -n0 -F FILE', () => {
  let demo: SpawnedDemo;
  let logFile: string;
  beforeAll(async () => {
    logFile = join(dir, 'app.log');
    demo = await spawnDemo({ log: logFile });
  });
  afterAll(async () => demo.close());

  test('failed requests give log_errors > 0 with samples; the default criteria gain log_errors == 0', async () => {
    const { report } = await gate({
      url: `${demo.url}/chat?mode=status&code=500&delay=10`,
      stages: '1x3',
      'logs-command': `tail -n0 -F ${logFile}`,
    });
    const [c] = results(report, 'log_errors == 0');
    expect(c).toMatchObject({ status: 'fail', users: 1 });
    // The ERROR line, the Traceback line and the exception line of each of the 3 failed requests.
    expect(c!.actual).toBe(9);
    const s = report.server!.logs!.stages[0]!;
    expect(s.lines).toBeGreaterThanOrEqual(3 * 5);
    // Distinct lines only: three, not nine.
    expect(s.samples).toEqual([expect.stringMatching(/ ERROR demo: request failed: demo failure 500$/), 'Traceback (most recent call last):', 'ServiceError: demo failure 500']);
  });

  test('a clean run passes log_errors == 0', async () => {
    const { report } = await gate({
      url: `${demo.url}/chat?mode=async&delay=10&events=2&interval=5`,
      stages: '1x1, 3x2',
      'logs-command': `tail -n0 -F ${logFile}`,
    });
    for (const c of results(report, 'log_errors == 0')) expect(c.status).toBe('pass');
    expect(report.server!.logs!.stages.map((s) => s.lines)).toEqual([1, 6]);
  });
});

describe('failing monitors are warnings', () => {
  let demo: SpawnedDemo;
  beforeAll(async () => {
    demo = await spawnDemo();
  });
  afterAll(async () => demo.close());

  test('a hanging command and a missing binary: warnings, missing samples, the run completes', async () => {
    const t0 = Date.now();
    const { report, log } = await gate({
      url: `${demo.url}/chat?mode=async&delay=20&events=2&interval=5`,
      stages: '1x1, 2x2',
      monitor: `hang: sleep 30\nmissing: no-such-binary-ttfc --stats\nwords: echo no number here\nok: echo 7`,
      'monitor-interval': '200ms',
      'monitor-timeout': '500ms',
      criteria: 'success_rate > 95%',
    });
    expect(Date.now() - t0).toBeLessThan(25_000);
    expect(report.passed).toBe(true);
    const m = (name: string) => report.server!.monitors.find((x) => x.name === name)!;
    expect(m('hang').samples).toEqual([]);
    expect(m('hang').warnings).toEqual(['no answer within 500 ms (killed; the sample is missing)']);
    expect(m('missing').warnings[0]).toMatch(/^exited with 127: .*no-such-binary-ttfc.*not found$/);
    expect(m('words').warnings).toEqual(['printed no number: "no number here"']);
    expect(m('ok').idleBefore).toBe(7);
    expect(m('ok').idleAfter).toBe(7);
    expect(m('ok').growth).toBe(0);
    expect(log.some((l) => l.startsWith('server: monitor hang: no answer within 500 ms'))).toBe(true);
    expect(report.server!.warnings.length).toBeGreaterThanOrEqual(3);
  });
});

test('a log command that dies is a warning, and log_errors of the stages it missed fails with the reason', async () => {
  const demo = await spawnDemo();
  try {
    const { report } = await gate({
      url: `${demo.url}/chat?mode=async&delay=20&events=2&interval=5`,
      stages: '1x1, 2x2',
      'logs-command': 'echo "error: No such container: ragflow-server" >&2; exit 1',
      criteria: 'log_errors == 0',
    });
    expect(report.server!.logs!.warning).toBe('logs-command stopped before the end of the run (exit 1): error: No such container: ragflow-server');
    expect(report.criteria.map((c) => [c.status, c.reason])).toEqual([
      ['fail', 'logs-command was not following the log in this stage (see the warnings)'],
      ['fail', 'logs-command was not following the log in this stage (see the warnings)'],
    ]);
  } finally {
    await demo.close();
  }
});

describe('metrics-url: a Prometheus endpoint served by prom-client', () => {
  let demo: SpawnedDemo;
  let server: Server;
  let metricsUrl: string;
  beforeAll(async () => {
    demo = await spawnDemo();
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const inflight = new Gauge({ name: 'app_inflight', help: 'in flight', labelNames: ['handler'], registers: [registry] });
    let n = 0;
    server = createServer((_req, res) => {
      inflight.set({ handler: 'chat' }, ++n);
      res.writeHead(200, { 'content-type': registry.contentType });
      void registry.metrics().then((text) => res.end(text));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    metricsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await demo.close();
  });

  test('rss, cpu as a rate, fds and a labelled series; criteria on them', async () => {
    const { report } = await gate({
      url: `${demo.url}/chat?mode=async&delay=50&events=2&interval=5`,
      stages: '1x2, 4x3',
      'metrics-url': metricsUrl,
      monitor: 'inflight: metric:app_inflight{handler="chat"}',
      'monitor-interval': '150ms',
      criteria: 'monitor.rss.max < 8GiB\nmonitor.inflight.max > 2\nmonitor.fds.max < 100000',
    });
    const m = (name: string) => report.server!.monitors.find((x) => x.name === name)!;
    expect(m('rss').unit).toBe('bytes');
    expect(m('rss').idleBefore!).toBeGreaterThan(1024 * 1024);
    expect(m('cpu').unit).toBe('%');
    expect(m('cpu').idleBefore).not.toBeNull();
    expect(m('fds').idleBefore!).toBeGreaterThan(0);
    expect(m('inflight').samples.length).toBeGreaterThan(3);
    for (const c of report.criteria) expect(c.status).toBe('pass');
    expect(results(report, 'monitor.rss.max < 8GiB')[0]!.unit).toBe('bytes');
  });
});
