// The rate stages' own figures in both human reports: offered and achieved rate, sent and dropped
// arrivals, peak in flight, the client's lateness (scheduled arrival → request sent). Pure.

import { LATE_P99_MS } from '../analysis/diagnose/queue.js';
import { formatRate } from '../config/stages.js';
import { ms } from '../format.js';
import { mdTable } from './escape.js';
import type { StageSummary } from '../types.js';
import type { Report } from '../report-types.js';

const NBSP = '\u00A0';
const nb = (text: string): string => text.replace(/ /g, NBSP);

const HEAD = ['Stage', 'Offered', 'Achieved', 'Sent / scheduled', 'Dropped', 'Peak in flight', 'Lateness p50 / p99'];

function cells(s: StageSummary, mark: (late: boolean) => string): string[] {
  const r = s.rate!;
  const late = r.lateness.p99 !== null && r.lateness.p99 > LATE_P99_MS;
  return [
    String(s.index),
    `${formatRate(r.offered)}/s`,
    `${r.achieved.toFixed(2)}/s`,
    `${s.issued}/${r.scheduled}`,
    String(r.dropped),
    `${r.peakInFlight} of ${r.maxInFlight}`,
    `${ms(r.lateness.p50)} / ${ms(r.lateness.p99)}${mark(late)}`,
  ];
}

const ranRates = (report: Report): StageSummary[] => report.stages.filter((s) => s.rate && !s.skipped);

function legend(s: StageSummary): string {
  const r = s.rate!;
  return (
    `${r.arrival === 'poisson' ? 'Poisson' : 'Uniform'} arrivals, seed ${r.seed}: each a new request on an idle connection; TTFC counts from the scheduled arrival, so a queue at the server shows. ` +
    `Dropped: arrivals beyond max-in-flight, not sent. Lateness: scheduled arrival → request sent; above ${LATE_P99_MS} ms at p99 the client, not the server, held the rate back.`
  );
}

/** A collapsed markdown section of the rate stages; '' without any that ran. */
export function arrivalsMarkdown(report: Report): string {
  const ran = ranRates(report);
  if (!ran.length) return '';
  const rows = ran.map((s) => cells(s, (late) => (late ? `${NBSP}⚠️` : '')).map(nb));
  const summary = `Arrivals: ${ran.map((s) => `${formatRate(s.rate!.offered)}/s`).join(', ')}`;
  const table = mdTable(
    HEAD,
    HEAD.map(() => 'r'),
    rows,
  );
  return `<details>\n<summary>${summary}</summary>\n\n${table}\n\n${legend(ran[0]!)}\n\n</details>`;
}

/** The same as a plain-text table for the terminal: head and rows ([] without rate stages). */
export function arrivalsTable(report: Report): { head: string[]; rows: string[][]; legend: string } | null {
  const ran = ranRates(report);
  if (!ran.length) return null;
  return { head: HEAD.map((h) => h.toLowerCase()), rows: ran.map((s) => cells(s, (late) => (late ? ' !' : ''))), legend: legend(ran[0]!) };
}
