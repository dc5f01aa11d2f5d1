// The messages a newcomer meets first: a mistyped flag, a URL without its scheme and a mistyped
// criteria metric each get the one fix to try (on the CLI and in the Action alike), the full list
// of metrics stays in --help; a stage with no success shows no throughput on the terminal.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedMetrics } from '../../src/core/analysis/metrics.js';
import { nearest } from '../../src/core/suggest.js';
import { urlWithoutScheme } from '../../src/core/config/url-scheme.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { cleanupRuns, ensureActionBundle, runAction, scheduleEvent } from '../helpers/run-action.js';

const dir = mkdtempSync(join(tmpdir(), 'ttfc-messages-'));
const cli = (...argv: string[]): Promise<CliRun> => runCli(argv, { env: {}, cwd: dir });
const URL_OK = 'http://127.0.0.1:9/chat';

describe('an unknown flag names the nearest one', () => {
  test.each([
    [['--urll', URL_OK], 'ttfc-gate: --urll: unknown flag: did you mean --url?'],
    [['--url', URL_OK, '--stage', '1x1'], 'ttfc-gate: --stage: unknown flag: did you mean --stages?'],
    [['--url', URL_OK, '--compare_url', URL_OK], 'ttfc-gate: --compare_url: unknown flag: did you mean --compare-url?'],
    [['--url', URL_OK, '--Timeout', '5s'], 'ttfc-gate: --Timeout: unknown flag: did you mean --timeout?'],
    [['--url', URL_OK, '--crit', 'errors == 0'], 'ttfc-gate: --crit: unknown flag: did you mean --criteria?'],
    [['--url', URL_OK, '--cooldwon', '0'], 'ttfc-gate: --cooldwon: unknown flag: did you mean --cooldown?'],
    // Nothing near: no guess, the pointer to --help as before.
    [['--url', URL_OK, '--users', '10'], 'ttfc-gate: --users: unknown flag (see --help)'],
    [['--url', URL_OK, '--concurrency', '10'], 'ttfc-gate: --concurrency: unknown flag (see --help)'],
    // One dash, or a URL without its flag.
    [['-url', URL_OK], 'ttfc-gate: -url: flags take two dashes: did you mean --url?'],
    [['http://u:pw@127.0.0.1:9/chat'], 'ttfc-gate: http://127.0.0.1:9/chat: unexpected argument: did you mean --url before it?'],
  ])('%j', async (argv, err) => {
    expect(await cli(...argv)).toEqual({ code: 2, out: '', err });
  });

  test('merge knows the same flags', async () => {
    expect((await runCli(['merge', 'a.json', '--critera', 'errors == 0'], { env: {}, cwd: dir })).err).toBe('ttfc-gate: --critera: unknown flag: did you mean --criteria?');
  });

  test('nearest: close enough for a typo, ties listed, never a far guess', () => {
    expect(nearest('p59', ['p50', 'p90', 'p95', 'p99'])).toEqual(['p50', 'p95', 'p99']);
    expect(nearest('cooldwon', ['cooldown', 'timeout'])).toEqual(['cooldown']);
    expect(nearest('max', ['min', 'avg', 'max'])).toEqual(['max']);
    expect(nearest('zzz', ['url', 'method'])).toEqual([]);
    expect(nearest('', ['url'])).toEqual([]);
    // A prefix names the flags it begins, unless it begins too many.
    expect(nearest('capacity-r', ['capacity-requests', 'capacity-resolution', 'capacity-budget'])).toEqual(['capacity-requests', 'capacity-resolution']);
    expect(nearest('his', ['history-path', 'history-limit', 'history-window', 'history-write'])).toEqual([]);
  });
});

describe('a URL without its scheme shows the URL meant', () => {
  test.each([
    [['--url', 'localhost:8787/x'], 'ttfc-gate: url: "localhost:8787/x" has no scheme: did you mean http://localhost:8787/x?'],
    [['--url', '127.0.0.1:8000/v1/chat?stream=1'], 'ttfc-gate: url: "127.0.0.1:8000/v1/chat?stream=1" has no scheme: did you mean http://127.0.0.1:8000/v1/chat?stream=1?'],
    [['--url', 'api.example.com/v1/chat'], 'ttfc-gate: url: "api.example.com/v1/chat" has no scheme: did you mean https://api.example.com/v1/chat?'],
    [['--url', '/chat', '--base-url', 'localhost:8000'], 'ttfc-gate: base-url: "localhost:8000" has no scheme: did you mean http://localhost:8000?'],
    [['--url', URL_OK, '--health-url', 'api:8000/healthz'], 'ttfc-gate: health-url: "api:8000/healthz" has no scheme: did you mean http://api:8000/healthz?'],
    [
      ['--url', URL_OK, '--compare-url', 'staging.example.com/chat?api_key=abcdef0123456789xyz'],
      'ttfc-gate: compare-url: "staging.example.com/chat?api_key=***" has no scheme: did you mean https://staging.example.com/chat?api_key=***?',
    ],
    // What is not a host keeps its own message.
    [['--url', 'ftp://127.0.0.1/x'], 'ttfc-gate: url: scheme "ftp" is not supported (use http or https)'],
    [['--url', 'chat'], 'ttfc-gate: url: "chat" is not a valid URL (absolute http(s) URL, or a path starting with /)'],
  ])('%j', async (argv, err) => {
    expect(await cli(...argv)).toEqual({ code: 2, out: '', err });
  });

  test('urlWithoutScheme: http for this machine, an address or a service name, https for a domain; null for a URL or no host', () => {
    expect(urlWithoutScheme('localhost')).toBe('http://localhost');
    expect(urlWithoutScheme('app.localhost:3000/chat')).toBe('http://app.localhost:3000/chat');
    expect(urlWithoutScheme('[::1]:8080/x')).toBe('http://[::1]:8080/x');
    expect(urlWithoutScheme('example.com')).toBe('https://example.com');
    expect(urlWithoutScheme('http://localhost:8787/x')).toBeNull();
    expect(urlWithoutScheme('mailto:a@b.c')).toBeNull();
    expect(urlWithoutScheme('chat')).toBeNull();
    expect(urlWithoutScheme('a b.com/x')).toBeNull();
  });
});

describe('a criteria typo names the nearest metric, not the whole list', () => {
  test.each([
    ['ttfx.p95 < 3s', 'line 1, column 1: unknown metric "ttfx.p95": did you mean ttfc.p95, ttft.p95 or ttfb.p95?'],
    ['ttfc.p59 < 3s', 'line 1, column 1: unknown metric "ttfc.p59": did you mean ttfc.p50, ttfc.p95 or ttfc.p99?'],
    ['@10: ttfc.agv < 1s', 'line 1, column 6: unknown metric "ttfc.agv": did you mean ttfc.avg?'],
    ['success-rate > 95%', 'line 1, column 1: unknown metric "success-rate": did you mean success_rate?'],
    ['TTFC.avg < 1s', 'line 1, column 1: unknown metric "TTFC.avg": did you mean ttfc.avg?'],
    ['ttfc.max < 1.2 * baseline.ttfx.max', 'line 1, column 18: unknown metric "baseline.ttfx.max": did you mean baseline.ttfc.max, baseline.ttft.max or baseline.ttfb.max?'],
    ['monitor.mem.mxa < 2GiB', 'line 1, column 1: unknown metric "monitor.mem.mxa": did you mean monitor.mem.max?'],
    ['ttfc < 1s', 'line 1, column 1: unknown metric "ttfc": name a statistic, e.g. ttfc.p95 (ttfc.min|avg|p50|p90|p95|p99|max|stddev)'],
    ['latency.p95 < 1s', 'line 1, column 1: unknown metric "latency.p95" (ttfc-gate --help lists every metric)'],
  ])('%s', async (line, message) => {
    const r = await cli('--url', URL_OK, '--criteria', line);
    expect(r).toEqual({ code: 2, out: '', err: `ttfc-gate: criteria: ${message}` });
    expect(r.err.length).toBeLessThan(150);
  });

  test('--help lists every metric', async () => {
    const help = (await cli('--help')).out.replace(/\s+/g, ' ');
    for (const part of expectedMetrics().split(' or ')) for (const name of part.split(', ')) expect(help).toContain(name);
  });
});

test('a stage with no success shows no throughput: n/a, not failures per second', async () => {
  const closed = await freePort();
  const r = await cli('--url', `http://127.0.0.1:${closed}/chat`, '--stages', '1x3', '--cooldown', '0', '--timeout', '2s');
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/stage 1: .*0\/3.*n\/a req\/s/);
  expect(r.out).not.toMatch(/\d req\/s/);
});

describe('in the Action: the same lines, a failed step', () => {
  beforeAll(() => ensureActionBundle(), 240_000);
  afterAll(() => cleanupRuns());

  test.each([
    [{ url: 'localhost:8787/x' }, `Input 'url': "localhost:8787/x" has no scheme: did you mean http://localhost:8787/x?`],
    [{ url: URL_OK, criteria: 'ttfx.p95 < 3s' }, `Input 'criteria': line 1, column 1: unknown metric "ttfx.p95": did you mean ttfc.p95, ttft.p95 or ttfb.p95?`],
  ])('%j', async (inputs, error) => {
    const r = await runAction({ inputs, event: { name: 'schedule', payload: scheduleEvent() } });
    expect(r.code).toBe(1);
    expect(r.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([error]);
    expect(r.reportText).toBeNull();
  });
});

/** A port nothing listens on: bound once, then closed. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
