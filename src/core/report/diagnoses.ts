// The diagnoses as people read them: one bullet per kind and reading, naming the stages it holds for
// ("serialized at 10 and 20 users: …") in at most about two lines on the first screen; each stage's full
// message and its evidence in words in the collapsed details. The JSON report keeps one entry per stage.
// Pure.

import { plural } from '../format.js';
import type { Diagnosis } from '../types.js';
import { evidenceRows, type Row } from './diagnosis-evidence.js';
import { escapeInline, mdTable } from './escape.js';

/** About two lines of a comment: the text after "**kind** at … users: " on the first screen. */
export const HEADLINE_MAX = 220;
/** Longest full message in the details (characters, before escaping). */
const MESSAGE_MAX = 1500;
/** Stages named one by one up to this many; beyond, their range. */
const MAX_LISTED_STAGES = 6;
/** Stage columns of one evidence table (a comment's table stays narrow); more stages, more tables. */
const MAX_STAGE_COLUMNS = 4;
/** A number and its unit never wrap apart in a narrow cell. */
const joinUnits = (text: string): string => text.replace(/(\d) (ms|s|KB|bytes|%|×)(?=$|[\s,;)\\])/g, '$1\u00A0$2');

/** Diagnoses of one kind that read the same (one summary, or one kind without a summary). */
export interface DiagnosisGroup {
  kind: Diagnosis['kind'];
  items: Diagnosis[];
  /** The first-screen text: the shared summary, or the message shortened. */
  headline: string;
}

/** Groups by kind and summary, in order of first appearance. */
export function groupDiagnoses(ds: readonly Diagnosis[]): DiagnosisGroup[] {
  const groups = new Map<string, Diagnosis[]>();
  for (const d of ds) {
    const key = `${d.kind}\u0000${d.summary ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  return [...groups.values()].map((items) => ({ kind: items[0]!.kind, items, headline: headline(items) }));
}

/** "at 10 and 20 users", "at 1 user", "at 8 stages (1–400 users)", "" for a run-wide diagnosis. */
export function stagesText(items: readonly Diagnosis[]): string {
  const us = [...new Set(items.map((d) => d.users).filter((u): u is number => u !== null))].sort((a, b) => a - b);
  if (us.length === 0) return '';
  if (us.length === 1) return `at ${plural(us[0]!, 'user')}`;
  if (us.length > MAX_LISTED_STAGES) return `at ${us.length} stages (${us[0]}–${us[us.length - 1]} users)`;
  return `at ${us.slice(0, -1).join(', ')} and ${us[us.length - 1]} users`;
}

/** A message without its leading "at 10 users: " (the bullet names the stages). */
const stripStage = (m: string): string => m.replace(/^at \d+ users?:?\s+/, '');

/** Cut at the last clause end (". ", "; ", ": ", " — ") that keeps at least half, else at a word; "…" when cut. */
export function shorten(text: string, max = HEADLINE_MAX): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  const head = points.slice(0, max - 1).join('');
  let cut = -1;
  for (const sep of ['. ', '; ', ': ', ' — ']) cut = Math.max(cut, head.lastIndexOf(sep));
  if (cut < max / 2) cut = head.lastIndexOf(' ');
  return `${(cut > 0 ? head.slice(0, cut) : head).replace(/[\s,;:—(]+$/, '')} …`;
}

function headline(items: readonly Diagnosis[]): string {
  const first = items[0]!;
  if (first.summary !== undefined) return shorten(first.summary);
  if (items.length === 1) return shorten(stripStage(first.message));
  // Several stages with their own figures: the reading, the figures of each in the details.
  const text = stripStage(first.message);
  const clause = text.split(/ — |; |: /)[0]!;
  return `${shorten(clause, HEADLINE_MAX - 30)} (each stage's figures in the details)`;
}

const label = (g: DiagnosisGroup): string => {
  const where = stagesText(g.items);
  return `**${escapeInline(g.kind, 40)}**${where ? ` ${where}` : ''}`;
};

/** The first-screen section: one bullet per group. `max` caps the diagnoses considered (the comment's size budget). */
export function diagnosesMarkdown(ds: readonly Diagnosis[], max = ds.length): string {
  if (!ds.length) return '';
  const shown = ds.slice(0, max);
  const lines = groupDiagnoses(shown).map((g) => `- ${label(g)}: ${escapeInline(g.headline, HEADLINE_MAX + 20)}`);
  if (ds.length > shown.length) lines.push(`- _… ${plural(ds.length - shown.length, 'more diagnosis', 'more diagnoses')} not shown._`);
  return `### Diagnoses\n\n${lines.join('\n')}`;
}

/** One table for a group: the stages as columns when they share their rows' labels, else one table each. */
function evidenceTables(g: DiagnosisGroup): string[] {
  const rows = g.items.map((d) => evidenceRows(d));
  if (rows.every((r) => r.length === 0)) return [];
  const labels = rows[0]!.map(([l]) => l).join('\u0000');
  const sameLabels = g.items.length > 1 && rows.every((r) => r.map(([l]) => l).join('\u0000') === labels);
  const cell = (v: string): string => joinUnits(escapeInline(v, 300));
  if (sameLabels) {
    const tables: string[] = [];
    for (let k = 0; k < g.items.length; k += MAX_STAGE_COLUMNS) {
      const items = g.items.slice(k, k + MAX_STAGE_COLUMNS);
      const cols = rows.slice(k, k + MAX_STAGE_COLUMNS);
      const head = ['', ...items.map((d) => (d.users === null ? 'run' : plural(d.users, 'user')))];
      const body = cols[0]!.map(([l], i) => [cell(l), ...cols.map((r) => cell(r[i]![1]))]);
      tables.push(
        mdTable(
          head,
          head.map(() => 'l'),
          body,
        ),
      );
    }
    return tables;
  }
  return rows
    .filter((r) => r.length)
    .map((r) =>
      mdTable(
        ['', 'Evidence'],
        ['l', 'l'],
        r.map(([l, v]: Row) => [cell(l), cell(v)]),
      ),
    );
}

/** The collapsed details: per group, each stage's full message and the evidence in words. */
export function diagnosisDetailsMarkdown(ds: readonly Diagnosis[], max = ds.length): string {
  const shown = ds.slice(0, max);
  if (!shown.length) return '';
  const parts: string[] = [];
  for (const g of groupDiagnoses(shown)) {
    const messages = g.items.map((d) => {
      const where = d.users === null ? '' : `${plural(d.users, 'user')}: `;
      return `- ${where}${escapeInline(stripStage(d.message), MESSAGE_MAX)}`;
    });
    parts.push([label(g), messages.join('\n'), ...evidenceTables(g)].join('\n\n'));
  }
  return `<details>\n<summary>Diagnosis details</summary>\n\n${parts.join('\n\n')}\n\n</details>`;
}

/** The terminal's lines: a headline per group, then each stage's message and its evidence, indented. */
export function diagnosesTerminal(ds: readonly Diagnosis[]): string[] {
  const out: string[] = [];
  for (const g of groupDiagnoses(ds)) {
    const where = stagesText(g.items);
    out.push(`diagnosis ${g.kind}${where ? ` ${where}` : ''}: ${g.headline}`);
    for (const d of g.items) {
      out.push(`  ${d.users === null ? '' : `${plural(d.users, 'user')}: `}${stripStage(d.message)}`);
      for (const [l, v] of evidenceRows(d)) out.push(`    ${l}: ${v}`);
    }
  }
  return out;
}
