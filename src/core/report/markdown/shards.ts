// A merged run's shards: what each contributed and how far apart the stages started.
import type { Report } from '../../report-types.js';
import { escapeInline, mdTable } from '../escape.js';

const MAX_SHARD_ROWS = 20;

/** A merged run: what each shard contributed, and how far after the first shard it started each stage. */
export function shardsSection(report: Report): string {
  const m = report.merge;
  if (!m) return '';
  const rows = m.shards
    .slice(0, MAX_SHARD_ROWS)
    .map((s) => [
      `${s.index}/${s.count}`,
      escapeInline(s.host, 60),
      s.stages.map((t) => String(t.users)).join(' · '),
      String(s.stages.reduce((n, t) => n + t.requests, 0)),
      s.stages.map((t) => (t.offsetMs === null || t.offsetMs === undefined ? '–' : `+${Math.round(t.offsetMs)}`)).join(' · '),
    ]);
  const more = m.shards.length > rows.length ? `\n\n_… ${m.shards.length - rows.length} more shards in the JSON report._` : '';
  const flagged = m.startSpread.filter((x) => x.flagged);
  const note = flagged.length
    ? `⚠️ Stage starts more than ${m.boundMs} ms apart: ${flagged.map((x) => `stage ${x.index} (${Math.round(x.ms)} ms)`).join(', ')}.`
    : `Every stage started within ${m.boundMs} ms on every shard.`;
  return `### Shards\n\n${mdTable(['Shard', 'Host', 'Users per stage', 'Requests', 'Start offset per stage (ms)'], ['l', 'l', 'l', 'r', 'l'], rows)}${more}\n\n_${note}_`;
}
