// wait-for: poll until 2xx with a capped exponential backoff, a log line per attempt, then start;
// on timeout fail with the last status and a body excerpt, and send no load.
import { buildConfig, type Inputs } from '../../src/core/config/config.js';
import { InputError } from '../../src/core/errors.js';
import { runGate } from '../../src/core/gate.js';
import { NotReadyError, waitForReady } from '../../src/core/prepare/readiness.js';
import { startHealthServer, type HealthServer } from '../helpers/servers/health.js';
import { listen } from '../helpers/servers/http.js';

const fast = { initialDelayMs: 20, maxDelayMs: 80 };
const servers: HealthServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});
async function health(unhealthy: number, body?: string): Promise<HealthServer> {
  const s = await startHealthServer({ unhealthy, body });
  servers.push(s);
  return s;
}
const inputs = (s: HealthServer, over: Inputs = {}): Inputs => ({ url: `${s.url}/chat`, method: 'GET', 'wait-for': '/healthz', stages: '1x1', criteria: 'errors == 0', ...over });

test('503 for a while, then ready: a log line per attempt, and the load starts after', async () => {
  const s = await health(3);
  const lines: string[] = [];
  const r = await runGate(buildConfig(inputs(s), { env: {} }), { noWrite: true, log: (l) => lines.push(l), readiness: fast });
  expect(r.passed).toBe(true);
  expect(s.requests.map((q) => q.path)).toEqual(['/healthz', '/healthz', '/healthz', '/healthz', '/chat']);
  expect(lines[0]).toBe(`wait-for: polling ${s.url}/healthz until it answers 2xx (at most 5m)`);
  expect(lines.slice(1, 4)).toEqual([
    'wait-for: attempt 1: HTTP 503: upstream not ready: migrations running; next try in 20ms',
    'wait-for: attempt 2: HTTP 503: upstream not ready: migrations running; next try in 40ms',
    'wait-for: attempt 3: HTTP 503: upstream not ready: migrations running; next try in 80ms',
  ]);
  expect(lines[4]).toMatch(/^wait-for: attempt 4: HTTP 200, ready after \d+ms$/);
});

test('the backoff doubles up to its cap', async () => {
  const s = await health(5);
  const lines: string[] = [];
  await waitForReady({ url: `${s.url}/healthz`, displayUrl: 'x', timeoutMs: 10_000, headers: () => ({}) }, { initialDelayMs: 10, maxDelayMs: 40, log: (l) => lines.push(l) });
  expect(lines.map((l) => / in (\d+)ms$/.exec(l)?.[1]).filter(Boolean)).toEqual(['10', '20', '40', '40', '40']);
});

test('never ready: fails after wait-timeout with the last status and a body excerpt, and sends no load', async () => {
  const s = await health(1_000_000, `<html><body>${'Deployment is building. '.repeat(30)}</body></html>`);
  const cfg = buildConfig(inputs(s, { 'wait-timeout': '700ms' }), { env: {} });
  const t0 = performance.now();
  const err = await runGate(cfg, { noWrite: true, readiness: { initialDelayMs: 50, maxDelayMs: 200 } }).catch((e: unknown) => e);
  const took = performance.now() - t0;
  expect(err).toBeInstanceOf(NotReadyError);
  const msg = (err as Error).message;
  expect(msg).toMatch(new RegExp(`^wait-for: ${s.url}/healthz was not ready within 700ms \\(\\d+ attempts\\); last answer: HTTP 503: <html><body>Deployment is building\\.`));
  expect(msg.length).toBeLessThan(400); // an excerpt, not the whole page
  expect(took).toBeGreaterThanOrEqual(650);
  expect(took).toBeLessThan(700 + 1500); // bounded: the timeout plus one short attempt
  expect(s.requests.every((q) => q.path === '/healthz')).toBe(true);
});

test('nothing listening: the connection error is the last answer', async () => {
  const closed = await listen(() => {});
  const url = closed.url;
  await closed.close();
  const cfg = buildConfig({ url: `${url}/chat`, 'wait-for': `${url}/healthz`, 'wait-timeout': '300ms', stages: '1x1' }, { env: {} });
  await expect(runGate(cfg, { noWrite: true, readiness: fast })).rejects.toThrow(/was not ready within 300ms \(\d+ attempts\); last answer: ECONNREFUSED/);
});

test('a path is resolved against base-url; same-origin headers of the load go along, Authorization never', async () => {
  const s = await health(0);
  const cfg = buildConfig(
    { 'base-url': `${s.url}/`, url: '/chat', method: 'GET', 'wait-for': '/healthz?probe=1', token: 'secret-token-abc', headers: 'X-Bypass: let-me-in', stages: '1x1' },
    { env: {} },
  );
  expect(cfg.wait!.url).toBe(`${s.url}/healthz?probe=1`);
  await runGate(cfg, { noWrite: true, readiness: fast });
  const check = s.requests.find((q) => q.path.startsWith('/healthz'))!;
  expect(check.headers['x-bypass']).toBe('let-me-in');
  expect(check.headers.authorization).toBeUndefined();
  const chat = s.requests.find((q) => q.path === '/chat')!;
  expect(chat.headers.authorization).toBe('Bearer secret-token-abc');
});

test('another origin gets none of the load headers', async () => {
  const s = await health(0);
  const other = await health(0);
  const cfg = buildConfig({ url: `${s.url}/chat`, 'wait-for': `${other.url}/healthz`, headers: 'X-Bypass: let-me-in', stages: '1x1' }, { env: {} });
  expect(cfg.wait!.headers()).toEqual({});
});

test.each([
  ['wait-timeout', { 'wait-for': '/healthz', 'wait-timeout': 'soon' }, /"soon" is not a duration/],
  ['wait-timeout', { 'wait-timeout': '0s' }, /must be greater than zero/],
  ['wait-for', { 'wait-for': 'healthz' }, /is not a valid URL/],
  ['wait-for', { 'wait-for': 'ftp://example.com/healthz' }, /scheme "ftp" is not supported/],
])('bad %s is an input error before any request', async (input, over, message) => {
  const s = await health(0);
  let err: unknown;
  try {
    buildConfig({ url: `${s.url}/chat`, ...over }, { env: {} });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).input).toBe(input);
  expect((err as InputError).message).toMatch(message);
  expect(s.requests).toHaveLength(0);
});
