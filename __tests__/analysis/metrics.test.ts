// The metrics table: one entry says everything criteria, intervals, the baseline and the reports need.
import { expectedMetrics, latencySamples, metric, metricUnit, metricValue } from '../../src/core/analysis/metrics.js';
import { LATENCY_METRICS, OPTIONAL_LATENCIES, STAT_NAMES } from '../../src/core/metric-names.js';
import { summarizeStage } from '../../src/core/analysis/stats.js';
import { computeStats } from '../../src/core/sample-stats.js';
import type { RequestRecord } from '../../src/core/types.js';
import { record } from '../helpers/records.js';
import { mulberry32 } from '../../src/core/random.js';

function rec(over: Partial<RequestRecord>): RequestRecord {
  return record({ ttfb: 5, ttft: 120, total: 300, stall: 40, events: 3, bytes: 30, gaps: [10, 40], ...over });
}

test('every latency × statistic is a metric in ms; only avg and the percentiles have an interval', () => {
  for (const base of LATENCY_METRICS) {
    for (const stat of STAT_NAMES) {
      const m = metric(`${base}.${stat}`);
      expect(m).toMatchObject({ name: `${base}.${stat}`, unit: 'ms' });
      const hasInterval = ['avg', 'p50', 'p90', 'p95', 'p99'].includes(stat);
      expect(m!.interval).toEqual(hasInterval ? { metric: base, stat } : undefined);
    }
  }
  expect(metric('ttfc.p75')).toBeNull();
  expect(metric('ttfc')).toBeNull();
  expect(metric('baseline.ttfc.p95')).toBeNull();
});

test('scalar metrics: unit, value on a stage, the stage-table cell that shows them', () => {
  const records = [rec({}), rec({ ok: false, category: 'http_5xx', status: 502 }), rec({ ok: false, category: 'timeout', status: null })];
  const stage = summarizeStage(1, { users: 1, requestsPerUser: 3 }, records, 1000);
  expect(metricValue(stage, 'success_rate')).toBeCloseTo(100 / 3);
  expect(metricValue(stage, 'errors')).toBe(2);
  expect(metricValue(stage, 'errors_5xx')).toBe(1);
  expect(metricValue(stage, 'timeouts')).toBe(1);
  expect(metricValue(stage, 'rps')).toBe(3);
  expect(metricValue(stage, 'ttfc.avg')).toBe(100);
  expect(metricValue(stage, 'itl.max')).toBe(40);
  expect(metricValue(stage, 'nope')).toBeNull();
  expect(['success_rate', 'errors', 'errors_5xx', 'timeouts'].map((n) => metric(n)!.cell)).toEqual(['success', 'success', 'success', 'success']);
  expect(metric('rps')!.cell).toBeUndefined();
  expect(metricUnit('success_rate')).toBe('%');
  expect(metricUnit('rps')).toBe('rps');
});

test('a latency with no sample reads as null, not 0', () => {
  const stage = summarizeStage(1, { users: 1, requestsPerUser: 1 }, [rec({ ttft: null })], 1000);
  expect(metricValue(stage, 'ttft.avg')).toBeNull();
  expect(metricValue(stage, 'ttfc.avg')).toBe(100);
});

test('latency samples: one a request, itl pools every gap; stage stats are computed from them', () => {
  const rs = [rec({ ttfc: 100, gaps: [1, 2] }), rec({ ttfc: null, gaps: [] }), rec({ ttfc: 300, gaps: [3] })];
  expect(latencySamples(rs, 'ttfc')).toEqual([100, 300]);
  expect(latencySamples(rs, 'itl')).toEqual([1, 2, 3]);
  const stage = summarizeStage(1, { users: 1, requestsPerUser: 3 }, rs, 1000);
  for (const m of LATENCY_METRICS) {
    // tpot and ttft_reasoning only when measured (usage, reasoning): none here.
    if ((OPTIONAL_LATENCIES as readonly string[]).includes(m)) expect(stage[m]).toBeUndefined();
    else expect(stage[m]).toEqual(computeStats(latencySamples(rs, m)));
  }
});

test('the list of metrics in errors names every family', () => {
  expect(expectedMetrics()).toBe(
    'success_rate, errors, errors_5xx, timeouts, rps, capacity, goodput, goodput_rate, tokens_per_sec, dropped, achieved_rate, log_errors or ttfc|ttft|ttfb|total|itl|connect|stall|tpot|ttft_reasoning.min|avg|p50|p90|p95|p99|max|stddev or output_tokens.min|avg|p50|p90|p95|p99|max|stddev or tokens_per_sec.min|avg|p50|p90|p95|p99|max|stddev or lateness.min|avg|p50|p90|p95|p99|max|stddev or health.min|avg|p50|p90|p95|p99|max|stddev|errors or monitor.NAME.min|avg|max|growth',
  );
});

test('latency stats read in one pass equal the stats of each latency read through its own reader (every latency, nulls, tokens, reasoning, token gaps)', () => {
  const r = mulberry32(9);
  const rs = Array.from({ length: 20_000 }, (_, i) =>
    rec({
      ttfc: i % 50 === 0 ? null : 10 + r() * 500,
      ttft: i % 7 === 0 ? null : 20 + r() * 500,
      ttfb: i % 40 === 0 ? null : r() * 300,
      total: i % 60 === 0 ? null : 600 + r() * 900,
      connect: i % 30 === 0 ? null : i % 3 === 0 ? r() * 5 : 0,
      stall: i % 9 === 0 ? null : r() * 80,
      gaps: Array.from({ length: i % 4 }, () => r() * 40),
      ...(i % 5 === 0 ? { tokenGaps: [r() * 10, r() * 10] } : {}),
      ...(i % 2 === 0 ? { tokens: 1 + (i % 13) } : {}),
      ...(i % 3 === 0 ? { ttfr: 5 + r() * 100 } : {}),
    }),
  );
  const stage = summarizeStage(1, { users: 100, requestsPerUser: 200 }, rs, 1000);
  for (const m of LATENCY_METRICS) {
    expect(latencySamples(rs, m).length).toBeGreaterThan(1000);
    expect(stage[m]).toEqual(computeStats(latencySamples(rs, m)));
  }
});
