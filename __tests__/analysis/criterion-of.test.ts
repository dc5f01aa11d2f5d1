// A result keeps its parsed metric and operator for the reports, without adding to the JSON report.
import { criterionOf, evaluateCriteria, parseCriteria } from '../../src/core/analysis/criteria/index.js';
import { summarizeStage } from '../../src/core/analysis/stats.js';
import type { CriterionResult } from '../../src/core/types.js';
import { record } from '../helpers/records.js';

const rec = record({ ttfb: 5, ttft: 120, total: 300, stall: 40, events: 3, bytes: 30 });

test('evaluated results carry metric and operator in memory; JSON stays as it was', () => {
  const stage = summarizeStage(1, { users: 10, requestsPerUser: 1 }, [rec], 1000);
  const [r] = evaluateCriteria(parseCriteria('@10: ttfc.p95 <= 1.2 * baseline.ttfc.p95 warn'), [stage], { baseline: [stage] });
  expect(r!.metric).toBe('ttfc.p95');
  expect(r!.op).toBe('<=');
  expect(criterionOf(r!)).toEqual({ metric: 'ttfc.p95', op: '<=' });
  const json = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
  expect(Object.keys(json).sort()).toEqual(['actual', 'severity', 'stage', 'status', 'text', 'threshold', 'unit', 'users']);
});

test('a result without them (read back from a JSON report) is parsed by the criteria parser', () => {
  const r: CriterionResult = { text: '@5: success_rate >= 99%', users: 5, severity: 'fail', status: 'fail', actual: 90, threshold: 99, unit: '%' };
  expect(criterionOf(r)).toEqual({ metric: 'success_rate', op: '>=' });
  expect(criterionOf({ ...r, text: 'not a criterion' })).toBeNull();
});
