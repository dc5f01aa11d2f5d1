// A shard that reaches its start after start-at says so, with how late; one on time says nothing.
import { buildConfig } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import { startCountingServer, type CountingServer } from '../helpers/servers/counting.js';

let server: CountingServer;
beforeAll(async () => {
  server = await startCountingServer({ delayMs: 1, events: 2, intervalMs: 1 });
});
afterAll(() => server.close());

const run = (startAt: string, now?: number) =>
  runGate(
    buildConfig(
      { url: `${server.url}/chat`, stages: '1x1, 2x1', cooldown: '0', shard: '1/1', 'start-at': startAt, 'stage-window': '1s' },
      { env: {}, ...(now !== undefined ? { now } : {}) },
    ),
    { noWrite: true },
  );

test('start-at already 3 s past: the report says the shard started stage 1 at least 3 s late', async () => {
  const r = await run(new Date(Date.now() - 3000).toISOString());
  expect(r.shard!.stages[0]!.lateMs).toBeGreaterThanOrEqual(3000);
  expect(r.shard!.lateMs).toBeGreaterThanOrEqual(3000);
  const d = r.diagnoses.find((x) => x.kind === 'shard_late')!;
  expect(d.message).toMatch(/^shard 1\/1 started late against start-at: stage 1 by [\d.]+ s.*give start-at more lead/);
  expect(r.stages.map((s) => s.issued)).toEqual([1, 2]);
});

test('start-at ahead: every stage waits for its slot', async () => {
  const startAt = Date.now() + 300;
  const r = await run('+300ms', startAt - 300);
  const [s1, s2] = r.shard!.stages;
  expect(s1!.scheduledAt).toBe(startAt);
  expect(s2!.scheduledAt).toBe(startAt + 1000);
  // Never before its slot (Date.now() is what the schedule is kept by).
  expect(s1!.startedAt).toBeGreaterThanOrEqual(startAt);
  expect(s2!.startedAt).toBeGreaterThanOrEqual(startAt + 1000);
  expect(r.stages.map((s) => s.issued)).toEqual([1, 2]);
});
