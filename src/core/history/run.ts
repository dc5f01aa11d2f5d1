// The history around one run: read it before the load (never fails the run), give the `history.`
// criteria their reference, then add the drift diagnosis, append this run's entry (when the event
// records) and fill the report's history section. Only this module touches the file.

import { plural } from '../format.js';
import { redactText } from '../redact.js';
import { trendHeadline } from '../report/trend.js';
import type { StageSummary } from '../types.js';
import type { Report } from '../report-types.js';
import { recordingOf, type HistorySpec } from './config.js';
import { driftDiagnoses } from './drift.js';
import { historyReference, type HistoryReference } from './reference.js';
import { entryOf, type HistoryEntry } from './schema.js';
import { TREND_RUNS, type HistorySection } from './section.js';
import { moveAside, readHistory, writeHistory, type HistoryRead } from './store.js';

/** Where this run comes from, as the adapter knows it. */
export interface HistoryContext {
  /** The workflow event (GITHUB_EVENT_NAME); null outside a workflow. */
  event?: string | null;
  ref?: string | null;
  commit?: string | null;
  /** The time a moved-aside file is stamped with (tests). */
  now?: Date;
  /** Values never written to the file (the target's URL is shown without them). */
  secrets?: readonly string[];
}

export interface OpenHistory {
  spec: HistorySpec;
  read: HistoryRead;
  entries: HistoryEntry[];
  record: boolean;
  messages: string[];
  warnings: string[];
}

/**
 * Reads the history and decides whether this run will be appended. Throws only an InputError
 * (history-write: true on a pull request), before any request is sent.
 */
export function openHistory(spec: HistorySpec, ctx: HistoryContext, log: (line: string) => void): OpenHistory {
  const { record, why } = recordingOf(spec, ctx.event ?? null);
  const read = readHistory(spec.absPath);
  const h: OpenHistory = { spec, read, entries: read.kind === 'read' ? read.entries : [], record, messages: [], warnings: [] };
  if (read.kind === 'read') log(`history: ${spec.path}, ${plural(read.entries.length, 'run')} (${plural(read.entries.filter((e) => e.passed).length, 'passing run')})`);
  else if (read.kind === 'missing') log(`history: ${spec.path} does not exist yet${record ? ': this run starts it' : ''}`);
  else {
    const w = `history ${spec.path} ${read.why}: ${record ? 'it is moved aside and a new history starts' : 'read as empty (this run does not write it)'}`;
    h.warnings.push(w);
    log(`history: warning: ${w}`);
  }
  h.messages.push(record ? `recording: ${why}` : `read only: ${why}`);
  log(`history: ${h.messages[0]}`);
  return h;
}

/** The reference of this run's stages; a history that was not read skips every `history.` criterion with its reason. */
export function referenceOf(h: OpenHistory, stages: readonly StageSummary[]): HistoryReference {
  const ref = historyReference(h.entries, stages, h.spec.window);
  if (h.read.kind === 'read') return ref;
  const skip = h.read.kind === 'missing' ? `no history yet (${h.spec.path} does not exist: normal on a first run)` : `the history could not be read (${h.spec.path} ${h.read.why})`;
  return { rows: ref.rows, lookup: () => ({ skip }) };
}

/** A capacity the report measured (the capacity section is newer than this module: read defensively). */
function capacityOf(report: Report): number | null {
  const users = (report as { capacity?: { users?: unknown } | null }).capacity?.users;
  return typeof users === 'number' && Number.isInteger(users) && users >= 0 ? users : null;
}

/**
 * After the verdict: the drift diagnosis (on recording runs), this run's entry appended (not for a
 * cancelled run), and the report's history section. Never throws: a file that cannot be written is a warning.
 */
export function finishHistory(h: OpenHistory, report: Report, reference: HistoryReference, ctx: HistoryContext, log: (line: string) => void): void {
  const entry = entryOf(report.stages, {
    time: report.startedAt,
    commit: ctx.commit ?? report.target.commit ?? null,
    ref: ctx.ref ?? null,
    event: ctx.event ?? 'cli',
    target: redactText(`${report.target.method} ${report.target.url}`, ctx.secrets ?? []),
    passed: report.passed,
    capacity: capacityOf(report),
  });
  let recorded = false;
  if (h.record && report.cancelled) h.messages.push('not recorded: the run was cancelled (its figures are partial)');
  else if (h.record) {
    for (const d of driftDiagnoses([...h.entries, entry])) {
      report.diagnoses.push(d);
      log(`history: drift: ${d.message}`);
    }
    recorded = append(h, entry, ctx.now ?? new Date(), log);
  }
  report.history = section(h, reference, recorded, ctx.event ?? null);
  const headline = trendHeadline(report, { plain: true });
  if (headline) log(`history: ${headline}`);
}

function append(h: OpenHistory, entry: HistoryEntry, now: Date, log: (line: string) => void): boolean {
  const { path, absPath, limit } = h.spec;
  if (h.read.kind === 'unreadable') {
    try {
      const aside = moveAside(absPath, now);
      const w = `history ${path} was moved aside to ${aside} (kept as it was); a new history starts at ${path}`;
      h.warnings.push(w);
      log(`history: warning: ${w}`);
    } catch (err) {
      const w = `history ${path} could not be moved aside (${code(err)}): this run is not recorded, and nothing there was changed`;
      h.warnings.push(w);
      log(`history: warning: ${w}`);
      return false;
    }
  }
  const all = [...h.entries, entry];
  const kept = all.slice(-limit);
  try {
    writeHistory(absPath, kept);
  } catch (err) {
    const w = `history ${path} could not be written (${code(err)}): this run is not recorded; the file is unchanged`;
    h.warnings.push(w);
    log(`history: warning: ${w}`);
    return false;
  }
  const dropped = all.length - kept.length;
  const note = `recorded: ${path} now holds ${plural(kept.length, 'run')}${dropped ? ` (the oldest ${plural(dropped, 'run')} dropped: history-limit ${limit})` : ''}`;
  h.messages.push(note);
  log(`history: ${note}`);
  return true;
}

const code = (err: unknown): string => (err as { code?: string }).code ?? (err as Error).message;

function section(h: OpenHistory, reference: HistoryReference, recorded: boolean, event: string | null): HistorySection {
  return {
    path: h.spec.path,
    status: h.read.kind,
    runs: h.entries.length,
    limit: h.spec.limit,
    window: h.spec.window,
    event,
    recorded,
    messages: h.messages,
    warnings: h.warnings,
    reference: reference.rows,
    trend: {
      metric: 'ttfc.p95',
      points: h.entries.slice(-TREND_RUNS).map((e) => ({
        time: e.time,
        commit: e.commit,
        ref: e.ref,
        event: e.event,
        passed: e.passed,
        values: Object.fromEntries(e.stages.map((s) => [s.key, s.metrics['ttfc.p95'] ?? null])),
      })),
    },
  };
}
