// Serialized sections shorter than the TTFC, and capacities that do not hold still (issue 24 §2),
// hand-made: a 200 ms synchronous section before 300 ms awaited (a 500 ms TTFC) serves the sections one
// at a time — as a staircase of single first chunks 200 ms apart, or, when the event loop lumps them,
// all but the last together and the last one awaited part later. Never "saturated at about 2".
import { analyzeConcurrency, diagnose } from '../../src/core/analysis/diagnose/index.js';
import type { Diagnosis } from '../../src/core/types.js';
import { at, lumps, waveRun } from '../helpers/waves.js';

const kinds = (ds: Diagnosis[]): string[] => ds.map((d) => `${d.kind}@${d.users}`);
type Wave = { held: string; holdMs: number; stepMs: number | null; from: string; concurrency: number };
const wave = (d: Diagnosis): Wave => d.evidence.firstWave as Wave;

/** u = 500 ms alone; under load the k-th first chunk at 600 + (k − 1) × 200 ms. */
const staircase = (n: number, k: number): number => (n === 1 ? 500 : 600 + (k - 1) * 200);

test('a staircase of single first chunks 200 ms apart, TTFC 500 ms: serialized, a blocking section of ~200 ms', () => {
  const ds = diagnose(waveRun('1x1, 10x1, 20x1', staircase));
  expect(kinds(ds)).toEqual(['serialized@10', 'serialized@20']);
  for (const d of ds) {
    expect(wave(d)).toMatchObject({ held: 'section', holdMs: 200, stepMs: 200, from: 'groups', concurrency: 1 });
    expect(d.message).toContain('A blocking section of ~200 ms per request (of its 500 ms to first chunk) is served one request at a time');
    expect(d.message).not.toMatch(/saturat|pool/);
  }
  expect(ds[0]!.message).toContain('came one after another, about 200 ms apart, from 600 ms to 2.40 s (600 ms + 9 × 200 ms)');
  // One reading, one summary for both stages.
  expect(ds[0]!.summary).toBe(ds[1]!.summary);
  expect(ds[0]!.summary).toBe(
    'a blocking section of ~200 ms per request runs one request at a time (TTFC 3.0–5.0× that of 1 user) — look for a synchronous call (CPU work, a blocking client) before the first chunk',
  );
});

test('the event loop lumps them: 9 together, the last one awaited part (300 ms) later — the same section', () => {
  // n sections back to back (n × 200 ms), the first chunks waiting meanwhile written when the loop is free,
  // the last request's 300 ms awaited after its section.
  const run = waveRun('1x1, 10x1, 20x1', (n, k) => (n === 1 ? 500 : at(lumps([n - 1, n * 200], [1, n * 200 + 300]))(n, k)));
  const ds = diagnose(run);
  expect(kinds(ds)).toEqual(['serialized@10', 'serialized@20']);
  for (const d of ds) expect(wave(d)).toMatchObject({ held: 'section', holdMs: 200, from: 'wave_time', concurrency: 1 });
  expect(ds[0]!.message).toContain(
    'came in groups of 9, 1, the last 2.30 s after the first request reached the server (9 × 200 ms + 500 ms, the TTFC of a request that did not wait)',
  );
  expect(ds[1]!.message).toContain('(19 × 200 ms + 500 ms');
});

test('the other lumps a blocked loop makes (first alone, a straggler, a lump then steps): the same section', () => {
  // Seen on the node server: 1 at 650 ms, 8 at 2.0 s, the last at 2.3 s (its gap under the group split);
  // and 18 together at 4.12 s, one at 4.22 s, the last at 4.42 s (u = 511 ms).
  const firstAlone = diagnose(waveRun('1x1, 10x1', (n, k) => (n === 1 ? 500 : at([650, ...lumps([8, 2000]), 2300])(n, k))));
  expect(wave(firstAlone[0]!)).toMatchObject({ held: 'section', holdMs: 200 });
  const straggler = diagnose(waveRun('1x1, 20x1', (n, k) => (n === 1 ? 511 : at([...lumps([18, 4122]), 4221, 4417])(n, k))));
  expect(kinds(straggler)).toEqual(['serialized@20']);
  expect(wave(straggler[0]!).held).toBe('section');
  expect(wave(straggler[0]!).holdMs).toBeCloseTo((4417 - 511) / 19, 1); // evidence rounds to 0.01 ms
  // A lump of 4, then singles ~200 ms apart; two together, then singles (the first already late).
  const lumpThenSteps = diagnose(waveRun('1x1, 10x1', (n, k) => (n === 1 ? 502 : at([...lumps([4, 1213]), 1408, 1609, 1810, 2016, 2115, 2316])(n, k))));
  expect(wave(lumpThenSteps[0]!)).toMatchObject({ held: 'section', from: 'wave_time' });
  const pairThenSteps = [818, 822, 1022, 1223, 1424, 1637, 1829, 2027, 2229, 2428, 2638, 2834, 3031, 3232, 3438, 3635, 3837, 4041, 4137, 4339];
  const late = diagnose(waveRun('1x1, 20x1', (n, k) => (n === 1 ? 507 : at(pairThenSteps)(n, k))));
  expect(kinds(late)).toEqual(['serialized@20']);
  expect(wave(late[0]!).held).toBe('section');
});

test('a staircase whose step shrinks as the users grow is no section (noisy service times), nor a lump without its trailing request', () => {
  // First chunks spread over 300–1900 ms whatever the users: steps of 178 ms, then 84 ms.
  const spread = waveRun('1x1, 10x1, 20x1', (n, k) => (n === 1 ? 300 : 300 + (1600 * (k - 1)) / (n - 1)));
  expect(analyzeConcurrency(spread).map((a) => a.firstWave!.held)).toEqual(['first_chunk', 'first_chunk']);
  expect(diagnose(spread)).toEqual([]);
  // CPU shared by all: every first chunk together at 4 × the TTFC — no section, a capacity (with CPU named).
  const [d] = diagnose(waveRun('1x1, 8x1', (n) => (n === 1 ? 300 : 1200), 100));
  expect(d).toMatchObject({ kind: 'saturated', evidence: { capacity: 2 } });
});

test('a first request that waited is no section: work the cores share delays even the first', () => {
  // Single first chunks 100 ms apart, but the first only after 900 ms (u = 300): not one request at a time through a section.
  expect(analyzeConcurrency(waveRun('1x1, 10x1', (n, k) => (n === 1 ? 300 : 900 + (k - 1) * 100)))[0]!.firstWave!.held).not.toBe('section');
});

test('capacities that move between stages (3 at 10 users, 4.2 at 20): CPU-bound, not a pool size', () => {
  // u = 200 ms; uneven groups, the waves done by 667 ms (10 × 200 / 667 = 3) and 952 ms (20 × 200 / 952 = 4.2).
  const run = waveRun('1x1, 10x1, 20x1', (n, k) => (n === 1 ? 200 : n === 10 ? at(lumps([2, 250], [5, 450], [3, 667]))(n, k) : at(lumps([3, 400], [9, 700], [8, 952]))(n, k)));
  const ds = diagnose(run);
  expect(kinds(ds)).toEqual(['saturated@10', 'saturated@20']);
  for (const d of ds) {
    expect(d.evidence).toMatchObject({
      cpuBound: true,
      capacityEstimates: [
        { users: 10, concurrency: 3 },
        { users: 20, concurrency: 4.2 },
      ],
    });
    expect(d.message).toContain('the server saturates, but not at a fixed number of requests — about 3 at 10 users, 4 at 20 served at once');
    expect(d.message).toContain("CPU-bound work before the first chunk that the server's cores share");
    expect(d.message).not.toMatch(/saturates at about \d/);
  }
  expect(ds[0]!.summary).toBe(ds[1]!.summary);
  expect(ds[0]!.summary).toMatch(/^CPU-bound: no fixed number of requests served at once \(about 3 at 10 users, 4 at 20; TTFC [\d.]+–[\d.]+× that of 1 user\)/);
});

test('a pool of 3 at every stage (equal groups): a pool size, not CPU-bound', () => {
  const ds = diagnose(waveRun('1x1, 12x1, 24x1', (_n, k) => 200 * Math.ceil(k / 3)));
  expect(kinds(ds)).toEqual(['saturated@12', 'saturated@24']);
  for (const d of ds) {
    expect(d.evidence.cpuBound).toBeUndefined();
    expect(d.message).toContain('saturates at about 3 concurrent requests');
  }
  expect(ds[0]!.summary).toBe(ds[1]!.summary);
  expect(ds[0]!.summary).toMatch(/^about 3 requests served at once up to their first chunk/);
});
