// The small pieces every section of the markdown report shares: the missing-value mark, unbreakable
// spaces, a stage's load cell, a collapsed section, a list of stages.
import { formatRate, stageKey, stageLoad, stageOf } from '../../config/stages.js';
import type { StageSummary } from '../../types.js';
import type { Report } from '../../report-types.js';

/** An empty cell. */
export const MISSING = '—';

/** U+00A0: a number and its unit never wrap apart in a narrow table. */
export const NBSP = '\u00A0';

export const nb = (text: string): string => text.replace(/ /g, NBSP);

/** Inconclusive: a red question mark, visible on light and dark themes (❔ is white and vanishes on light). */
export const INCONCLUSIVE_MARK = '❓';

/** The first cell of a stage row: `10 × 3`, `2/s for 30s`, with the stage number when two stages have the same load. */
export function loadCell(report: Report, s: StageSummary): string {
  const twin = report.stages.filter((o) => stageKey(o) === stageKey(s)).length > 1;
  return nb(`${stageLoad(stageOf(s))}${twin ? ` (#${s.index})` : ''}`);
}

/** The first column's header: users × requests, or the load when rate stages are in the plan. */
export const loadHead = (report: Report): string => (report.stages.some((s) => s.rate) ? 'Load' : 'Users × requests');

/** A collapsed section: `<details>` with a one-line summary (escaped by the caller). */
export function collapsed(summary: string, body: string): string {
  return `<details>\n<summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

/** `10, 20 users and 2/s, 4/s` (or '' when neither list has one). */
export function stageList(users: readonly number[], rates: readonly number[] | undefined): string {
  const parts = [users.length ? `${users.join(', ')} users` : '', rates?.length ? rates.map((r) => `${formatRate(r)}/s`).join(', ') : ''].filter(Boolean);
  return parts.join(' and ');
}
