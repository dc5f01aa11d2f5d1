// Reading samples, monitor lines and server criteria: the parsing side of the server checks.
import { buildConfig } from '../../src/core/config/config.js';
import { InputError } from '../../src/core/errors.js';
import { parseCriteria } from '../../src/core/analysis/criteria/index.js';
import { parseMonitors } from '../../src/core/server/config.js';
import { formatGrowth, formatSample, parseSample } from '../../src/core/server/units.js';

const MiB = 1024 ** 2;

describe('parseSample', () => {
  test.each([
    ['512.3MiB / 7.6GiB', 512.3 * MiB, 'bytes'],
    ['  123\n', 123, 'number'],
    ['Threads_connected\t37', 37, 'number'],
    ['12.5%', 12.5, '%'],
    ['1.2 GB', 1.2e9, 'bytes'],
    ['900kB', 900e3, 'bytes'],
    ['4KiB', 4096, 'bytes'],
    ['ragflow2 up 33', 33, 'number'],
    ['\nCPU 3.5 %\n', 3.5, '%'],
  ])('%j → %d %s', (text, value, unit) => {
    const s = parseSample(text);
    expect(s).not.toBeNull();
    expect(s!.value).toBeCloseTo(value, 3);
    expect(s!.unit).toBe(unit);
  });

  test('no number is null', () => {
    expect(parseSample('Error: No such container: ragflow-server')).toBeNull();
    expect(parseSample('')).toBeNull();
  });

  test('formats', () => {
    expect(formatSample(512 * MiB, 'bytes')).toBe('512 MiB');
    expect(formatSample(1.5 * 1024 * MiB, 'bytes')).toBe('1.5 GiB');
    expect(formatSample(37, 'number')).toBe('37');
    expect(formatSample(12.25, '%')).toBe('12.3%');
    expect(formatGrowth(0.123)).toBe('+12%');
    expect(formatGrowth(-0.031)).toBe('−3.1%');
  });
});

describe('monitor lines', () => {
  test('NAME: command, metric: series', () => {
    const m = parseMonitors('mem: docker stats --no-stream --format \'{{.MemUsage}}\' ragflow-server\n# comment\n\ninflight: metric:http_inflight{handler="/chat"}\n', true);
    expect(m).toEqual([
      { name: 'mem', source: { kind: 'command', command: "docker stats --no-stream --format '{{.MemUsage}}' ragflow-server" } },
      { name: 'inflight', source: { kind: 'metric', series: 'http_inflight{handler="/chat"}', rate: false } },
    ]);
  });

  test.each([
    ['just a command', /line 1: expected "NAME: command"/],
    ['mem: ps\nmem: ps', /line 2: monitor "mem" is defined twice/],
    ['2mem: ps', /not a monitor name/],
    ['mem:', /has no command/],
    ['fds: metric:process_open_fds', /reads metrics-url, which is not set/],
  ])('%j is an error', (text, re) => {
    expect(() => parseMonitors(text, false)).toThrow(re);
  });

  test('a bad series selector is an error', () => {
    expect(() => parseMonitors('x: metric:a{b=c}', true)).toThrow(/not a series selector/);
  });
});

describe('config and criteria', () => {
  const base = { url: 'http://127.0.0.1:1/chat' };
  const cfg = (inputs: Record<string, string>) => buildConfig({ ...base, ...inputs }, { env: {} });
  const err = (inputs: Record<string, string>): InputError => {
    try {
      cfg(inputs);
    } catch (e) {
      if (e instanceof InputError) return e;
      throw e;
    }
    throw new Error('no error');
  };

  test('server criteria parse, with their units', () => {
    const c = parseCriteria(
      'health.max < 2s\nhealth.errors == 0\nlog_errors == 0\nmonitor.mem.growth < 10%\n@50: monitor.threads.max < 100\nmonitor.mem.max < 512MiB\nmonitor.cpu.avg < 80%',
    );
    expect(c.map((x) => x.value)).toEqual([
      { kind: 'number', value: 2000 },
      { kind: 'number', value: 0 },
      { kind: 'number', value: 0 },
      { kind: 'number', value: 10 },
      // A monitor's threshold keeps the unit it was written in: checked against the monitor's once known.
      { kind: 'number', value: 100, sampleUnit: { unit: null, text: '100', column: 28 } },
      { kind: 'number', value: 512 * MiB, sampleUnit: { unit: 'bytes', text: '512MiB', column: 19 } },
      { kind: 'number', value: 80, sampleUnit: { unit: '%', text: '80%', column: 19 } },
    ]);
    expect(() => parseCriteria('monitor.mem.max < 5 parsecs')).toThrow(/unknown unit "parsecs"/);
    expect(() => parseCriteria('health.max < 2')).toThrow(/needs a unit/);
    expect(() => parseCriteria('monitor.mem.median < 2')).toThrow(/unknown metric/);
  });

  test('defaults gain health and log criteria; written criteria stay as written', () => {
    const c = cfg({ 'health-url': '/healthz', 'logs-command': 'tail -n0 -F app.log' });
    expect(c.criteriaText.split('\n').slice(-3)).toEqual(['health.max < 2s', 'health.errors == 0', 'log_errors == 0']);
    expect(c.server!.health!.url).toBe('http://127.0.0.1:1/healthz');
    expect(c.server!.health!.intervalMs).toBe(250);
    expect(c.server!.logs!.errorPattern.test('  File x, Traceback')).toBe(true);
    const own = cfg({ 'health-url': '/healthz', criteria: 'success_rate > 90%' });
    expect(own.criteriaText).toBe('success_rate > 90%');
    expect(cfg({}).server).toBeNull();
  });

  test('metrics-url adds rss, cpu and fds', () => {
    const c = cfg({ 'metrics-url': '/metrics', monitor: 'rss: ps -o rss= -p 1' });
    expect(c.server!.monitors.map((m) => `${m.name}:${m.source.kind}`)).toEqual(['rss:command', 'cpu:metric', 'fds:metric']);
  });

  test.each([
    [{ criteria: 'health.max < 2s' }, 'criteria', /line 1: health.max needs health-url/],
    [{ criteria: 'log_errors == 0' }, 'criteria', /needs logs-command/],
    [{ monitor: 'mem: ps', criteria: 'success_rate > 1%\nmonitor.men.max < 1GiB' }, 'criteria', /line 2: monitor.men.max: no monitor named "men" \(monitors: mem\)/],
    [{ 'health-interval': '1s' }, 'health-interval', /health-url is not/],
    [{ 'health-url': '/h', 'health-interval': '1ms' }, 'health-interval', /too short/],
    [{ monitor: 'mem: ps', 'monitor-interval': 'soon' }, 'monitor-interval', /not a duration/],
    [{ 'logs-command': 'tail -F x', 'log-error-pattern': '(' }, 'log-error-pattern', /"\(" is not a valid pattern: missing closing \)/],
    [{ 'log-error-pattern': 'x' }, 'log-error-pattern', /logs-command is not/],
    [{ 'health-url': 'ftp://x/h' }, 'health-url', /scheme "ftp"/],
  ])('%j: %s', (inputs, input, re) => {
    const e = err(inputs as Record<string, string>);
    expect(e.input).toBe(input);
    expect(e.message).toMatch(re);
  });
});

describe('the server metrics in the metrics table', () => {
  test('units, run scope, values read from the stage', async () => {
    const { metric, metricValue } = await import('../../src/core/analysis/metrics.js');
    const { summarizeStage } = await import('../../src/core/analysis/stats.js');
    expect(metric('health.p95')).toMatchObject({ unit: 'ms' });
    expect(metric('health.errors')).toMatchObject({ unit: 'count' });
    expect(metric('log_errors')).toMatchObject({ unit: 'count' });
    expect(metric('monitor.mem.growth')).toMatchObject({ unit: '%', scope: 'run' });
    expect(metric('monitor.db-conn.max')).toMatchObject({ unit: 'sample' });
    expect(metric('monitor.mem.p95')).toBeNull();
    expect(metric('health.p75')).toBeNull();
    const stage = summarizeStage(1, { users: 1, requestsPerUser: 0 }, [], 1000);
    expect(metricValue(stage, 'health.max')).toBeNull();
    stage.server = {
      health: { n: 3, errors: 1, min: 1, avg: 2, p50: 2, p90: 3, p95: 3, p99: 3, max: 3, stddev: 1 },
      logErrors: 4,
      monitors: { mem: { unit: 'bytes', n: 2, min: 10, avg: 15, max: 20, growth: 0.25 } },
    };
    expect(['health.max', 'health.errors', 'log_errors', 'monitor.mem.max', 'monitor.mem.growth'].map((n) => metricValue(stage, n))).toEqual([3, 1, 4, 20, 25]);
    expect(metric('monitor.mem.max')!.unitOn!(stage)).toBe('bytes');
  });
});
