// Inputs that used to be accepted and then meant something else, or nothing: each is now an input
// error (exit 2) naming the input, before any request — a threshold in the wrong unit, a date that
// does not exist, an A/B against the target itself, a merge given what it would ignore.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { validShardReport, writeJson } from '../helpers/shard-report.js';
import { buildConfig } from '../../src/core/config/config.js';
import { parseStartAt } from '../../src/core/config/shard.js';
import { evaluateCriteria, parseCriteria } from '../../src/core/analysis/criteria/index.js';
import { startHostileServer, type HostileServer } from './hostile-server.js';
import type { StageSummary } from '../../src/core/types.js';

let server: HostileServer;
let dir: string;
beforeAll(async () => {
  server = await startHostileServer();
  dir = mkdtempSync(join(tmpdir(), 'ttfc-silent-'));
  writeJson(dir, 'a.json', validShardReport({ index: 1, count: 2 }));
  writeJson(dir, 'b.json', validShardReport({ index: 2, count: 2 }));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...argv: string[]) => runCli(argv, { cwd: dir, env: {} });
const okRequests = (): number => server.requests.filter((r) => r.path.startsWith('/ok')).length;

describe("a criterion's unit must fit its metric (line and column named)", () => {
  test.each([
    ['a % on a latency', 'ttfc.p95 < 5%', /^ttfc-gate: criteria: line 1, column 12: unexpected unit "%" in "5%": ttfc\.p95 is a duration \(ms, s or m\)$/],
    ['ms on a count', 'success_rate > 90%\nerrors < 5ms', /^ttfc-gate: criteria: line 2, column 10: unexpected unit "ms" in "5ms": errors takes a bare number$/],
    ['a size on a latency', 'ttfc.avg < 5GiB', /^ttfc-gate: criteria: line 1, column 12: unknown unit "GiB" in "5GiB" \(expected ms, s or m\)$/],
  ])('%s', async (_name, criteria, message) => {
    const r = await cli('--url', `${server.url}/ok`, '--criteria', criteria);
    expect(r).toMatchObject({ code: 2, err: expect.stringMatching(message) });
  });

  test.each([
    [
      'a size on a % monitor',
      'm: echo "cpu 50%"',
      'success_rate > 90%\nmonitor.m.max < 5GiB',
      /line 2, column 17: "5GiB" is a size but monitor m measures a percentage \(its first sample: 50%\)$/,
    ],
    [
      'a % on a size monitor',
      'm: echo "512MiB / 2GiB"',
      'monitor.m.avg < 80%',
      /line 1, column 17: "80%" is a percentage but monitor m measures a size \(its first sample: 512 MiB\)$/,
    ],
    ['a size on a plain number', 'm: echo 37', 'monitor.m.max < 2 MiB', /line 1, column 17: "2 MiB" is a size but monitor m measures a plain number \(its first sample: 37\)$/],
  ])("%s: refused once the monitor's idle sample tells its unit, before any load", async (_name, monitor, criteria, message) => {
    const before = okRequests();
    const r = await cli('--url', `${server.url}/ok`, '--method', 'GET', '--stages', '1x1', '--monitor', monitor, '--criteria', criteria, '--report-path', join(dir, 'm.json'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ttfc-gate: criteria: /);
    expect(r.err).toMatch(message);
    expect(okRequests()).toBe(before);
  });

  test('a bare number fits every monitor; a threshold in its own unit passes', async () => {
    const r = await cli(
      '--url',
      `${server.url}/ok`,
      '--method',
      'GET',
      '--stages',
      '1x1',
      '--monitor',
      'm: echo 50%',
      '--criteria',
      'monitor.m.max < 80\nmonitor.m.avg <= 50%',
      '--report-path',
      join(dir, 'ok.json'),
    );
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
  });

  test('a unit known only later (no idle sample) fails the criterion when judged, never passes it', () => {
    const [c] = parseCriteria('monitor.m.max < 5GiB');
    const stage = { index: 1, users: 1, skipped: false, server: { monitors: { m: { unit: '%', n: 3, min: 40, avg: 45, max: 50, growth: null } } } } as unknown as StageSummary;
    expect(evaluateCriteria([c!], [stage])[0]).toMatchObject({ status: 'fail', actual: 50, reason: '"5GiB" is a size but monitor m measures a percentage' });
  });
});

describe('calendar dates must exist', () => {
  const now = Date.parse('2026-02-28T09:30:00Z');
  test.each([
    ['2026-02-30T10:00:00Z', 'February 2026 has 28 days'],
    ['2026-04-31T10:00:00Z', 'April 2026 has 30 days'],
    ['2026-13-01T10:00:00Z', 'month 13 does not exist'],
    ['2026-02-28T24:00:00Z', 'hour 24 does not exist (00 to 23)'],
    ['2026-02-28T10:60:00Z', 'minute 60 does not exist (00 to 59)'],
    ['2026-02-28T10:00:61Z', 'second 61 does not exist (00 to 59)'],
    ['2026-02-28T10:00:00+15:00', 'zone offset +15:00 does not exist'],
  ])('%s', (iso, why) => {
    expect(() => parseStartAt(iso, now)).toThrow(`start-at: "${iso}" is not a valid time: ${why}`);
  });

  test('through the CLI: exit 2 before any request, not March 2', async () => {
    const before = okRequests();
    const r = await cli('--url', `${server.url}/ok`, '--start-at', '2026-02-30T10:00:00Z');
    expect(r).toMatchObject({ code: 2, err: 'ttfc-gate: start-at: "2026-02-30T10:00:00Z" is not a valid time: February 2026 has 28 days' });
    expect(okRequests()).toBe(before);
  });

  test('a leap day and a +HH:MM zone that exist are fine', () => {
    expect(parseStartAt('2028-02-29T10:00:00+01:00', Date.parse('2028-02-29T08:30:00Z'))).toBe(Date.parse('2028-02-29T09:00:00Z'));
  });
});

describe('compare-url must be another target than url', () => {
  test.each([
    ['the same absolute URL', ['--url', 'http://127.0.0.1:9/chat', '--compare-url', 'http://127.0.0.1:9/chat'], 'compare-url'],
    ['the same after resolving base-url', ['--url', '/chat', '--base-url', 'http://127.0.0.1:9/app', '--compare-url', 'HTTP://127.0.0.1:9/app/chat'], 'compare-url'],
    ['the same after resolving both bases', ['--url', '/chat', '--base-url', 'http://127.0.0.1:9/app/', '--compare-base-url', 'http://127.0.0.1:9/app'], 'compare-base-url'],
    ['a default port written out', ['--url', 'http://localhost/chat', '--compare-url', 'http://localhost:80/chat'], 'compare-url'],
  ])('%s', async (_name, argv, input) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^ttfc-gate: ${input}: resolves to the url itself \\(http://.*/chat\\): an A/B of a target against itself measures nothing`));
  });

  test('another path, query or host is fine; so is the same URL with compare-headers that route elsewhere', () => {
    const build = (inputs: Record<string, string>) => buildConfig({ url: 'http://127.0.0.1:9/chat', ...inputs }, { env: {} });
    expect(build({ 'compare-url': 'http://127.0.0.1:9/chat?v=base' }).compare).not.toBeNull();
    expect(build({ 'compare-url': 'http://127.0.0.2:9/chat' }).compare).not.toBeNull();
    expect(build({ 'compare-url': 'http://127.0.0.1:9/chat', 'compare-headers': 'X-Route: base' }).compare).not.toBeNull();
  });
});

describe('ttfc-gate merge refuses what it would ignore', () => {
  test('inputs of a run, all named, nothing read or written', async () => {
    const r = await cli(
      'merge',
      'a.json',
      'b.json',
      '--monitor',
      'm: echo 1',
      '--health-url',
      '/healthz',
      '--logs-command',
      'tail -F x',
      '--compare-url',
      'http://127.0.0.1:9/base',
      '--repeat',
      '2',
      '--token',
      'sk-merge-token-1234567890',
      '--report-path',
      'never.json',
    );
    expect(r).toMatchObject({
      code: 2,
      err: expect.stringMatching(
        /^ttfc-gate: monitor: monitor, health-url, logs-command, compare-url, repeat and token do not apply to merge \(the plan comes from the shard reports/,
      ),
    });
    expect(r.err).not.toContain('sk-merge-token');
  });

  test.each([
    ['a monitor', 'monitor.mem.max < 1GiB', 'line 1: monitor.mem.max: the shard reports have no server-side figures'],
    ['the health probe', 'success_rate > 90%\nhealth.max < 2s', 'line 2: health.max: the shard reports have no server-side figures'],
    ['log errors', 'log_errors == 0', 'line 1: log_errors: the shard reports have no server-side figures'],
    ['a compare target', 'ttfc.avg < 1.2 * compare.ttfc.avg', 'line 1: compare.ttfc.avg: the shard reports have no compare target'],
  ])('criteria on %s the shards do not have: an input error, not "n/a" later', async (_name, criteria, message) => {
    const r = await cli('merge', 'a.json', 'b.json', '--criteria', criteria, '--report-path', 'never.json');
    expect(r.code).toBe(2);
    expect(r.err.startsWith(`ttfc-gate: criteria: ${message}`)).toBe(true);
  });

  test('markdown-path is taken and written', async () => {
    const r = await cli('merge', 'a.json', 'b.json', '--criteria', 'errors == 0', '--report-path', join(dir, 'merged.json'), '--markdown-path', 'merged.md');
    expect(r.code).toBe(0);
    expect(r.out).toContain('markdown: merged.md');
  });
});
