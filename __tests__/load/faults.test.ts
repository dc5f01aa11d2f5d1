// The engine against a server that fails under it: every issued request ends in exactly one
// category, whatever the server does and wherever undici reports it (a connect error, a socket
// error, a reset, an abort), and a user's next request never re-enters undici where it asserts.
import { getEventListeners } from 'node:events';
import { chaosServer, type Step } from '../helpers/chaos-server.js';
import { parseStages } from '../../src/core/config/stages.js';
import { getPreset } from '../../src/core/load/presets/index.js';
import { createSharedLookup } from '../../src/core/load/dns.js';
import { runLoad, type LoadTarget } from '../../src/core/run/run-load.js';
import type { ClosedStage, RunResult } from '../../src/core/types.js';

const target = (url: string, timeoutMs = 2000): LoadTarget => ({
  spec: { origin: url, path: '/sse', method: 'POST', timeoutMs, format: 'auto', preset: getPreset('generic') },
  render: () => ({ headers: { 'content-type': 'application/json' }, body: '{"q":"hi"}' }),
});

/** issued = succeeded + every failure category, per stage, and the records agree. */
function expectCounted(run: RunResult): void {
  for (const s of run.stages) {
    const failures = Object.values(s.failures).reduce((a, b) => a + b, 0);
    expect(s.issued).toBe(s.succeeded + failures);
    expect(s.failed).toBe(failures);
  }
  expect(run.requests).toHaveLength(run.stages.reduce((n, s) => n + s.issued, 0));
  for (const r of run.requests) expect(r.ok === (r.category === null)).toBe(true);
}

test.each(['1x2', '1x3', '10x3', '100x2'])('a refused port at %s: every request a connection failure, no crash', async (stages) => {
  const server = await chaosServer([{ fault: 'refuse', after: 0 }]);
  try {
    const run = await runLoad(target(server.url), { stages: parseStages(stages), cooldownMs: 0 });
    expectCounted(run);
    const s = parseStages(stages)[0] as ClosedStage;
    expect(run.stages[0]!.issued).toBe(s.users * s.requestsPerUser);
    expect(run.requests.every((r) => r.category === 'connection')).toBe(true);
  } finally {
    await server.close();
  }
});

test.each<[string, Step]>([
  ['exits', { fault: 'exit', after: 12 }],
  ['restarts', { fault: 'restart', after: 12, downMs: 50 }],
  ['resets before the headers', { fault: 'reset-before-headers', after: 12, count: 10 }],
  ['resets mid-stream', { fault: 'reset-mid-stream', after: 12, count: 10 }],
])('a server that %s mid-stage at 10x3: every request counted once', async (_what, step) => {
  const server = await chaosServer([step]);
  try {
    const run = await runLoad(target(server.url), { stages: parseStages('10x3'), cooldownMs: 0 });
    expectCounted(run);
    expect(run.stages[0]!.issued).toBe(30);
    expect(run.stages[0]!.succeeded).toBeGreaterThan(0);
    expect(run.stages[0]!.failed).toBeGreaterThan(0);
  } finally {
    await server.close();
  }
});

/** The most abort listeners any one signal held at once while `fn` ran. */
async function maxAbortListeners<T>(fn: () => Promise<T>): Promise<{ result: T; max: number }> {
  const proto = EventTarget.prototype;
  const add = proto.addEventListener;
  const remove = proto.removeEventListener;
  const live = new Map<EventTarget, Set<unknown>>();
  let max = 0;
  proto.addEventListener = function (this: EventTarget, type: string, listener: unknown, ...rest: unknown[]) {
    if (type === 'abort' && this instanceof AbortSignal) {
      const set = live.get(this) ?? new Set();
      live.set(this, set.add(listener));
      max = Math.max(max, set.size);
    }
    return (add as (...a: unknown[]) => void).call(this, type, listener, ...rest);
  } as typeof add;
  proto.removeEventListener = function (this: EventTarget, type: string, listener: unknown, ...rest: unknown[]) {
    if (type === 'abort') live.get(this)?.delete(listener);
    return (remove as (...a: unknown[]) => void).call(this, type, listener, ...rest);
  } as typeof remove;
  try {
    return { result: await fn(), max };
  } finally {
    proto.addEventListener = add;
    proto.removeEventListener = remove;
  }
}

test('a cancel mid-stage at 50x3 with a silent server: one abort listener for the stage, every request cancelled and counted', async () => {
  const server = await chaosServer([{ fault: 'silence', after: 0 }]);
  const ctl = new AbortController();
  try {
    const until = Date.now() + 10_000;
    const watch = setInterval(() => {
      if (server.stats.requests >= 50 || Date.now() > until) ctl.abort();
    }, 5);
    const { result: run, max } = await maxAbortListeners(() => runLoad(target(server.url, 30_000), { stages: parseStages('50x3'), cooldownMs: 0, signal: ctl.signal }));
    clearInterval(watch);
    expect(run.cancelled).toBe(true);
    expectCounted(run);
    expect(run.stages[0]!.issued).toBe(50);
    expect(run.stages[0]!.failures.cancelled).toBe(50);
    // per signal: the run's grace timer, a pause, the stage's listener — never one per user or request
    expect(max).toBeLessThanOrEqual(2);
    expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(0);
  } finally {
    await server.close();
  }
});

test('a host name is resolved once for all the users connecting at a time, its answer or failure shared', async () => {
  let calls = 0;
  const lookup = createSharedLookup((_host, _opts, cb) => {
    calls++;
    setTimeout(() => cb(Object.assign(new Error('getaddrinfo ENOTFOUND x.invalid'), { code: 'ENOTFOUND' }), ''), 20);
  });
  const one = (): Promise<string | undefined> => new Promise((r) => lookup('x.invalid', { all: true }, (err) => r(err?.code)));
  expect(await Promise.all(Array.from({ length: 100 }, one))).toEqual(Array(100).fill('ENOTFOUND'));
  expect(calls).toBe(1);
  expect(await one()).toBe('ENOTFOUND'); // a user's next request, within the TTL
  expect(calls).toBe(1);
  await new Promise((r) => lookup('x.invalid', { family: 4 }, r)); // other options: a lookup of their own
  expect(calls).toBe(2);
});

test('an unresolvable host at 100x2: every request fails as unresolved, none in a queue of lookups', async () => {
  const run = await runLoad(target('http://nonexistent.invalid:9'), { stages: parseStages('100x2'), cooldownMs: 0 });
  expectCounted(run);
  expect(run.requests.filter((r) => !/ENOTFOUND|EAI_AGAIN/.test(r.error ?? '')).map((r) => r.error)).toEqual([]);
});

test('a server restarted between stages on the same port: the next stage succeeds on new connections', async () => {
  const server = await chaosServer([{ fault: 'restart', after: 6, on: 'answer', downMs: 20 }]);
  try {
    // Down for 20 ms, but the server shares this busy test process: a cool-down of a second leaves it
    // time to be back. Whether it was, and what failed, is in the assertion.
    let atStage2 = '';
    const run = await runLoad(target(server.url), {
      stages: parseStages('3x2, 4x2'),
      cooldownMs: 1000,
      hooks: {
        stageStart: (i) => {
          if (i === 2) atStage2 = `listening: ${server.listening}`; // stages count from 1
        },
      },
    });
    expectCounted(run);
    const failed = run.requests.filter((r) => !r.ok).map((r) => `${r.stage}/${r.user}/${r.iteration}: ${r.error ?? ''}`);
    expect({ succeeded: run.stages.map((s) => s.succeeded), atStage2, failed }).toEqual({ succeeded: [6, 8], atStage2: 'listening: true', failed: [] });
    expect(run.stages[1]!.connections).toBe(4);
  } finally {
    await server.close();
  }
});

test('a server restarted mid-stage: only the requests in flight fail, each user goes on on a new connection', async () => {
  const server = await chaosServer([{ fault: 'restart', after: 4, downMs: 0 }]);
  try {
    const run = await runLoad(target(server.url), { stages: parseStages('3x4'), cooldownMs: 0 });
    expectCounted(run);
    const s = run.stages[0]!;
    expect(s.issued).toBe(12);
    expect(s.failed).toBeLessThanOrEqual(3);
    expect(s.failed).toBe(s.failures.connection);
    for (const user of [1, 2, 3]) expect(run.requests.find((r) => r.user === user && r.iteration === 4)!.ok).toBe(true);
    expect(s.connections).toBeGreaterThan(3);
  } finally {
    await server.close();
  }
});
