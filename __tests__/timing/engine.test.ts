// The engine against a real streaming server in another process: timings, spread, failures.
import { spawnDemo, type SpawnedDemo } from '../helpers/demo.js';
import { gate } from '../helpers/gate.js';
import type { FailureCategory } from '../../src/core/types.js';

let demo: SpawnedDemo;
beforeAll(async () => {
  demo = await spawnDemo();
});
afterAll(async () => {
  await demo.close();
});

const url = (q: string): string => `${demo.url}/chat?${q}`;

test('a 200 ms first-event delay is measured as ttfc in [200, 350) ms, every request', async () => {
  const r = await gate({ url: url('mode=async&delay=200&events=3&interval=10'), stages: '1x2, 8x2', criteria: 'errors == 0' });
  expect(r.requests).toHaveLength(18);
  for (const req of r.requests) {
    expect(req.ok).toBe(true);
    expect(req.ttfc).toBeGreaterThanOrEqual(200);
    expect(req.ttfc).toBeLessThan(350);
    // the generic preset: first content is the first chunk
    expect(req.ttft).toBe(req.ttfc);
    expect(req.ttfb!).toBeLessThan(req.ttfc!);
    expect(req.connect!).toBeLessThanOrEqual(req.ttfb!);
    // events 10 ms apart arrive spread out, not in one bunch (a loaded scheduler may shorten the spread)
    expect(req.total!).toBeGreaterThanOrEqual(req.ttfc! + 5);
    expect(req.events).toBe(3);
  }
  expect(r.stages[1]!.ttfc.n).toBe(16);
  expect(r.passed).toBe(true);
});

test('blocking handlers spread the TTFCs of one stage out; async ones do not', async () => {
  const spread = async (mode: string): Promise<number> => {
    const r = await gate({ url: url(`mode=${mode}&delay=150&events=2&interval=5`), stages: '1x1, 6x1', criteria: 'errors == 0' });
    const s = r.stages[1]!;
    expect(s.succeeded).toBe(6);
    return s.ttfc.max! / s.ttfc.min!;
  };
  // 6 requests served one after another: the last waits ~6 single-request times.
  expect(await spread('blocking')).toBeGreaterThan(3);
  expect(await spread('async')).toBeLessThan(1.6);
});

test('inter-event latency and stall come from the gaps between events', async () => {
  const r = await gate({ url: url('mode=async&delay=20&events=5&interval=60'), stages: '2x1', criteria: 'errors == 0' });
  const s = r.stages[0]!;
  expect(s.itl.n).toBe(8); // 4 gaps per request
  expect(s.itl.p50!).toBeGreaterThanOrEqual(50);
  expect(s.itl.p50!).toBeLessThan(150);
  expect(s.stall.max!).toBeGreaterThanOrEqual(s.itl.p50!);
  expect(s.total.avg!).toBeGreaterThanOrEqual(20 + 4 * 55);
});

test.each([
  ['sse', 4],
  ['ndjson', 4],
])('format %s is detected from Content-Type and every event counted', async (format, events) => {
  const r = await gate({ url: url(`mode=async&delay=0&events=${events}&interval=1&format=${format}`), stages: '1x1', criteria: 'errors == 0' });
  expect(r.requests[0]!.events).toBe(events);
  expect(r.requests[0]!.ok).toBe(true);
});

test('raw streams: the first body byte is the first chunk', async () => {
  const r = await gate({ url: url('mode=async&delay=100&events=3&interval=40&format=raw'), stages: '1x1', criteria: 'errors == 0' });
  const req = r.requests[0]!;
  expect(req.ok).toBe(true);
  expect(req.ttfc!).toBeGreaterThanOrEqual(100);
  expect(req.events).toBeGreaterThanOrEqual(2); // chunks, as the transport delivered them
  expect(req.bytes).toBe('token 1 token 2 token 3 '.length);
});

const faults: Array<[string, string, FailureCategory, RegExp]> = [
  ['503', 'mode=status&code=503&delay=0', 'http_5xx', /HTTP 503.*demo failure 503/],
  ['404', 'mode=status&code=404&delay=0', 'http_4xx', /HTTP 404/],
  ['reset after the first event', 'mode=reset&delay=0', 'connection', /mid-stream/],
  ['hang', 'mode=hang&delay=0', 'timeout', /within 400 ms/],
  ['malformed chunked encoding', 'mode=malformed&delay=0', 'protocol', /malformed HTTP response/],
  ['empty stream', 'mode=empty&delay=0', 'empty', /without an event/],
];

test.each(faults)('fault %s ends in its own category, each request counted once', async (_name, q, category, message) => {
  const r = await gate({ url: url(q), stages: '3x2', timeout: '400ms', criteria: 'errors == 0' });
  const s = r.stages[0]!;
  expect(s.issued).toBe(6);
  expect(s.succeeded + s.failed).toBe(s.issued);
  expect(s.failed).toBe(6);
  expect(s.failures[category]).toBe(6);
  expect(Object.values(s.failures).reduce((a, b) => a + b, 0)).toBe(6);
  for (const req of r.requests) {
    expect(req.category).toBe(category);
    expect(req.error).toMatch(message);
  }
  expect(r.errorSamples.filter((e) => e.category === category)).toHaveLength(5);
  expect(r.passed).toBe(false);
});

test('the process survives every fault mode in one run, and the server still serves', async () => {
  for (const [, q] of faults) await gate({ url: url(q), stages: '2x1', timeout: '300ms', criteria: 'errors == 0' });
  const r = await gate({ url: url('mode=async&delay=0'), stages: '1x1', criteria: 'errors == 0' });
  expect(r.passed).toBe(true);
});

test('smoke test: no success in the first stage skips the rest and fails clearly', async () => {
  const r = await gate({ url: url('mode=status&code=500&delay=0'), stages: '1x1, 10x3, 20x2', criteria: 'errors == 0 warn' });
  expect(r.requests).toHaveLength(1);
  expect(r.stages.map((s) => s.skipped)).toEqual([false, true, true]);
  expect(r.smokeFailed).toBe(true);
  expect(r.passed).toBe(false);
  expect(r.diagnoses[0]!.kind).toBe('smoke');
  expect(r.diagnoses[0]!.message).toMatch(/smoke test failed.*http_5xx.*remaining stages were skipped/);
});

test('closed model: every user sends its requests one after another, all users at once', async () => {
  const r = await gate({ url: url('mode=async&delay=100&events=1'), stages: '30x2', criteria: 'errors == 0' });
  expect(r.requests).toHaveLength(60);
  for (let u = 1; u <= 30; u++) {
    const mine = r.requests.filter((q) => q.user === u).sort((a, b) => a.iteration - b.iteration);
    expect(mine.map((q) => q.iteration)).toEqual([1, 2]);
    // the second request starts after the first one ended
    expect(mine[1]!.startedAt).toBeGreaterThanOrEqual(mine[0]!.startedAt + mine[0]!.total! - 1);
  }
  // no request waited for a free socket: every first wave ttfc is near the server delay
  const firstWave = r.requests.filter((q) => q.iteration === 1);
  expect(Math.max(...firstWave.map((q) => q.ttfc!))).toBeLessThan(400);
});
