// The capacity search against the servers users run (Debian's python3-quart / hypercorn and gunicorn,
// started by helpers/python-servers.ts): a pool whose size is the answer. Each answer is 150 ms to the
// first chunk and about 270 ms in all; the SLO `ttfc.p95 < 250ms` is just above one answer's TTFC, so
// the user one past the pool, who waits for a slot, misses it. Whole gate runs (config → smoke stage →
// search → report). Without python3 and the modules these tests are skipped loudly (and fail in CI).
import { buildConfig, type Inputs } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import type { Report } from '../../src/core/report-types.js';
import { missingServers, startPython, type RealServer } from '../helpers/python-servers.js';

const missing = missingServers();
if (missing !== null) {
  const text = `\n\n*** SKIPPED: the capacity tests against real servers need ${missing} ***\n\n`;
  if (process.env.CI || process.env.TTFC_REQUIRE_REAL_SERVERS) throw new Error(`${text}(CI / TTFC_REQUIRE_REAL_SERVERS is set: install them, see .ci/run)`);
  console.warn(text);
}
const maybe = missing === null ? describe : describe.skip;

const ANSWER = 'ttfc=0.15&events=4&interval=0.04';
const SLO = 'ttfc.p95 < 250ms';

let quart: RealServer;
let gunicorn: RealServer;
beforeAll(async () => {
  if (missing !== null) return;
  [quart, gunicorn] = await Promise.all([startPython('hypercorn', 'capacity_app:app'), startPython('gunicorn', 'flask_app:app', { threads: 8 })]);
}, 60_000);
afterAll(async () => {
  await Promise.all([quart?.close(), gunicorn?.close()]);
});

async function gate(inputs: Inputs): Promise<Report> {
  const cfg = buildConfig({ method: 'GET', cooldown: '100ms', timeout: '20s', capacity: SLO, criteria: 'errors == 0', ...inputs }, { env: {} });
  return JSON.parse(JSON.stringify(await runGate(cfg, { noWrite: true }))) as Report;
}

/** The capacity found, with every probe at or below it passing and every one above it missing. */
function expectPool(r: Report, size: number): void {
  const c = r.capacity!;
  expect(c.bound).toBe('exact');
  expect(c.users).toBeGreaterThanOrEqual(size - 1);
  expect(c.users).toBeLessThanOrEqual(size + 1);
  expect(c.firstMissUsers).toBe(c.users + 1);
  // Misses by latency, not errors: the pool queues, it does not refuse.
  for (const p of c.probes) if (!p.passed) expect(p.cause).toBe('latency');
  expect(r.criteria.every((x) => x.status === 'pass')).toBe(true);
}

maybe('the capacity at an SLO just above one answer is the pool size ± 1', () => {
  test('Quart on hypercorn, an asyncio.Semaphore(4) held for the whole answer: 4 users, saturated at the knee', async () => {
    const r = await gate({ url: `${quart.url}/chat?pool=4&${ANSWER}` });
    expectPool(r, 4);
    expect(r.capacity!.probes.slice(0, 4).map((p) => [p.users, p.passed])).toEqual([
      [1, true],
      [2, true],
      [4, true],
      [8, false],
    ]);
    // The existing analysis on the first missed probe (8 users against the 1-user probe).
    const knee = r.diagnoses.find((d) => d.message.startsWith('capacity search, first missed probe (8 users)'));
    expect(knee?.kind).toBe('saturated');
    expect(knee?.message).toMatch(/saturates at about [345] concurrent requests/);
  });

  test('gunicorn gthread with 8 threads (Flask): 8 users', async () => {
    const r = await gate({ url: `${gunicorn.url}/chat?${ANSWER}` });
    expectPool(r, 8);
  });

  test('a ThreadPoolExecutor(3) around the blocking model call: 3 users', async () => {
    const r = await gate({ url: `${quart.url}/chat?executor=3&${ANSWER}` });
    expectPool(r, 3);
  });

  test('an async server reaches capacity-max-users: a lower bound', async () => {
    const r = await gate({ url: `${quart.url}/chat?${ANSWER}`, 'capacity-max-users': '32' });
    expect(r.capacity).toMatchObject({ users: 32, firstMissUsers: null, bound: 'lower', stoppedBy: 'max-users' });
    expect(r.capacity!.probes.map((p) => p.users)).toEqual([1, 2, 4, 8, 16, 32]);
  });
});

maybe('head against base, in interleaved rounds', () => {
  test('a pool of 2 against a pool of 4: ratio near 0.5 whose interval excludes 1; capacity >= 0.9 * compare.capacity fails', async () => {
    const r = await gate({
      url: `${quart.url}/chat?pool=2&${ANSWER}`,
      'compare-url': `${quart.url}/chat?pool=4&${ANSWER}&side=base`,
      criteria: 'capacity >= 0.9 * compare.capacity',
      // Two rounds a probe: still one waiting request in every round past the pool, in two thirds of the time.
      'capacity-requests': '2',
    });
    const c = r.capacity!;
    expect(c.users).toBeGreaterThanOrEqual(1);
    expect(c.users).toBeLessThanOrEqual(3);
    expect(c.base!.users).toBeGreaterThanOrEqual(3);
    expect(c.base!.users).toBeLessThanOrEqual(5);
    expect(c.ratio!.value).toBeGreaterThanOrEqual(0.3);
    expect(c.ratio!.value).toBeLessThanOrEqual(0.7);
    expect(c.ratio!.high).not.toBeNull();
    expect(c.ratio!.high!).toBeLessThan(1);
    expect(r.criteria).toEqual([expect.objectContaining({ text: 'capacity >= 0.9 * compare.capacity', status: 'fail' })]);
    expect(r.passed).toBe(false);
  });
});
