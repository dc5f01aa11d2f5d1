import { CriteriaError, DEFAULT_CRITERIA, criteriaPassed, evaluateCriteria, parseCriteria } from '../../src/core/analysis/criteria/index.js';
import { metricUnit } from '../../src/core/analysis/metrics.js';
import { formatThreshold, formatValue } from '../../src/core/format.js';
import type { Criterion, CriterionResult, StageSummary, Stats } from '../../src/core/types.js';
import { FAILURE_CATEGORIES } from '../../src/core/types.js';

// ---------------------------------------------------------------------------------------------
// helpers

function one(line: string): Criterion {
  const list = parseCriteria(line);
  expect(list).toHaveLength(1);
  return list[0]!;
}

function parseError(text: string): CriteriaError {
  try {
    parseCriteria(text);
  } catch (e) {
    if (e instanceof CriteriaError) return e;
    throw e;
  }
  throw new Error(`expected a CriteriaError for ${JSON.stringify(text)}`);
}

/** Asserts the error's line, column (1-based) and that its message contains `fragment`. */
function expectError(text: string, line: number, column: number, fragment: string): CriteriaError {
  const e = parseError(text);
  expect({ line: e.line, column: e.column }).toEqual({ line, column });
  expect(e.message).toContain(fragment);
  expect(e.message.startsWith(`line ${line}, column ${column}: `)).toBe(true);
  expect(e.message.toLowerCase()).not.toContain('criteria');
  return e;
}

function stats(partial: Partial<Stats> = {}): Stats {
  return { n: 10, min: 100, avg: 200, p50: 190, p90: 280, p95: 300, p99: 340, max: 350, stddev: 40, ...partial };
}

const EMPTY_STATS: Stats = { n: 0, min: null, avg: null, p50: null, p90: null, p95: null, p99: null, max: null, stddev: null };

function stage(over: Partial<StageSummary> & { users: number }): StageSummary {
  const failures = Object.fromEntries(FAILURE_CATEGORIES.map((c) => [c, 0])) as StageSummary['failures'];
  return {
    index: 1,
    requestsPerUser: 1,
    skipped: false,
    issued: 10,
    succeeded: 10,
    failed: 0,
    successRate: 1,
    failures,
    connect: stats({ avg: 1, max: 3 }),
    ttfb: stats(),
    ttfc: stats(),
    ttft: stats(),
    total: stats({ avg: 900 }),
    itl: stats({ avg: 20 }),
    stall: stats({ max: 60 }),
    durationMs: 1000,
    rps: 10,
    eventsPerSec: 60,
    ...over,
  };
}

function skippedStage(users: number, index = 2): StageSummary {
  return stage({
    users,
    index,
    skipped: true,
    issued: 0,
    succeeded: 0,
    ttfc: EMPTY_STATS,
    ttfb: EMPTY_STATS,
    ttft: EMPTY_STATS,
    total: EMPTY_STATS,
    rps: 0,
  });
}

function evalLine(line: string, stages: StageSummary[], baseline?: StageSummary[]): CriterionResult[] {
  return evaluateCriteria(parseCriteria(line), stages, baseline ? { baseline } : {});
}

// ---------------------------------------------------------------------------------------------
// parsing

describe('DEFAULT_CRITERIA', () => {
  it('is the default block of the design, one a line', () => {
    expect(DEFAULT_CRITERIA.split('\n')).toEqual([
      'success_rate > 95%',
      'errors_5xx == 0',
      'timeouts == 0',
      'ttfc.p95 < 3s',
      '@10: ttfc.avg < 1s',
      '@10: ttfc.max < 2s',
      '@20: ttfc.avg < 1.5s',
      '@20: ttfc.max < 3s',
      'ttfc.max < 2 * ttfc.avg warn',
      '@50: ttfc.avg < 2s warn',
    ]);
  });

  it('parses into 10 criteria with the right scopes, severities and values', () => {
    const list = parseCriteria(DEFAULT_CRITERIA);
    expect(list).toHaveLength(10);
    expect(list.map((c) => c.users)).toEqual([null, null, null, null, 10, 10, 20, 20, null, 50]);
    expect(list.map((c) => c.severity)).toEqual(['fail', 'fail', 'fail', 'fail', 'fail', 'fail', 'fail', 'fail', 'warn', 'warn']);
    expect(list.map((c) => c.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(list.map((c) => c.metric.name)).toEqual(['success_rate', 'errors_5xx', 'timeouts', 'ttfc.p95', 'ttfc.avg', 'ttfc.max', 'ttfc.avg', 'ttfc.max', 'ttfc.max', 'ttfc.avg']);
    expect(list.map((c) => c.op)).toEqual(['>', '==', '==', '<', '<', '<', '<', '<', '<', '<']);
    expect(list.map((c) => c.value)).toEqual([
      { kind: 'number', value: 95 },
      { kind: 'number', value: 0 },
      { kind: 'number', value: 0 },
      { kind: 'number', value: 3000 },
      { kind: 'number', value: 1000 },
      { kind: 'number', value: 2000 },
      { kind: 'number', value: 1500 },
      { kind: 'number', value: 3000 },
      { kind: 'factor', factor: 2, metric: { name: 'ttfc.avg', baseline: false } },
      { kind: 'number', value: 2000 },
    ]);
    expect(list[4]!.text).toBe('@10: ttfc.avg < 1s');
  });
});

describe('parseCriteria', () => {
  it('returns a full Criterion', () => {
    expect(one('  @10:  ttfc.avg   <   1s  ')).toEqual({
      text: '@10:  ttfc.avg   <   1s',
      line: 1,
      users: 10,
      metric: { name: 'ttfc.avg', baseline: false },
      op: '<',
      value: { kind: 'number', value: 1000 },
      severity: 'fail',
    });
  });

  it('accepts every latency metric with every stat', () => {
    for (const base of ['ttfc', 'ttft', 'ttfb', 'total', 'itl', 'connect', 'stall']) {
      for (const stat of ['min', 'avg', 'p50', 'p90', 'p95', 'p99', 'max', 'stddev']) {
        const c = one(`${base}.${stat} <= 250ms`);
        expect(c.metric).toEqual({ name: `${base}.${stat}`, baseline: false });
        expect(c.value).toEqual({ kind: 'number', value: 250 });
      }
    }
  });

  it('accepts the scalar metrics with their value forms', () => {
    expect(one('success_rate >= 99.5%').value).toEqual({ kind: 'number', value: 99.5 });
    expect(one('errors < 3').value).toEqual({ kind: 'number', value: 3 });
    expect(one('errors_5xx == 0').value).toEqual({ kind: 'number', value: 0 });
    expect(one('timeouts != 1').value).toEqual({ kind: 'number', value: 1 });
    expect(one('rps > 4.5').value).toEqual({ kind: 'number', value: 4.5 });
  });

  it('accepts every operator', () => {
    for (const op of ['<', '<=', '>', '>=', '==', '!=']) {
      expect(one(`ttfc.p95 ${op} 3s`).op).toBe(op);
      expect(one(`ttfc.p95${op}3s`).op).toBe(op);
    }
  });

  it('normalises duration units to ms', () => {
    expect(one('ttfc.p95 < 250ms').value).toEqual({ kind: 'number', value: 250 });
    expect(one('ttfc.p95 < 3s').value).toEqual({ kind: 'number', value: 3000 });
    expect(one('ttfc.p95 < 1.5s').value).toEqual({ kind: 'number', value: 1500 });
    expect(one('ttfc.p95 < .5s').value).toEqual({ kind: 'number', value: 500 });
    expect(one('total.max < 2m').value).toEqual({ kind: 'number', value: 120_000 });
    expect(one('total.max < 1.5 s').value).toEqual({ kind: 'number', value: 1500 });
    expect(one('success_rate > 95 %').value).toEqual({ kind: 'number', value: 95 });
  });

  it('accepts flexible whitespace, CRLF, comments and blank lines', () => {
    const list = parseCriteria('# heading\r\n\r\n@10:ttfc.avg<1s\r\n   \r\n\t# indented comment\r\n  errors_5xx==0 warn  \r\nttfc.p95 < 3s # trailing comment\r\n');
    expect(list.map((c) => [c.line, c.text, c.users, c.severity])).toEqual([
      [3, '@10:ttfc.avg<1s', 10, 'fail'],
      [6, 'errors_5xx==0 warn', null, 'warn'],
      [7, 'ttfc.p95 < 3s', null, 'fail'],
    ]);
    expect(list[0]!.value).toEqual({ kind: 'number', value: 1000 });
    expect(parseCriteria('')).toEqual([]);
    expect(parseCriteria('\n# only comments\n\n')).toEqual([]);
  });

  it('accepts @USERS with spaces around the colon', () => {
    expect(one('@20 : ttfc.max < 3s').users).toBe(20);
    expect(one('@1: ttfc.max < 3s').users).toBe(1);
  });

  it('parses warn (case-insensitively)', () => {
    expect(one('ttfc.p95 < 3s warn').severity).toBe('warn');
    expect(one('ttfc.p95 < 3s WARN').severity).toBe('warn');
    expect(one('ttfc.max < 2 * ttfc.avg warn').severity).toBe('warn');
    expect(one('ttfc.max < ttfc.avg * 2 warn').severity).toBe('warn');
  });

  describe('factors', () => {
    const factor = (f: number, name: string, baseline = false) => ({ kind: 'factor', factor: f, metric: { name, baseline } });

    it('accepts NUMBER * METRIC and METRIC * NUMBER, spaced or not', () => {
      expect(one('ttfc.max < 2 * ttfc.avg').value).toEqual(factor(2, 'ttfc.avg'));
      expect(one('ttfc.max < 1.5*ttfc.p50').value).toEqual(factor(1.5, 'ttfc.p50'));
      expect(one('ttfc.max < ttfc.avg * 2').value).toEqual(factor(2, 'ttfc.avg'));
      expect(one('ttfc.max<ttfc.avg*3').value).toEqual(factor(3, 'ttfc.avg'));
    });

    it('accepts a bare metric as factor 1', () => {
      expect(one('ttft.avg <= ttfc.avg').value).toEqual(factor(1, 'ttfc.avg'));
    });

    it('accepts baseline references', () => {
      expect(one('ttfc.p95 < 1.2 * baseline.ttfc.p95').value).toEqual(factor(1.2, 'ttfc.p95', true));
      expect(one('ttfc.p95 < baseline.ttfc.p95 * 1.2').value).toEqual(factor(1.2, 'ttfc.p95', true));
      expect(one('success_rate >= baseline.success_rate').value).toEqual(factor(1, 'success_rate', true));
      expect(one('rps > 0.8 * baseline.rps warn').value).toEqual(factor(0.8, 'rps', true));
    });

    it('accepts factors of the same kind', () => {
      expect(one('errors_5xx <= 0.5 * errors').value).toEqual(factor(0.5, 'errors'));
      expect(one('timeouts <= errors').value).toEqual(factor(1, 'errors'));
      expect(one('itl.max < 10 * itl.p50').value).toEqual(factor(10, 'itl.p50'));
    });
  });

  describe('errors (line and column)', () => {
    it('unknown unit at the column of the value', () => {
      expectError('ttfc.p95 < 3sec', 1, 12, 'unknown unit "sec"');
      expectError('ttfc.p95 < 2h', 1, 12, 'unknown unit "h"');
      expectError('success_rate > 95pct', 1, 16, 'unknown unit "pct"');
      expectError('errors < 3x', 1, 10, 'unknown unit "x"');
      expectError('ttfc.p95 < 3 sec', 1, 14, 'unknown unit "sec"');
    });

    it('unknown operator', () => {
      expectError('ttfc.p95 =< 3s', 1, 10, 'unknown operator "=<"');
      expectError('ttfc.p95 = 3s', 1, 10, 'unknown operator "="');
      expectError('ttfc.p95 => 3s', 1, 10, 'unknown operator "=>"');
      expectError('ttfc.p95 <> 3s', 1, 10, 'unknown operator "<>"');
      expectError('ttfc.p95 ≤ 3s', 1, 10, 'unknown operator "≤"');
      expectError('@10: ttfc.p95===3s', 1, 14, 'unknown operator "==="');
    });

    it('missing operator or value', () => {
      expectError('ttfc.p95 3s', 1, 10, 'expected an operator');
      expectError('ttfc.p95', 1, 9, 'expected an operator');
      expectError('ttfc.p95 <', 1, 11, 'expected a value');
      expectError('ttfc.p95 < warn', 1, 12, 'expected a value before "warn"');
      expectError('< 3s', 1, 1, 'expected a metric');
      expectError('@10:', 1, 5, 'expected a metric');
    });

    it('unknown metric, with the nearest one (the full list is in --help)', () => {
      const e = expectError('ttfx.p95 < 3s', 1, 1, 'unknown metric "ttfx.p95"');
      expect(e.message).toBe('line 1, column 1: unknown metric "ttfx.p95": did you mean ttfc.p95, ttft.p95 or ttfb.p95?');
      expect(e.detail).toBe(e.message.slice('line 1, column 1: '.length));
      expect(e.name).toBe('CriteriaError');
      expect(e).toBeInstanceOf(Error);
      expectError('ttfc.p75 < 3s', 1, 1, 'unknown metric "ttfc.p75"');
      expectError('ttfc < 3s', 1, 1, 'unknown metric "ttfc"');
      expectError('@10: TTFC.avg < 1s', 1, 6, 'unknown metric "TTFC.avg"');
      expectError('success-rate > 95%', 1, 1, 'unknown metric "success-rate"');
      expectError('ttfc.max < 2 * ttfx.avg', 1, 16, 'unknown metric "ttfx.avg"');
      expectError('ttfc.max < 1.2 * baseline.ttfx.avg', 1, 18, 'unknown metric "baseline.ttfx.avg"');
    });

    it('baseline only on the value side', () => {
      expectError('baseline.ttfc.p95 < 3s', 1, 1, 'a baseline metric can only be used in the value');
    });

    it('reports the right line number', () => {
      expectError('success_rate > 95%\n\n# c\n@10: ttfc.avg < 1s\nttfc.p95 < 3sec\n', 5, 12, 'unknown unit');
      expectError('a\r\nttfc.p95 < 3s', 1, 1, 'unknown metric "a"');
      expectError('ttfc.p95 < 3s\r\n  ttfc.p95 =< 3s', 2, 12, 'unknown operator');
    });

    it('invalid @USERS scope', () => {
      expectError('@0: ttfc.avg < 1s', 1, 1, 'invalid scope "@0"');
      expectError('@x: ttfc.avg < 1s', 1, 1, 'invalid scope "@x"');
      expectError('@-1: ttfc.avg < 1s', 1, 1, 'invalid scope "@-1"');
      expectError('@1.5: ttfc.avg < 1s', 1, 1, 'invalid scope "@1.5"');
      expectError('  @: ttfc.avg < 1s', 1, 3, 'invalid scope "@"');
      expectError('@10 ttfc.avg < 1s', 1, 5, 'expected ":" after "@10"');
    });

    it('trailing junk', () => {
      expectError('ttfc.p95 < 3s fail', 1, 15, 'unexpected "fail"');
      expectError('ttfc.p95 < 3s warn now', 1, 20, 'unexpected "now" after "warn"');
      expectError('ttfc.p95 < 3s; errors == 0', 1, 12, 'invalid number "3s;"');
      expectError('ttfc.p95 < 3s ; errors == 0', 1, 15, 'unexpected ";"');
      expectError('ttfc.max < 2 * ttfc.avg * 3', 1, 25, 'unexpected "*"');
    });

    it('duration needs a unit', () => {
      expectError('ttfc.p95 < 3', 1, 12, 'needs a unit (ms, s');
      expectError('@10: itl.max < 250', 1, 16, 'needs a unit (ms, s');
    });

    it('success_rate needs %', () => {
      expectError('success_rate > 95', 1, 16, 'needs a unit (%)');
      expectError('success_rate > 0.95', 1, 16, 'needs a unit (%)');
    });

    it('unexpected unit for counts, rps and mismatched kinds', () => {
      expectError('errors < 3s', 1, 10, 'unexpected unit "s"');
      expectError('errors_5xx == 0%', 1, 15, 'unexpected unit "%"');
      expectError('timeouts < 2 ms', 1, 14, 'unexpected unit "ms"');
      expectError('rps > 4ms', 1, 7, 'unexpected unit "ms"');
      expectError('ttfc.p95 < 3%', 1, 12, 'unexpected unit "%"');
      expectError('success_rate > 95s', 1, 16, 'unexpected unit "s"');
    });

    it('invalid numbers', () => {
      expectError('ttfc.p95 < 1,5s', 1, 12, 'invalid number "1,5s"');
      expectError('ttfc.p95 < 1.2.3s', 1, 12, 'invalid number');
      expectError('errors > -1', 1, 10, 'invalid number "-1"');
      expectError('errors >-1', 1, 9, 'invalid number "-1"');
    });

    it('factor errors', () => {
      expectError('ttfc.max < 2s * ttfc.avg', 1, 12, 'a factor takes no unit');
      expectError('ttfc.max < ttfc.avg * 2s', 1, 23, 'a factor takes no unit');
      expectError('ttfc.max < 2 *', 1, 15, 'expected a metric after "*"');
      expectError('ttfc.max < ttfc.avg *', 1, 22, 'expected a number after "*"');
      expectError('ttfc.max < ttfc.avg * ttft.avg', 1, 23, 'expected a number after "*"');
      expectError('ttfc.max < * 2', 1, 12, 'expected a number or a metric');
      expectError('ttfc.max < 2 ttfc.avg', 1, 14, 'expected "*" between "2" and "ttfc.avg"');
    });

    it('factor metric of another kind', () => {
      expectError('ttfc.max < 2 * success_rate', 1, 16, 'a factor must reference a metric of the same kind');
      expectError('success_rate > 0.9 * rps', 1, 22, 'same kind');
      expectError('errors < 2 * ttfc.avg', 1, 14, 'same kind');
      expectError('rps > 0.5 * errors', 1, 13, 'same kind');
      expectError('ttfc.p95 < 1.2 * baseline.success_rate', 1, 18, 'same kind');
      expectError('errors < ttfc.avg', 1, 10, 'same kind');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// evaluation

describe('evaluateCriteria', () => {
  const s1 = stage({ users: 1, index: 1, ttfc: stats({ avg: 200, p95: 210, max: 220 }) });
  const s10 = stage({ users: 10, index: 2, ttfc: stats({ avg: 900, p95: 1800, max: 2500 }) });
  const s20 = stage({ users: 20, index: 3, ttfc: stats({ avg: 1200, p95: 2000, max: 2900 }) });

  it('evaluates an unscoped criterion once per stage that was run, in stage order', () => {
    const r = evalLine('ttfc.p95 < 1900ms', [s1, s10, skippedStage(30, 4), s20]);
    expect(r).toEqual([
      { text: 'ttfc.p95 < 1900ms', users: 1, severity: 'fail', status: 'pass', actual: 210, threshold: 1900, unit: 'ms', stage: 1 },
      { text: 'ttfc.p95 < 1900ms', users: 10, severity: 'fail', status: 'pass', actual: 1800, threshold: 1900, unit: 'ms', stage: 2 },
      { text: 'ttfc.p95 < 1900ms', users: 20, severity: 'fail', status: 'fail', actual: 2000, threshold: 1900, unit: 'ms', stage: 3 },
    ]);
  });

  it('evaluates a scoped criterion on its stage only', () => {
    const r = evalLine('@10: ttfc.avg < 1s', [s1, s10, s20]);
    expect(r).toEqual([{ text: '@10: ttfc.avg < 1s', users: 10, severity: 'fail', status: 'pass', actual: 900, threshold: 1000, unit: 'ms', stage: 2 }]);
  });

  it('gives one result per stage when several stages have the same users', () => {
    const again = stage({ users: 10, index: 4, ttfc: stats({ avg: 1100 }) });
    const r = evalLine('@10: ttfc.avg < 1s', [s1, s10, again]);
    expect(r.map((x) => [x.users, x.status, x.actual])).toEqual([
      [10, 'pass', 900],
      [10, 'fail', 1100],
    ]);
  });

  it('skips a scoped criterion whose stage was not run', () => {
    const r = evalLine('@50: ttfc.avg < 2s warn', [s1, s10, s20]);
    expect(r).toEqual([
      {
        text: '@50: ttfc.avg < 2s warn',
        users: 50,
        severity: 'warn',
        status: 'skipped',
        actual: null,
        threshold: null,
        unit: 'ms',
        reason: 'no stage with 50 users was run',
      },
    ]);
  });

  it('skips a scoped criterion whose stage was skipped', () => {
    const r = evalLine('@10: ttfc.avg < 1s', [s1, skippedStage(10)]);
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ users: 10, status: 'skipped', actual: null, threshold: null });
    expect(r[0]!.reason).toContain('no stage with 10 users was run');
  });

  it('skips an unscoped criterion when no stage was run', () => {
    const r = evalLine('success_rate > 95%', [skippedStage(1, 1), skippedStage(10, 2)]);
    expect(r).toEqual([expect.objectContaining({ users: null, status: 'skipped', actual: null, threshold: null, unit: '%', reason: 'no stage was run' })]);
    expect(evalLine('success_rate > 95%', [])).toEqual([expect.objectContaining({ users: null, status: 'skipped' })]);
  });

  it('computes success_rate in percent', () => {
    const st = stage({ users: 10, issued: 20, succeeded: 19, failed: 1, successRate: 0.95 });
    expect(evalLine('success_rate >= 95%', [st])[0]).toMatchObject({ status: 'pass', actual: 95, threshold: 95, unit: '%' });
    expect(evalLine('success_rate > 95%', [st])[0]).toMatchObject({ status: 'fail', actual: 95 });
    const odd = stage({ users: 1, successRate: 0.57 });
    expect(evalLine('success_rate >= 57%', [odd])[0]).toMatchObject({ status: 'pass', actual: 57 });
  });

  it('computes counts and rps', () => {
    const failures = { ...s1.failures, http_5xx: 2, timeout: 1 };
    const st = stage({ users: 10, failed: 4, failures, rps: 4.2 });
    expect(evalLine('errors < 5', [st])[0]).toMatchObject({ status: 'pass', actual: 4, threshold: 5, unit: 'count' });
    expect(evalLine('errors_5xx == 0', [st])[0]).toMatchObject({ status: 'fail', actual: 2, threshold: 0, unit: 'count' });
    expect(evalLine('timeouts != 0', [st])[0]).toMatchObject({ status: 'pass', actual: 1, unit: 'count' });
    expect(evalLine('timeouts <= 0', [st])[0]).toMatchObject({ status: 'fail', actual: 1 });
    expect(evalLine('rps > 4', [st])[0]).toMatchObject({ status: 'pass', actual: 4.2, threshold: 4, unit: 'rps' });
    expect(evalLine('errors_5xx <= 0.5 * errors', [st])[0]).toMatchObject({ status: 'pass', actual: 2, threshold: 2 });
  });

  it('reads every latency metric from the stage', () => {
    const st = stage({
      users: 1,
      connect: stats({ p99: 5 }),
      ttfb: stats({ min: 11 }),
      ttft: stats({ p50: 33 }),
      total: stats({ p90: 44 }),
      itl: stats({ stddev: 55 }),
      stall: stats({ max: 66 }),
    });
    const actual = (line: string) => evalLine(line, [st])[0]!.actual;
    expect(actual('connect.p99 < 1s')).toBe(5);
    expect(actual('ttfb.min < 1s')).toBe(11);
    expect(actual('ttft.p50 < 1s')).toBe(33);
    expect(actual('total.p90 < 1s')).toBe(44);
    expect(actual('itl.stddev < 1s')).toBe(55);
    expect(actual('stall.max < 1s')).toBe(66);
  });

  it('applies every operator', () => {
    const st = stage({ users: 1, ttfc: stats({ avg: 1000 }) });
    const status = (line: string) => evalLine(line, [st])[0]!.status;
    expect(status('ttfc.avg < 1s')).toBe('fail');
    expect(status('ttfc.avg <= 1s')).toBe('pass');
    expect(status('ttfc.avg > 999ms')).toBe('pass');
    expect(status('ttfc.avg >= 1001ms')).toBe('fail');
    expect(status('ttfc.avg == 1s')).toBe('pass');
    expect(status('ttfc.avg != 1s')).toBe('fail');
  });

  it('computes factor thresholds from the same stage', () => {
    const r = evalLine('ttfc.max < 2 * ttfc.avg warn', [s1, s10, s20]);
    expect(r.map((x) => [x.users, x.status, x.actual, x.threshold, x.severity])).toEqual([
      [1, 'pass', 220, 400, 'warn'],
      [10, 'fail', 2500, 1800, 'warn'],
      [20, 'fail', 2900, 2400, 'warn'],
    ]);
    expect(evalLine('ttfc.max < ttfc.avg * 1.2', [s1])[0]!.threshold).toBe(240);
  });

  it('computes baseline thresholds from the baseline stage with the same users', () => {
    const baseline = [stage({ users: 1, ttfc: stats({ p95: 200 }) }), stage({ users: 10, ttfc: stats({ p95: 1000 }) })];
    const r = evalLine('ttfc.p95 < 1.2 * baseline.ttfc.p95', [s1, s10, s20], baseline);
    expect(r).toEqual([
      expect.objectContaining({ users: 1, status: 'pass', actual: 210, threshold: 240 }),
      expect.objectContaining({ users: 10, status: 'fail', actual: 1800, threshold: 1200 }),
      expect.objectContaining({ users: 20, status: 'skipped', actual: null, threshold: null, reason: 'no baseline stage with 20 users' }),
    ]);
  });

  it('skips baseline criteria without a baseline', () => {
    const r = evalLine('@10: ttfc.p95 < baseline.ttfc.p95 * 1.2', [s1, s10]);
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ users: 10, status: 'skipped', actual: null, threshold: null });
    expect(r[0]!.reason).toContain('no baseline stage with 10 users');
  });

  it('ignores skipped baseline stages', () => {
    const r = evalLine('ttfc.p95 < baseline.ttfc.p95', [s10], [skippedStage(10)]);
    expect(r[0]).toMatchObject({ status: 'skipped', reason: 'no baseline stage with 10 users' });
  });

  it('fails when there is nothing to measure (n = 0)', () => {
    const dead = stage({ users: 1, succeeded: 0, failed: 10, successRate: 0, ttfc: EMPTY_STATS });
    expect(evalLine('ttfc.p95 < 3s', [dead])[0]).toEqual({
      text: 'ttfc.p95 < 3s',
      users: 1,
      severity: 'fail',
      status: 'fail',
      actual: null,
      threshold: 3000,
      unit: 'ms',
      reason: 'no successful requests to measure',
      stage: dead.index,
    });
    expect(evalLine('ttfc.max < 2 * ttfc.avg', [dead])[0]).toMatchObject({ status: 'fail', actual: null, threshold: null });
    expect(evalLine('success_rate > 95%', [dead])[0]).toMatchObject({ status: 'fail', actual: 0 });
    // a successful stage without samples of one metric (single-event streams have no gaps)
    const noGaps = stage({ users: 1, itl: EMPTY_STATS });
    const r = evalLine('itl.p95 < 100ms', [noGaps])[0]!;
    expect(r).toMatchObject({ status: 'fail', actual: null });
    expect(r.reason).toContain('no itl samples');
  });

  it('fails when the baseline stage has nothing to measure', () => {
    const deadBaseline = stage({ users: 1, succeeded: 0, successRate: 0, ttfc: EMPTY_STATS });
    const r = evalLine('ttfc.p95 < 1.2 * baseline.ttfc.p95', [s1], [deadBaseline])[0]!;
    expect(r).toMatchObject({ status: 'fail', actual: 210, threshold: null });
    expect(r.reason).toContain('no successful requests to measure in the baseline');
  });

  it('evaluates the defaults end to end', () => {
    const r = evaluateCriteria(parseCriteria(DEFAULT_CRITERIA), [s1, s10, s20]);
    const summary = r.map((x) => `${x.text} @${x.users}: ${x.status}`);
    expect(summary).toEqual([
      'success_rate > 95% @1: pass',
      'success_rate > 95% @10: pass',
      'success_rate > 95% @20: pass',
      'errors_5xx == 0 @1: pass',
      'errors_5xx == 0 @10: pass',
      'errors_5xx == 0 @20: pass',
      'timeouts == 0 @1: pass',
      'timeouts == 0 @10: pass',
      'timeouts == 0 @20: pass',
      'ttfc.p95 < 3s @1: pass',
      'ttfc.p95 < 3s @10: pass',
      'ttfc.p95 < 3s @20: pass',
      '@10: ttfc.avg < 1s @10: pass',
      '@10: ttfc.max < 2s @10: fail',
      '@20: ttfc.avg < 1.5s @20: pass',
      '@20: ttfc.max < 3s @20: pass',
      'ttfc.max < 2 * ttfc.avg warn @1: pass',
      'ttfc.max < 2 * ttfc.avg warn @10: fail',
      'ttfc.max < 2 * ttfc.avg warn @20: fail',
      '@50: ttfc.avg < 2s warn @50: skipped',
    ]);
    expect(criteriaPassed(r)).toBe(false);
  });
});

describe('criteriaPassed', () => {
  const res = (severity: 'fail' | 'warn', status: CriterionResult['status']): CriterionResult => ({
    text: 'x',
    users: 1,
    severity,
    status,
    actual: 1,
    threshold: 1,
    unit: 'ms',
  });

  it('is false iff a failing criterion failed', () => {
    expect(criteriaPassed([])).toBe(true);
    expect(criteriaPassed([res('fail', 'pass'), res('fail', 'skipped')])).toBe(true);
    expect(criteriaPassed([res('warn', 'fail'), res('fail', 'pass')])).toBe(true);
    expect(criteriaPassed([res('fail', 'inconclusive')])).toBe(true);
    expect(criteriaPassed([res('warn', 'fail'), res('fail', 'fail')])).toBe(false);
  });

  it('treats warn lines that miss as warnings only', () => {
    const st = stage({ users: 1, ttfc: stats({ avg: 5000, p95: 6000 }) });
    const r = evaluateCriteria(parseCriteria('ttfc.p95 < 10s\nttfc.avg < 1s warn'), [st]);
    expect(r.map((x) => [x.severity, x.status])).toEqual([
      ['fail', 'pass'],
      ['warn', 'fail'],
    ]);
    expect(criteriaPassed(r)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// formatting

describe('metricUnit', () => {
  it('maps metrics to units', () => {
    expect(metricUnit('ttfc.p95')).toBe('ms');
    expect(metricUnit('success_rate')).toBe('%');
    expect(metricUnit('errors')).toBe('count');
    expect(metricUnit('errors_5xx')).toBe('count');
    expect(metricUnit('timeouts')).toBe('count');
    expect(metricUnit('rps')).toBe('rps');
    expect(metricUnit('ttfx.p95')).toBeNull();
  });
});

describe('formatValue / formatThreshold', () => {
  it('formats ms', () => {
    expect(formatValue(412.4, 'ms')).toBe('412 ms');
    expect(formatValue(412.5, 'ms')).toBe('413 ms');
    expect(formatValue(4.14, 'ms')).toBe('4.1 ms');
    expect(formatValue(9.97, 'ms')).toBe('10 ms');
    expect(formatValue(999.4, 'ms')).toBe('999 ms');
    expect(formatValue(999.6, 'ms')).toBe('1.00 s');
    expect(formatValue(1234, 'ms')).toBe('1.23 s');
    expect(formatValue(1000, 'ms')).toBe('1.00 s');
    expect(formatValue(0, 'ms')).toBe('0.0 ms');
    expect(formatThreshold(1000, 'ms')).toBe('1 s');
    expect(formatThreshold(1500, 'ms')).toBe('1.5 s');
    expect(formatThreshold(1234.5, 'ms')).toBe('1.23 s');
    expect(formatThreshold(250, 'ms')).toBe('250 ms');
    expect(formatThreshold(5, 'ms')).toBe('5 ms');
    expect(formatThreshold(2.5, 'ms')).toBe('2.5 ms');
    expect(formatThreshold(120_000, 'ms')).toBe('120 s');
  });

  it('formats percentages', () => {
    expect(formatValue(96.66, '%')).toBe('96.7%');
    expect(formatValue(100, '%')).toBe('100%');
    expect(formatValue(95, '%')).toBe('95%');
    expect(formatValue(99.97, '%')).toBe('99.9%');
    expect(formatValue(0.01, '%')).toBe('<0.1%');
    expect(formatThreshold(95, '%')).toBe('95%');
    expect(formatThreshold(99.5, '%')).toBe('99.5%');
  });

  it('formats counts and rps', () => {
    expect(formatValue(3, 'count')).toBe('3');
    expect(formatValue(2.6, 'count')).toBe('3');
    expect(formatThreshold(0, 'count')).toBe('0');
    expect(formatThreshold(2.5, 'count')).toBe('2.5');
    expect(formatValue(4.2, 'rps')).toBe('4.20 req/s');
    expect(formatValue(12.345, 'rps')).toBe('12.35 req/s');
    expect(formatThreshold(4, 'rps')).toBe('4 req/s');
  });

  it('formats null as n/a', () => {
    for (const unit of ['ms', '%', 'count', 'rps'] as const) {
      expect(formatValue(null, unit)).toBe('n/a');
      expect(formatThreshold(null, unit)).toBe('n/a');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// intervals and verdicts (issue 5 §4)

describe('intervals and verdicts', () => {
  const st = stage({ users: 10, index: 2, ttfc: stats({ avg: 380, p95: 450, max: 500 }) });
  const asked: string[] = [];
  /** An interval function that answers [low, high] and records what it was asked for. */
  const iv = (low: number, high: number) => (s: StageSummary, metric: string, stat: string) => {
    asked.push(`${s.index}:${metric}.${stat}`);
    return { low, high, level: 0.95 };
  };
  const run = (line: string, verdict: 'strict' | 'confident', low: number, high: number, baseline?: StageSummary[]): CriterionResult =>
    evaluateCriteria(parseCriteria(line), [st], { verdict, intervalOf: iv(low, high), ...(baseline ? { baseline } : {}) })[0]!;

  it('strict: the measured value decides; a straddling interval is marked inconclusive with the reason', () => {
    expect(run('ttfc.avg < 400ms', 'strict', 340, 420)).toEqual({
      text: 'ttfc.avg < 400ms',
      users: 10,
      severity: 'fail',
      unit: 'ms',
      stage: 2,
      status: 'pass',
      actual: 380,
      threshold: 400,
      interval: { low: 340, high: 420, level: 0.95 },
      inconclusive: true,
      reason: 'inconclusive: the 95% interval 340 ms – 420 ms straddles 400 ms; verdict strict: the measured value passes',
    });
    expect(run('ttfc.avg < 370ms', 'strict', 340, 420)).toMatchObject({ status: 'fail', inconclusive: true, reason: expect.stringContaining('the measured value fails') });
    // On one side: no mark, the interval kept.
    expect(run('ttfc.avg < 500ms', 'strict', 340, 420)).toEqual(expect.objectContaining({ status: 'pass', interval: { low: 340, high: 420, level: 0.95 } }));
    expect(run('ttfc.avg < 500ms', 'strict', 340, 420).inconclusive).toBeUndefined();
  });

  it('confident: straddling is inconclusive (does not fail); wholly on the wrong side fails', () => {
    const straddle = run('ttfc.avg < 370ms', 'confident', 340, 420);
    expect(straddle).toMatchObject({
      status: 'inconclusive',
      inconclusive: true,
      reason: 'inconclusive: the 95% interval 340 ms – 420 ms straddles 370 ms; verdict confident: not failed',
    });
    expect(criteriaPassed([straddle])).toBe(true);
    expect(run('ttfc.avg < 300ms', 'confident', 340, 420).status).toBe('fail');
    expect(run('ttfc.avg > 300ms', 'confident', 340, 420).status).toBe('pass');
  });

  it('too few samples for an interval (the 1 x 1 smoke stage): confident cannot fail it, strict can', () => {
    const smoke = stage({ users: 1, index: 1, ttfc: stats({ n: 1, avg: 3500, p95: 3500, max: 3500 }) });
    const noInterval = () => null;
    const judgeSmoke = (line: string, verdict: 'strict' | 'confident'): CriterionResult => evaluateCriteria(parseCriteria(line), [smoke], { verdict, intervalOf: noInterval })[0]!;
    const confident = judgeSmoke('ttfc.p95 < 3s', 'confident');
    expect(confident).toMatchObject({
      status: 'inconclusive',
      inconclusive: true,
      actual: 3500,
      threshold: 3000,
      reason: 'inconclusive: 1 sample is too few for an interval; verdict confident: not failed',
    });
    expect(criteriaPassed([confident])).toBe(true);
    expect(judgeSmoke('ttfc.p95 < 3s', 'strict')).toMatchObject({ status: 'fail', actual: 3500 });
    expect(judgeSmoke('ttfc.p95 < 4s', 'confident')).toMatchObject({ status: 'pass' });
  });

  it('asks for the metric and statistic of the criterion; none for counts, min / max / stddev or a threshold of this run', () => {
    asked.length = 0;
    run('ttfc.p95 < 1s', 'confident', 1, 2);
    run('ttft.p50 < 1s', 'confident', 1, 2);
    run('itl.p99 < 1s', 'confident', 1, 2);
    expect(asked).toEqual(['2:ttfc.p95', '2:ttft.p50', '2:itl.p99']);
    asked.length = 0;
    for (const line of ['errors == 0', 'success_rate > 95%', 'rps > 1', 'ttfc.max < 1s', 'ttfc.stddev < 1s', 'ttfc.p95 < 2 * ttfc.avg']) {
      const r = run(line, 'confident', 1, 2);
      expect({ line, interval: r.interval }).toEqual({ line, interval: undefined });
    }
    expect(asked).toEqual([]);
  });

  it('a factor of a baseline metric is a fixed threshold: judged on the interval', () => {
    const base = [stage({ users: 10, index: 2, ttfc: stats({ p95: 360 }) })];
    // threshold 1.2 × 360 = 432 ms; p95 450 ms with an interval 400–500 ms straddles it.
    expect(run('ttfc.p95 < 1.2 * baseline.ttfc.p95', 'confident', 400, 500, base)).toMatchObject({ status: 'inconclusive', threshold: 432 });
    expect(run('ttfc.p95 < 1.2 * baseline.ttfc.p95', 'strict', 400, 500, base)).toMatchObject({ status: 'fail', inconclusive: true });
  });

  it('a metric alone as the value compares with the baseline (success_rate >= baseline.success_rate)', () => {
    const base = [stage({ users: 10, index: 1, successRate: 0.9 })];
    expect(evaluateCriteria(parseCriteria('success_rate >= baseline.success_rate'), [st], { baseline: base })[0]).toMatchObject({ status: 'pass', actual: 100, threshold: 90 });
  });

  it('without a baseline the reason says why', () => {
    const r = evaluateCriteria(parseCriteria('ttfc.p95 < 1.2 * baseline.ttfc.p95'), [st], { baselineMissing: 'the baseline could not be read' })[0]!;
    expect(r).toMatchObject({ status: 'skipped', reason: 'no baseline stage with 10 users (the baseline could not be read)' });
  });
});
