// The comment's size budget: an ordered list of "drop this next" steps, applied in turn until the
// document fits its limit, each saying what it left out. A step either drops a part whole, or keeps
// as many of its rows as fit (the largest count that fits, found by bisection).
import { plural } from '../../format.js';
import type { Report } from '../../report-types.js';
import { diagnosisDetailsMarkdown } from '../diagnoses.js';
import { trendChart } from '../trend.js';
import { chartSection } from './charts.js';
import { missedCount } from './criteria.js';
import type { Shape } from './document.js';
import { samplesSection } from './errors.js';
import { perStageSection } from './per-stage.js';

/** Leaves a part out whole. */
interface Drop {
  kind: 'drop';
  /** Whether the report has this part at all (else the step is skipped). */
  has(report: Report): boolean;
  drop(shape: Shape): void;
  /** What the note says was left out; null: nothing worth a note. */
  note(report: Report): string | null;
}

/** Keeps only as many rows of a part as fit. */
interface Fewer {
  kind: 'fewer';
  /** How many rows there are (0: the step is skipped). */
  count(report: Report): number;
  keep(shape: Shape, n: number): void;
  /** What the note says when `hidden` rows are left out. */
  note(hidden: number): string;
}

/** The order in which parts go: the least important first. */
const DROP_NEXT: ReadonlyArray<Drop | Fewer> = [
  // 1. the errors table
  { kind: 'drop', has: (r) => samplesSection(r) !== '', drop: (s) => void (s.samples = false), note: () => 'the errors table left out' },
  // 2. the per-stage details (figures, intervals, runs, distributions, evidence, capacity probes)
  {
    kind: 'drop',
    has: (r) => perStageSection(r, true) !== '' || diagnosisDetailsMarkdown(r.diagnoses, r.diagnoses.length) !== '' || (r.capacity?.probes.length ?? 0) > 0,
    drop: (s) => void (s.details = false),
    note: (r) => `the per-stage intervals and distributions${r.capacity?.probes.length ? ' and the capacity probes' : ''} left out`,
  },
  // … and all but three baseline notes
  { kind: 'drop', has: (r) => (r.baseline?.messages.length ?? 0) > 3, drop: (s) => void (s.maxNotes = 3), note: () => null },
  // 3. the table of all criteria (the missed ones stay listed on top)
  {
    kind: 'drop',
    has: (r) => r.criteria.length > 0,
    drop: (s) => void (s.criteria = { ...s.criteria, table: false }),
    note: () => 'the table of all criteria left out (the missed ones are listed on top)',
  },
  // 4. missed criteria lines beyond what fits
  {
    kind: 'fewer',
    count: missedCount,
    keep: (s, n) => void (s.criteria = { table: false, maxMissed: n }),
    note: (hidden) => `${plural(hidden, 'missed criterion', 'missed criteria')} not listed (the check's message names them)`,
  },
  // 5. the charts, then diagnoses, then stage rows
  { kind: 'drop', has: (r) => chartSection(r) !== '' || trendChart(r) !== '', drop: (s) => void (s.chart = false), note: () => 'the chart left out' },
  { kind: 'fewer', count: (r) => r.diagnoses.length, keep: (s, n) => void (s.maxDiagnoses = n), note: (hidden) => `${plural(hidden, 'diagnosis', 'diagnoses')} left out` },
  { kind: 'fewer', count: (r) => r.stages.length, keep: (s, n) => void (s.maxStages = n), note: (hidden) => `${plural(hidden, 'stage row', 'stage rows')} left out` },
];

/** The largest n in [lo, hi] for which fits(n) holds (fits is monotone), or lo - 1 when none does. */
function largest(lo: number, hi: number, fits: (n: number) => boolean): number {
  let best = lo - 1;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/**
 * Renders with `shape`, then applies the steps of DROP_NEXT in turn until the document fits `limit`;
 * `notes` collects what was left out (render shows them). As a last resort (a huge URL or tag cannot
 * get there: both are truncated) the document is cut at a line break.
 */
export function fitToLimit(report: Report, limit: number, shape: Shape, render: (shape: Shape, notes: string[]) => string): string {
  const notes: string[] = [];
  let out = render(shape, notes);
  for (const step of DROP_NEXT) {
    if (out.length <= limit) return out;
    if (step.kind === 'drop') {
      if (!step.has(report)) continue;
      step.drop(shape);
      const note = step.note(report);
      if (note !== null) notes.push(note);
      out = render(shape, notes);
    } else {
      const total = step.count(report);
      if (total === 0) continue;
      const i = notes.push('') - 1;
      const withRows = (n: number): string => {
        step.keep(shape, n);
        notes[i] = n < total ? step.note(total - n) : '';
        return render(shape, notes);
      };
      out = withRows(
        Math.max(
          0,
          largest(0, total, (n) => withRows(n).length <= limit),
        ),
      );
    }
  }
  if (out.length <= limit) return out;
  const tail = '\n\n_… cut to fit the limit._\n';
  const cut = out.slice(0, Math.max(0, limit - tail.length));
  const nl = cut.lastIndexOf('\n');
  return `${nl > 0 ? cut.slice(0, nl) : cut}${tail}`;
}
