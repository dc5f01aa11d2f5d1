// One cell of the fault matrix: a fault, when it strikes, a stage shape and a mode (alone, A/B, the
// server side on), as gate inputs against chaos servers; and the invariants every run must keep
// whatever the server did, as a list of violations (empty: the cell holds).
import { chaosServer, HEALTH_PATH, LISTENER_FAULTS, REQUEST_FAULTS, type ChaosServer, type Step } from './chaos-server.js';
import { FAILURE_CATEGORIES, type Stage, type StageSummary } from '../../src/core/types.js';
import { type Report } from '../../src/core/report-types.js';

/** Server faults, plus two that are in the url: TLS spoken to the plain port, a host that does not resolve. */
export const MATRIX_FAULTS = [...LISTENER_FAULTS, ...REQUEST_FAULTS, 'tls', 'unresolvable'] as const;
export type MatrixFault = (typeof MATRIX_FAULTS)[number];
export const URL_FAULTS: readonly MatrixFault[] = ['tls', 'unresolvable'];
export const WHENS = ['before', 'mid-stage', 'between'] as const;
export type When = (typeof WHENS)[number];
export const SHAPES = ['1x1', '1x3', '10x3', '100x2'] as const;
export const MODES = ['alone', 'ab', 'server'] as const;
export type Mode = (typeof MODES)[number];

export interface Cell {
  fault: MatrixFault;
  when: When;
  shape: string;
  mode: Mode;
}

export const cellName = (c: Cell): string => `${c.fault} ${c.when} at ${c.shape} (${c.mode})`;

/** Short enough to keep the matrix fast; a healthy answer takes ~15 ms. */
export const CELL_TIMEOUT = '500ms';
export const CELL_COOLDOWN = '50ms';

const total = (shape: string): number => shape.split('x').reduce((a, b) => a * Number(b), 1);

/**
 * The plan of a cell: the shape twice (so there is a stage boundary), the fault's schedule on the
 * head server. `warmup` requests reach the head before stage 1 (A/B sends one a side).
 */
export function cellSteps(c: Cell, warmup: number): Step[] {
  if (URL_FAULTS.includes(c.fault)) return [];
  const fault = c.fault as Step['fault'];
  const n = total(c.shape);
  if (c.when === 'before') return [{ fault, after: 0 }];
  // mid-stage: half of stage 2 sent (stage 1 passed the smoke test); between: stage 1 answered in full
  if (c.when === 'mid-stage') return [{ fault, after: warmup + n + Math.floor(n / 2) }];
  return [{ fault, after: warmup + n, on: 'answer' }];
}

export interface CellServers {
  head: ChaosServer;
  /** The compare target (mode ab): healthy. */
  base: ChaosServer | null;
  inputs: Record<string, string>;
  close(): Promise<void>;
}

/** Starts the cell's servers and gives its gate inputs (the names of action.yml and the CLI's flags). */
export async function startCell(c: Cell): Promise<CellServers> {
  const warmup = c.mode === 'ab' ? 1 : 0;
  const head = await chaosServer(cellSteps(c, warmup));
  const base = c.mode === 'ab' ? await chaosServer() : null;
  const url = c.fault === 'tls' ? `https://127.0.0.1:${head.port}/chat` : c.fault === 'unresolvable' ? `http://nonexistent.invalid:${head.port}/chat` : `${head.url}/chat`;
  const inputs: Record<string, string> = {
    url,
    stages: `${c.shape}, ${c.shape}`,
    timeout: CELL_TIMEOUT,
    cooldown: CELL_COOLDOWN,
  };
  if (base) inputs['compare-url'] = `${base.url}/chat`;
  if (c.mode === 'server') {
    inputs['health-url'] = `${head.url}${HEALTH_PATH}`;
    inputs['health-interval'] = '100ms';
    inputs.monitor = 'n: echo 5';
    inputs['monitor-interval'] = '200ms';
    inputs['logs-command'] = 'echo server up';
  }
  return { head, base, inputs, close: async () => void (await Promise.all([head.close(), base?.close()])) };
}

/** issued = succeeded + Σ failures, failed = Σ failures; every planned request issued (no cancel). */
function stageViolations(s: StageSummary, side: string, planned: number, cancelled: boolean): string[] {
  const out: string[] = [];
  const failures = FAILURE_CATEGORIES.reduce((n, k) => n + (s.failures[k] ?? 0), 0);
  const sum = Object.values(s.failures).reduce((a, b) => a + b, 0);
  if (sum !== failures) out.push(`${side} stage ${s.index}: a failure outside the categories (${JSON.stringify(s.failures)})`);
  if (s.issued !== s.succeeded + failures) out.push(`${side} stage ${s.index}: issued ${s.issued} ≠ succeeded ${s.succeeded} + failures ${failures}`);
  if (s.failed !== failures) out.push(`${side} stage ${s.index}: failed ${s.failed} ≠ Σ failures ${failures}`);
  if (!s.skipped && !cancelled && s.issued !== planned) out.push(`${side} stage ${s.index}: issued ${s.issued} of ${planned} planned`);
  if (s.succeeded === 0 && s.rps !== null) out.push(`${side} stage ${s.index}: a throughput (${s.rps}) with no success`);
  return out;
}

/** Every invariant of a report, whatever the server did. */
export function reportViolations(report: Report | null, plan: readonly Stage[]): string[] {
  if (report === null) return ['no report'];
  const out: string[] = [];
  const cancelled = report.cancelled === true;
  // A closed stage sends users × requests; a rate stage every arrival of its schedule it did not drop.
  const planned = (i: number, s: StageSummary): number => {
    const p = plan[i]!;
    return p.kind === 'rate' ? (s.rate ? s.rate.scheduled - s.rate.dropped : s.issued) : p.users * p.requestsPerUser;
  };
  if (report.stages.length !== plan.length) out.push(`${report.stages.length} stages reported, ${plan.length} planned`);
  report.stages.forEach((s, i) => out.push(...stageViolations(s, 'head', planned(i, s), cancelled)));
  const issued = report.stages.reduce((n, s) => n + s.issued, 0);
  if (report.requests.length !== issued) out.push(`head: ${report.requests.length} request records for ${issued} issued`);
  for (const r of report.requests) if (r.ok !== (r.category === null)) out.push(`head: a request both ok and ${r.category}`);
  if (report.compare) {
    const base = report.compare.stages.map((p) => p.base);
    base.forEach((s) => out.push(...stageViolations(s, 'base', planned(s.index - 1, s), cancelled)));
    const baseIssued = base.reduce((n, s) => n + s.issued, 0);
    if (report.compare.requests.length !== baseIssued) out.push(`base: ${report.compare.requests.length} request records for ${baseIssued} issued`);
  }
  if (typeof report.passed !== 'boolean') out.push('no verdict');
  return out;
}

/** What a process (CLI, Action) must not do whatever the server did: crash, warn, print a stack, exit otherwise than 0 or 1. */
export function processViolations(run: { code: number | null; stderr: string; stdout: string }, exits: readonly number[] = [0, 1]): string[] {
  const out: string[] = [];
  if (run.code === null || !exits.includes(run.code)) out.push(`exit ${run.code} (expected ${exits.join(' or ')})`);
  const both = `${run.stdout}\n${run.stderr}`;
  if (/\bWarning\b/.test(run.stderr)) out.push(`a Node warning: ${/.*Warning.*/.exec(run.stderr)![0]}`);
  if (/^\s+at .+\(.*:\d+:\d+\)$/m.test(both) || /AssertionError|Uncaught|unhandled/i.test(both)) out.push(`a crash or stack trace:\n${run.stderr.slice(0, 2000)}`);
  return out;
}
