// The drift diagnosis: a slow, steady rise of TTFC p95 over the latest runs is named even when every
// run passed; noise, a short history, a small rise or a fall are not.
import { DRIFT, driftDiagnoses } from '../../src/core/history/drift.js';
import { entry, nights } from '../helpers/history.js';

/** 5% a night: the trap a one-night baseline with a 20% threshold never catches. */
const creeping = Array.from({ length: 14 }, (_, i) => Math.round(280 * 1.05 ** i));

test('a 5%-a-night creep over 14 passing nights is a drift diagnosis, sized by the Theil–Sen line', () => {
  const [d, ...rest] = driftDiagnoses(nights('20', creeping));
  expect(rest).toEqual([]);
  expect(d).toMatchObject({ kind: 'drift', users: 20, evidence: { metric: 'ttfc.p95', key: '20', runs: 14, s: 91 } });
  expect(d!.message).toMatch(
    /^at 20 users: TTFC p95 has crept up over the last 14 runs — 2\d\d ms → 5\d\d ms on the trend line \(\+\d+%, Mann–Kendall p < 0\.001\), though every one of them passed$/,
  );
  expect(d!.evidence.rise as number).toBeGreaterThan(0.8);
});

test('only the latest 14 runs count: an old rise followed by a flat fortnight is no drift', () => {
  const flat = [300, 305, 298, 302, 301, 299, 303, 300, 304, 297, 302, 300, 301, 299];
  expect(driftDiagnoses(nights('20', [...creeping, ...flat]))).toEqual([]);
});

test('noise, a fall, a rise under 10% end to end, fewer than 8 runs: nothing', () => {
  expect(driftDiagnoses(nights('20', [300, 340, 290, 320, 310, 280, 335, 300, 315, 290, 325, 305, 295, 330]))).toEqual([]);
  expect(driftDiagnoses(nights('20', [...creeping].reverse()))).toEqual([]);
  // Significant (p < 0.05) but only +6.5% on the line.
  const small = Array.from({ length: 14 }, (_, i) => 300 + i * 1.5);
  expect(driftDiagnoses(nights('20', small))).toEqual([]);
  expect(driftDiagnoses(nights('20', creeping.slice(0, DRIFT.minRuns - 1)))).toEqual([]);
  expect(driftDiagnoses(nights('20', creeping.slice(0, DRIFT.minRuns)))).toHaveLength(1);
});

test('per stage key, over the runs that have it; a failed night still counts as a figure', () => {
  const entries = creeping.map((v, i) => entry({ 1: 100 + (i % 3), 20: v }, { passed: i !== 5 }, i + 1));
  const ds = driftDiagnoses(entries);
  expect(ds.map((d) => d.evidence.key)).toEqual(['20']);
  expect(ds[0]!.message).not.toMatch(/every one of them passed/);
  // A stage this run does not have is not tested.
  expect(driftDiagnoses([...entries.slice(0, -1), entry({ 1: 100 }, {}, 30)])).toEqual([]);
});
