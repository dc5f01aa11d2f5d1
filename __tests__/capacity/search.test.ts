// The capacity search as a state machine, with a fake probe function (no server): the ramp, the
// bisection, the resolution, the budget, cancel, the inconclusive rerun, max-users, non-monotone
// probes and the lockstep of head and base.
import { boundOf, bracketOf, nextUsers, nonMonotone, searchCapacity, type ProbeFn, type SearchOptions } from '../../src/core/capacity/search.js';
import type { Resolution, Side, Verdict } from '../../src/core/capacity/types.js';

const PCT10: Resolution = { kind: 'fraction', value: 0.1 };
const ONE: Resolution = { kind: 'users', value: 1 };

/** A fake target per side: users → verdict; records every users probed (and whether it was a rerun). */
function fake(sides: Partial<Record<Side, (users: number, rerun: boolean) => Verdict>>, clock?: { t: number; perProbe: number }) {
  const calls: Array<{ users: number; rerun: boolean }> = [];
  const probe: ProbeFn = async (users, { rerun }) => {
    calls.push({ users, rerun });
    if (clock) clock.t += clock.perProbe;
    const out: Partial<Record<Side, Verdict>> = {};
    for (const [side, f] of Object.entries(sides) as Array<[Side, (u: number, r: boolean) => Verdict]>) out[side] = f(users, rerun);
    return out;
  };
  return { probe, calls };
}

const capacity =
  (c: number) =>
  (users: number): Verdict =>
    users <= c ? 'pass' : 'miss';
const opts = (over: Partial<SearchOptions> = {}): SearchOptions => ({ maxUsers: 256, resolution: PCT10, budgetMs: 300_000, sides: ['head'], ...over });

describe('the state machine', () => {
  test('bracket: the first miss and the last pass below it; passes above the miss are non-monotone', () => {
    const obs = [
      { users: 1, passed: true },
      { users: 2, passed: true },
      { users: 4, passed: false },
      { users: 8, passed: true },
      { users: 3, passed: true },
    ];
    expect(bracketOf(obs)).toEqual({ lastPass: 3, firstMiss: 4 });
    expect(nonMonotone(obs)).toEqual([{ users: 8, aboveMiss: 4 }]);
    expect(bracketOf([])).toEqual({ lastPass: 0, firstMiss: null });
  });

  test('next users: 1 first, the ramp doubles up to max-users, then the midpoint, done within the resolution', () => {
    const lim = { maxUsers: 20, resolution: PCT10 };
    expect(nextUsers([], lim)).toEqual({ users: 1 });
    expect(nextUsers([{ users: 16, passed: true }], lim)).toEqual({ users: 20 });
    expect(nextUsers([{ users: 20, passed: true }], lim)).toEqual({ done: 'max-users' });
    expect(
      nextUsers(
        [
          { users: 8, passed: true },
          { users: 16, passed: false },
        ],
        lim,
      ),
    ).toEqual({ users: 12 });
    expect(nextUsers([{ users: 1, passed: false }], lim)).toEqual({ done: 'no-pass' });
    // 10% of 100 is 10: a bracket of 100 … 110 is found, 100 … 111 is not.
    expect(
      nextUsers(
        [
          { users: 100, passed: true },
          { users: 110, passed: false },
        ],
        { maxUsers: 256, resolution: PCT10 },
      ),
    ).toEqual({ done: 'resolution' });
    expect(
      nextUsers(
        [
          { users: 100, passed: true },
          { users: 111, passed: false },
        ],
        { maxUsers: 256, resolution: PCT10 },
      ),
    ).toEqual({ users: 105 });
    expect(boundOf({ lastPass: 0, firstMiss: 1 }, lim)).toBe('upper');
    expect(boundOf({ lastPass: 8, firstMiss: 16 }, lim)).toBe('between');
    expect(boundOf({ lastPass: 8, firstMiss: null }, lim)).toBe('lower');
    expect(boundOf({ lastPass: 8, firstMiss: 9 }, lim)).toBe('exact');
  });
});

describe('the search with a fake probe', () => {
  test('ramp 1, 2, 4, 8 then bisection: a pool of 4 is found exactly', async () => {
    const { probe, calls } = fake({ head: capacity(4) });
    const r = await searchCapacity(opts(), probe);
    expect(calls.map((c) => c.users)).toEqual([1, 2, 4, 8, 6, 5]);
    expect(r.sides.head).toMatchObject({ bracket: { lastPass: 4, firstMiss: 5 }, bound: 'exact', stoppedBy: 'resolution' });
    expect(r.steps.map((s) => s.passed.head)).toEqual([true, true, true, false, false, false]);
  });

  test('a capacity of 37: within 10% at the default resolution, exact at a resolution of 1 user', async () => {
    const tenPct = fake({ head: capacity(37) });
    const a = await searchCapacity(opts(), tenPct.probe);
    expect(tenPct.calls.map((c) => c.users)).toEqual([1, 2, 4, 8, 16, 32, 64, 48, 40, 36, 38]);
    expect(a.sides.head?.bracket).toEqual({ lastPass: 36, firstMiss: 38 });
    expect(a.sides.head?.bound).toBe('exact');
    const exact = fake({ head: capacity(37) });
    const b = await searchCapacity(opts({ resolution: ONE }), exact.probe);
    expect(b.sides.head?.bracket).toEqual({ lastPass: 37, firstMiss: 38 });
    expect(exact.calls).toHaveLength(12);
  });

  test('a resolution in users stops the bisection as soon as the bracket is that narrow', async () => {
    const { probe, calls } = fake({ head: capacity(100) });
    const r = await searchCapacity(opts({ resolution: { kind: 'users', value: 16 } }), probe);
    // 64 pass, 128 miss → 96 pass → 112 miss: 96 … 112 is within 16 users (at 1 user it would go on to 104, 100 …).
    expect(calls.map((c) => c.users)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 96, 112]);
    expect(r.sides.head?.bracket).toEqual({ lastPass: 96, firstMiss: 112 });
  });

  test('capacity-max-users reached: every probe passed, a lower bound', async () => {
    const { probe, calls } = fake({ head: () => 'pass' });
    const r = await searchCapacity(opts({ maxUsers: 37 }), probe);
    expect(calls.map((c) => c.users)).toEqual([1, 2, 4, 8, 16, 32, 37]);
    expect(r.sides.head).toMatchObject({ bracket: { lastPass: 37, firstMiss: null }, bound: 'lower', stoppedBy: 'max-users' });
  });

  test('not even 1 user meets the SLO: one probe, an upper bound of 0', async () => {
    const { probe, calls } = fake({ head: () => 'miss' });
    const r = await searchCapacity(opts(), probe);
    expect(calls.map((c) => c.users)).toEqual([1]);
    expect(r.sides.head).toMatchObject({ bracket: { lastPass: 0, firstMiss: 1 }, bound: 'upper', stoppedBy: 'no-pass' });
  });

  test('the budget: checked before each probe; the bounds so far are the answer ("between 8 and 16")', async () => {
    const clock = { t: 0, perProbe: 60_000 };
    const { probe, calls } = fake({ head: capacity(12) }, clock);
    const r = await searchCapacity(opts({ budgetMs: 300_000, now: () => clock.t }), probe);
    expect(calls.map((c) => c.users)).toEqual([1, 2, 4, 8, 16]);
    expect(r.sides.head).toMatchObject({ bracket: { lastPass: 8, firstMiss: 16 }, bound: 'between', stoppedBy: 'budget' });
    expect(r.elapsedMs).toBe(300_000);
  });

  test('the budget also cuts the probe in flight: its result is not used', async () => {
    const calls: number[] = [];
    const probe: ProbeFn = (users, { signal }) => {
      calls.push(users);
      if (users < 4) return Promise.resolve({ head: 'pass' });
      // This probe would take forever: it ends when the budget's signal aborts.
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve(null), { once: true }));
    };
    const r = await searchCapacity(opts({ budgetMs: 50 }), probe);
    expect(calls).toEqual([1, 2, 4]);
    expect(r.cut).toBe(4);
    expect(r.sides.head).toMatchObject({ bracket: { lastPass: 2, firstMiss: null }, bound: 'lower', stoppedBy: 'budget' });
  });

  test('a cancel stops the search: the probe in flight is cut, the bounds so far stand', async () => {
    const ctl = new AbortController();
    const probe: ProbeFn = (users, { signal }) => {
      if (users === 8) {
        ctl.abort();
        return Promise.resolve(signal.aborted ? null : { head: 'pass' });
      }
      return Promise.resolve({ head: users <= 16 ? 'pass' : 'miss' });
    };
    const r = await searchCapacity(opts({ signal: ctl.signal }), probe);
    expect(r.cut).toBe(8);
    expect(r.steps.map((s) => s.users)).toEqual([1, 2, 4]);
    expect(r.sides.head).toMatchObject({ bracket: { lastPass: 4, firstMiss: null }, stoppedBy: 'cancelled' });
  });

  test('an inconclusive probe runs once more: pass then counts, inconclusive again is a miss', async () => {
    const { probe, calls } = fake({ head: (u, rerun) => (u === 8 ? (rerun ? 'pass' : 'inconclusive') : u === 6 || u === 16 ? 'inconclusive' : u <= 12 ? 'pass' : 'miss') });
    const r = await searchCapacity(opts(), probe);
    expect(calls.filter((c) => c.rerun).map((c) => c.users)).toEqual([8, 16]);
    const eight = r.steps.find((s) => s.users === 8)!;
    expect(eight).toMatchObject({ passed: { head: true }, rerun: ['head'], runs: 2 });
    const sixteen = r.steps.find((s) => s.users === 16)!;
    expect(sixteen).toMatchObject({ passed: { head: false }, runs: 2 });
    expect(r.sides.head?.bracket).toEqual({ lastPass: 12, firstMiss: 13 });
  });

  test('a probe that throws stops the search with its error', async () => {
    const probe: ProbeFn = (users) => (users < 4 ? Promise.resolve({ head: 'pass' }) : Promise.reject(new Error('stages: a stage of 4 users needs 4 connections')));
    const r = await searchCapacity(opts(), probe);
    expect(r.error).toMatch(/needs 4 connections/);
    expect(r.sides.head).toMatchObject({ bracket: { lastPass: 2, firstMiss: null }, stoppedBy: 'error' });
  });
});

describe('head and base in lockstep', () => {
  test('every probe runs both, at the fewest users either still wants; each side its own bracket', async () => {
    const { probe, calls } = fake({ head: capacity(2), base: capacity(4) });
    const r = await searchCapacity(opts({ sides: ['head', 'base'] }), probe);
    expect(calls.map((c) => c.users)).toEqual([1, 2, 4, 3, 8, 6, 5]);
    expect(r.sides.head).toMatchObject({ bracket: { lastPass: 2, firstMiss: 3 }, bound: 'exact' });
    expect(r.sides.base).toMatchObject({ bracket: { lastPass: 4, firstMiss: 5 }, bound: 'exact' });
    expect(r.steps.every((s) => s.passed.head !== undefined && s.passed.base !== undefined)).toBe(true);
  });

  test('a pass above a miss (a probe the other side asked for) is non-monotone: reported, never used', async () => {
    // The head misses at 3 and 4 but passes at 6 (a noisy moment); the base wants 8, 6, 5.
    const head = (u: number): Verdict => (u <= 2 || u === 6 ? 'pass' : 'miss');
    const { probe } = fake({ head, base: capacity(4) });
    const r = await searchCapacity(opts({ sides: ['head', 'base'] }), probe);
    expect(r.sides.head?.bracket).toEqual({ lastPass: 2, firstMiss: 3 });
    expect(nonMonotone(r.sides.head!.obs)).toEqual([{ users: 6, aboveMiss: 3 }]);
  });
});
