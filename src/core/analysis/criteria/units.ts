// A monitor's unit (bytes, %, a plain number) is known only once it printed its first sample: a
// threshold written in another unit (`monitor.cpu.max < 5GiB` on a % monitor) would compare 50 with
// 5368709120 and pass. Checked as soon as the unit is known (an input error naming the line and
// column, before the load), and again when the criterion is judged. Pure.

import { InputError } from '../../errors.js';
import { monitorOf } from '../../server/metrics.js';
import type { MonitorUnit } from '../../metric-names.js';
import type { Criterion, MetricUnit } from '../../types.js';

const UNIT_WORD: Record<MonitorUnit, string> = { bytes: 'a size', '%': 'a percentage', number: 'a plain number' };

/** Why a threshold's unit does not fit a monitor that measures `measured`, or null when it fits (a bare number fits any). */
function misfit(c: Criterion, measured: MonitorUnit): string | null {
  const t = c.value.kind === 'number' ? c.value.sampleUnit : undefined;
  if (!t || t.unit === null || t.unit === measured) return null;
  return `"${t.text}" is ${UNIT_WORD[t.unit]} but monitor ${monitorOf(c.metric.name) ?? c.metric.name} measures ${UNIT_WORD[measured]}`;
}

/** Throws an InputError (criteria, line and column) for the first threshold whose unit does not fit its monitor's. */
export function checkMonitorUnits(criteria: readonly Criterion[], units: ReadonlyMap<string, { unit: MonitorUnit; sample: string }>): void {
  for (const c of criteria) {
    const name = monitorOf(c.metric.name);
    const measured = name === null ? undefined : units.get(name);
    if (!measured) continue;
    const why = misfit(c, measured.unit);
    if (why && c.value.kind === 'number') {
      throw new InputError('criteria', `line ${c.line}, column ${c.value.sampleUnit!.column}: ${why} (its first sample: ${measured.sample})`);
    }
  }
}

/** At evaluation: why the criterion's threshold does not fit the unit its metric was measured in, or null. */
export function unitMismatch(c: Criterion, unit: MetricUnit): string | null {
  if (monitorOf(c.metric.name) === null) return null;
  const measured: MonitorUnit | null = unit === 'bytes' ? 'bytes' : unit === '%' ? '%' : unit === 'sample' ? 'number' : null;
  return measured === null ? null : misfit(c, measured);
}
