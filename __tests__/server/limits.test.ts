// The server side's own bounds, as inputs: health-timeout (default max(2 × health-interval, 2s)),
// monitor-timeout (at most 1m), log-error-pattern in RE2 syntax (linear time, what it cannot do is an
// input error), and one defaults rule for the criteria whichever adapter passes them.
import { buildConfig } from '../../src/core/config/config.js';
import { DEFAULT_CRITERIA } from '../../src/core/analysis/criteria/index.js';
import { InputError } from '../../src/core/errors.js';
import { compileLogPattern } from '../../src/core/server/pattern.js';
import { readActionYml } from '../helpers/run-action.js';

const base = { url: 'http://127.0.0.1:1/chat' };
const cfg = (inputs: Record<string, string>) => buildConfig({ ...base, ...inputs }, { env: {} });
function err(inputs: Record<string, string>): InputError {
  try {
    cfg(inputs);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('health-timeout', () => {
  test.each([
    [{}, 2000],
    [{ 'health-interval': '100ms' }, 2000],
    [{ 'health-interval': '5s' }, 10_000],
    [{ 'health-interval': '2m' }, 60_000],
    [{ 'health-timeout': '750ms' }, 750],
    [{ 'health-interval': '5s', 'health-timeout': '1m' }, 60_000],
  ])('%j → %d ms, never the request timeout', (inputs, ms) => {
    const c = cfg({ 'health-url': '/healthz', timeout: '1h', ...inputs });
    expect(c.server!.health!.timeoutMs).toBe(ms);
  });

  test.each([
    [{ 'health-timeout': '1s' }, 'health-timeout', /is set but health-url is not/],
    [{ 'health-url': '/h', 'health-timeout': '2m' }, 'health-timeout', /2m|at most/],
    [{ 'health-url': '/h', 'health-timeout': '10ms' }, 'health-timeout', /too short/],
    [{ 'health-url': '/h', 'health-timeout': 'soon' }, 'health-timeout', /not a duration/],
    [{ monitor: 'm: echo 1', 'monitor-timeout': '5m' }, 'monitor-timeout', /5m|at most/],
    [{ 'monitor-timeout': '2s' }, 'monitor-timeout', /neither monitor nor metrics-url/],
  ])('%j: an error naming %s', (inputs, input, re) => {
    const e = err(inputs as Record<string, string>);
    expect(e.input).toBe(input);
    expect(e.message).toMatch(re);
  });
});

describe('log-error-pattern', () => {
  const logs = { 'logs-command': 'tail -n0 -F app.log' };

  test('case-insensitive, unanchored, like the RegExp it replaces', () => {
    const p = cfg({ ...logs }).server!.logs!.errorPattern;
    expect(['  File x, Traceback', 'level=ERROR boom', 'FATAL', 'Critical: disk'].map((l) => p.test(l))).toEqual([true, true, true, true]);
    expect(p.test('INFO GET /chat 200')).toBe(false);
    const own = cfg({ ...logs, 'log-error-pattern': '\\b5\\d\\d\\b|timed? ?out' }).server!.logs!.errorPattern;
    expect(['GET / 503', 'upstream TIMEOUT', 'GET / 200 in 5001ms'].map((l) => own.test(l))).toEqual([true, true, false]);
  });

  test('a catastrophic pattern matches in linear time', () => {
    // With RegExp this line alone blocks for hours; RE2 scans it once.
    const p = compileLogPattern('(a+)+$');
    expect(p.test(`${'a'.repeat(4000)}!`)).toBe(false);
    expect(p.test('aaa')).toBe(true);
  });

  test('only the first 4 KiB of a line is matched', () => {
    const p = compileLogPattern('error');
    expect(p.test(`${'x'.repeat(4090)}error`)).toBe(true);
    expect(p.test(`${'x'.repeat(5000)}error`)).toBe(false);
  });

  test.each([
    ['(\\w+) \\1', /backreference/],
    ['(?<n>a)\\k<n>', /backreference/],
    ['error(?!: expected)', /lookahead/],
    ['(?=x)', /lookahead/],
    ['(?<!level=)error', /lookbehind/],
    ['caf\\u00e9', /\\u escape .*\\x\{00e9\}/],
    ['(', /not a valid pattern: missing closing \)/],
    ['a**', /not a valid pattern: invalid nested repetition operator/],
  ])('%s: an input error naming what is unsupported', (pattern, re) => {
    const e = err({ ...logs, 'log-error-pattern': pattern });
    expect(e.input).toBe('log-error-pattern');
    expect(e.message).toMatch(re);
    expect(e.message).toMatch(/RE2 syntax/);
  });
});

describe('the default criteria and the server side: one rule for both adapters', () => {
  const server = { 'health-url': '/healthz', 'logs-command': 'tail -n0 -F app.log' };
  const added = ['health.max < 2s', 'health.errors == 0', 'log_errors == 0'];

  test("action.yml's default text counts as left at the default (the Action always passes it)", () => {
    const ymlDefault = readActionYml().inputs.get('criteria')!.default!;
    const cli = cfg(server);
    const action = cfg({ ...server, criteria: ymlDefault });
    expect(action.criteria.map((c) => c.text)).toEqual(cli.criteria.map((c) => c.text));
    expect(action.criteriaText).toBe(cli.criteriaText);
    expect(cli.criteria.map((c) => c.text).slice(-3)).toEqual(added);
  });

  test('whitespace and blank lines aside; one line changed is criteria as written', () => {
    const spaced = `\n  ${DEFAULT_CRITERIA.split('\n').join('\n\n   ')}\n`;
    expect(
      cfg({ ...server, criteria: spaced })
        .criteria.map((c) => c.text)
        .slice(-3),
    ).toEqual(added);
    const edited = DEFAULT_CRITERIA.replace('ttfc.p95 < 3s', 'ttfc.p95 < 4s');
    expect(cfg({ ...server, criteria: edited }).criteria.map((c) => c.text)).not.toContain('log_errors == 0');
  });
});
