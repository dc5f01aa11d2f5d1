// How the run is judged, from its inputs: criteria (with the server side's defaults), goodput, the
// verdict mode and the baseline comparison.
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { parseRegressionThreshold } from '../analysis/baseline.js';
import { VERDICT_MODES, type VerdictMode } from '../analysis/confidence.js';
import { parseCriteria, parseCriteriaInput, DEFAULT_CRITERIA } from '../analysis/criteria/index.js';
import { parseGoodput } from '../analysis/goodput.js';
import { InputError } from '../errors.js';
import { checkServerCriteria } from '../server/config.js';
import { defaultServerCriteria } from '../server/metrics.js';
import type { ServerSpec } from '../server/types.js';
import type { Criterion } from '../types.js';
import { parseBoolean, value, type Inputs } from './read-input.js';

/** Criteria, verdict mode and the baseline comparison. */
export function readJudging(inputs: Inputs, cwd: string) {
  const criteriaText = value(inputs, 'criteria') ?? DEFAULT_CRITERIA;
  const criteria = parseCriteriaInput('criteria', criteriaText);
  if (criteria.length === 0) throw new InputError('criteria', 'holds no criterion (leave it unset for the defaults)');
  const goodputText = value(inputs, 'goodput');
  const goodput = goodputText === undefined ? null : parseGoodput(goodputText);
  const needsGoodput = criteria.find((c) => /^goodput/.test(c.metric.name) || (c.value.kind === 'factor' && /^goodput/.test(c.value.metric.name)));
  if (needsGoodput && goodput === null)
    throw new InputError('criteria', `line ${needsGoodput.line}: "${needsGoodput.text}" needs the goodput input (its SLO lines, e.g. "ttft < 1s")`);

  const verdictText = (value(inputs, 'verdict') ?? 'strict').trim().toLowerCase();
  if (!(VERDICT_MODES as readonly string[]).includes(verdictText)) {
    throw new InputError('verdict', `"${verdictText}" is not one of ${VERDICT_MODES.join(', ')}`);
  }
  const baseline = value(inputs, 'baseline')?.trim() ?? null;
  return {
    criteriaText,
    criteria,
    goodput,
    failOnCriteria: parseBoolean('fail-on-criteria', value(inputs, 'fail-on-criteria'), true),
    verdict: verdictText as VerdictMode,
    baseline,
    baselinePath: baseline === null ? null : isAbsolute(baseline) ? baseline : resolvePath(cwd, baseline),
    regressionThreshold: parseRegressionThreshold(value(inputs, 'regression-threshold')),
  };
}

/**
 * With the server side on and the criteria left to their defaults, the defaults also gate what it
 * measures (health.max < 2s, health.errors == 0, log_errors == 0). A criterion on a server metric
 * needs its source (health-url, logs-command, the monitor).
 */
export function addServerCriteria(inputs: Inputs, judge: { criteriaText: string; criteria: Criterion[] }, server: ServerSpec | null): void {
  if (server && isDefaultCriteria(value(inputs, 'criteria'))) {
    const extra = defaultServerCriteria({ health: server.health !== null, logs: server.logs !== null });
    if (extra.length) {
      judge.criteriaText = [DEFAULT_CRITERIA.trimEnd(), ...extra].join('\n');
      judge.criteria = parseCriteria(judge.criteriaText);
    }
  }
  checkServerCriteria(judge.criteria, server);
}

/**
 * Criteria left at the default: unset (the CLI), or the built-in set as given (the Action always
 * passes action.yml's default text). One rule for both adapters; whitespace and blank lines aside.
 */
function isDefaultCriteria(text: string | undefined): boolean {
  const lines = (t: string): string =>
    t
      .split(/\r?\n/)
      .map((l) => l.trim().replace(/\s+/g, ' '))
      .filter(Boolean)
      .join('\n');
  return text === undefined || lines(text) === lines(DEFAULT_CRITERIA);
}
