// Messages whose numbers add up (issue 24 §3): every sum a serialized / saturated message states is
// recomputed here from the message and checked against its evidence — "N requests of X each take Y one
// at a time" (Y = N × X), "so about C ran at a time" (C = Y / the time the wave took), "from A to B
// (A + k × S)" and "(k × S + U, …)" after "the last T after". Over every shape of first wave the
// diagnoses read: groups, one at a time, lumps, sections, saturation, more than one at a time.
import { diagnose } from '../../src/core/analysis/diagnose/index.js';
import type { Diagnosis } from '../../src/core/types.js';
import { at, lumps, waveRun } from '../helpers/waves.js';

/** "158 ms" → 158, "1.27 s" → 1270, "4.1 ms" → 4.1. */
function msOf(text: string): number {
  const m = /^([\d.]+) (ms|s)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

/** How far a displayed duration may be from the value it rounds (ms: to 1 ms, or 0.1 ms below 10; s: to 10 ms). */
const slack = (text: string): number => (text.endsWith(' s') ? 5 : msOf(text) < 10 ? 0.05 : 0.5);

const D = '([\\d.]+ m?s)';
interface Wave {
  requests: number;
  holdMs: number;
  singleMs: number;
  tookMs: number;
  lastMs: number;
  firstChunkMs: [number, number];
  concurrency: number;
}

/** Every arithmetic claim of a message, recomputed; returns how many were checked. */
function checkClaims(d: Diagnosis): number {
  const w = d.evidence.firstWave as Wave | null;
  const m = d.message;
  let checked = 0;
  for (const c of m.matchAll(new RegExp(`(\\d+) requests of ${D} each(?: \\([^)]*\\))? take ${D} one at a time`, 'g'))) {
    const [n, x, y] = [Number(c[1]), c[2]!, c[3]!];
    expect(Math.abs(n * msOf(x) - msOf(y))).toBeLessThanOrEqual(n * slack(x) + slack(y));
    expect(n).toBe(w!.requests);
    expect(Math.abs(msOf(x) - w!.holdMs)).toBeLessThanOrEqual(slack(x));
    const c2 = new RegExp(`take ${D} one at a time, so about ([\\d.]+) ran at a time`).exec(m);
    if (c2) expect(Math.abs(Number(c2[2]) - (n * w!.holdMs) / w!.tookMs)).toBeLessThanOrEqual(0.51);
    if (/and the wave took longer still/.test(m)) expect(n * w!.holdMs).toBeLessThan(w!.tookMs);
    checked++;
  }
  for (const c of m.matchAll(new RegExp(`from ${D} to ${D} \\(${D} \\+ (\\d+) × ${D}\\)`, 'g'))) {
    const [a, b, a2, k, s] = [c[1]!, c[2]!, c[3]!, Number(c[4]), c[5]!];
    expect(a2).toBe(a);
    expect(Math.abs(msOf(a) + k * msOf(s) - msOf(b))).toBeLessThanOrEqual(slack(a) + k * slack(s) + slack(b));
    expect(k).toBe(w!.requests - 1);
    checked++;
  }
  for (const c of m.matchAll(new RegExp(`the last ${D} after the first request reached the server \\((\\d+) × ${D} \\+ ${D},`, 'g'))) {
    const [t, k, s, u] = [c[1]!, Number(c[2]), c[3]!, c[4]!];
    expect(Math.abs(k * msOf(s) + msOf(u) - msOf(t))).toBeLessThanOrEqual(k * slack(s) + slack(u) + slack(t));
    expect(Math.abs(msOf(t) - w!.tookMs)).toBeLessThanOrEqual(slack(t));
    expect(Math.abs(msOf(u) - w!.singleMs)).toBeLessThanOrEqual(slack(u));
    checked++;
  }
  // No claim of the old kind ("the time N requests … take when served …") is left.
  expect(m).not.toMatch(/the time \d+ requests/);
  return checked;
}

const RUNS = {
  // The case: 20 requests of 254 ms, the last first chunk after 8.58 s — longer than one at a time.
  slowerThanOneAtATime: waveRun('1x1, 20x1', (n, k) => (n === 1 ? 254 : at(lumps([1, 400], [19, 8580]))(n, k)), 500),
  lumpsOneAtATime: waveRun('1x1, 8x1', (n, k) => (n === 1 ? 158 : k <= 2 ? 350 : 1270), 500),
  allTogether: waveRun('1x1, 8x1', (n) => (n === 1 ? 150 : 1220), 300),
  oneOrTwo: waveRun('1x1, 8x1', (n, k) => (n === 1 ? 200 : k <= 4 ? 600 : 1200), 20),
  cpuShared: waveRun('1x1, 8x1', (n) => (n === 1 ? 300 : 1200), 100),
  saturatedUneven: waveRun('1x1, 10x1', (n, k) => (n === 1 ? 200 : at(lumps([2, 250], [5, 450], [3, 667]))(n, k))),
  staircase: waveRun('1x1, 10x1, 20x1', (n, k) => (n === 1 ? 200 : 200 * k)),
  section: waveRun('1x1, 10x1, 20x1', (n, k) => (n === 1 ? 500 : 613 + (k - 1) * 197)),
  loopSection: waveRun('1x1, 10x1, 20x1', (n, k) => (n === 1 ? 519 : at(lumps([n - 1, n * 206], [1, n * 206 + 313]))(n, k))),
  pool: waveRun('1x1, 12x1, 24x1', (_n, k) => 200 * Math.ceil(k / 3)),
};

test.each(Object.entries(RUNS))('%s: every sum in the messages adds up and matches the evidence', (_name, run) => {
  const ds = diagnose(run).filter((d) => d.kind === 'serialized' || d.kind === 'saturated');
  expect(ds.length).toBeGreaterThan(0);
  for (const d of ds) checkClaims(d);
});

test('the claims are there to check: the wave-time, section and lump messages each state their sum', () => {
  const count = (run: (typeof RUNS)[keyof typeof RUNS]): number => diagnose(run).reduce((n, d) => n + checkClaims(d), 0);
  expect(count(RUNS.slowerThanOneAtATime)).toBe(1);
  expect(count(RUNS.lumpsOneAtATime)).toBe(1);
  expect(count(RUNS.saturatedUneven)).toBe(1);
  expect(count(RUNS.section)).toBe(2);
  expect(count(RUNS.loopSection)).toBe(2);
});

test("the issue's numbers: 20 × 254 ms is 5.08 s, and the wave took longer still", () => {
  const [d] = diagnose(RUNS.slowerThanOneAtATime);
  expect(d!.kind).toBe('serialized');
  expect(d!.message).toContain('the last after 8.58 s: 20 requests of 254 ms each (the single-request TTFC) take 5.08 s one at a time, and the wave took longer still');
});

test('a message that lied would be caught: the checker is not vacuous', () => {
  const [d] = diagnose(RUNS.lumpsOneAtATime);
  const lie = { ...d!, message: d!.message.replace(/take [\d.]+ m?s one at a time/, 'take 8.58 s one at a time') };
  expect(() => checkClaims(lie)).toThrow();
});
