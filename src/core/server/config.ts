// The server-side inputs (health-url, monitor, metrics-url, logs-command…) → a ServerSpec, checked
// up front: every bad value is an InputError naming the input. Pure.

import { trimmedValue } from '../input-value.js';
import { parseDuration } from '../time/duration.js';
import { InputError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { monitorOf } from './metrics.js';
import { compileLogPattern } from './pattern.js';
import type { MonitorSpec, ServerSpec } from './types.js';

/** The one place the log-error-pattern default is written (action.yml is checked against it). */
export const DEFAULT_LOG_ERROR_PATTERN = 'error|exception|traceback|critical|fatal';

const DEFAULT_HEALTH_INTERVAL_MS = 250;
const DEFAULT_MONITOR_INTERVAL_MS = 1000;
const DEFAULT_MONITOR_TIMEOUT_MS = 5000;
/** A probe or a sample slower than this is a failure, not a measurement: it must never hold the run. */
const MAX_PROBE_TIMEOUT_MS = 60_000;
/** The health probe's default timeout: max(2 × health-interval, 2s), within MAX_PROBE_TIMEOUT_MS. */
function defaultHealthTimeoutMs(intervalMs: number): number {
  return Math.min(Math.max(2 * intervalMs, 2000), MAX_PROBE_TIMEOUT_MS);
}
/** Faster sampling would load the machine the test runs on more than the server. */
const MIN_INTERVAL_MS = 50;
const MAX_MONITORS = 20;
/** Longer intervals or timeouts would leave a stage without a single sample. */
const MAX_INTERVAL_MS = 10 * 60_000;

/** The series read from metrics-url when it is set, under these monitor names (a monitor of the same name wins). */
const DEFAULT_METRIC_MONITORS: ReadonlyArray<{ name: string; series: string; rate: boolean }> = [
  { name: 'rss', series: 'process_resident_memory_bytes', rate: false },
  { name: 'cpu', series: 'process_cpu_seconds_total', rate: true },
  { name: 'fds', series: 'process_open_fds', rate: false },
];

const NAME_RE = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;
const SERIES_RE = /^[A-Za-z_:][A-Za-z0-9_:]*(\{\s*([A-Za-z_][A-Za-z0-9_]*\s*=\s*"(?:[^"\\]|\\.)*"\s*,?\s*)*\})?$/;

export interface ServerContext {
  /** Resolves an absolute URL or a path like `url` (adds URL secrets). */
  resolve(input: string, text: string): URL;
  /** Headers of the load that may go to this URL (same origin only). */
  headersFor(u: URL): () => Record<string, string>;
  timeoutMs: number;
  secrets: string[];
}

type Inputs = Partial<Record<string, string>>;

function interval(inputs: Inputs, name: string, dflt: number, max = MAX_INTERVAL_MS): number {
  const text = trimmedValue(inputs, name);
  if (text === undefined) return dflt;
  const ms = parseDuration(name, text, { max });
  if (ms < MIN_INTERVAL_MS) throw new InputError(name, `"${text}" is too short (at least ${MIN_INTERVAL_MS}ms)`);
  return ms;
}

/** The server-side config, or null when none of its inputs is set. */
export function buildServerSpec(inputs: Inputs, ctx: ServerContext): ServerSpec | null {
  const healthText = trimmedValue(inputs, 'health-url');
  const metricsText = trimmedValue(inputs, 'metrics-url');
  const monitorText = trimmedValue(inputs, 'monitor');
  const logsCommand = trimmedValue(inputs, 'logs-command');
  const healthIntervalMs = interval(inputs, 'health-interval', DEFAULT_HEALTH_INTERVAL_MS);
  const monitorIntervalMs = interval(inputs, 'monitor-interval', DEFAULT_MONITOR_INTERVAL_MS);
  const sampleTimeoutMs = interval(inputs, 'monitor-timeout', DEFAULT_MONITOR_TIMEOUT_MS, MAX_PROBE_TIMEOUT_MS);
  const healthTimeoutMs = interval(inputs, 'health-timeout', defaultHealthTimeoutMs(healthIntervalMs), MAX_PROBE_TIMEOUT_MS);
  const patternText = trimmedValue(inputs, 'log-error-pattern');
  // A setting that would change nothing is an error; the defaults themselves are not (the Action passes them always).
  if (patternText !== undefined && patternText !== DEFAULT_LOG_ERROR_PATTERN && logsCommand === undefined) {
    throw new InputError('log-error-pattern', 'is set but logs-command is not');
  }
  if (healthIntervalMs !== DEFAULT_HEALTH_INTERVAL_MS && healthText === undefined) throw new InputError('health-interval', 'is set but health-url is not');
  if (trimmedValue(inputs, 'health-timeout') !== undefined && healthText === undefined) throw new InputError('health-timeout', 'is set but health-url is not');
  const noMonitors = monitorText === undefined && metricsText === undefined;
  if (monitorIntervalMs !== DEFAULT_MONITOR_INTERVAL_MS && noMonitors) throw new InputError('monitor-interval', 'is set but neither monitor nor metrics-url is');
  if (sampleTimeoutMs !== DEFAULT_MONITOR_TIMEOUT_MS && noMonitors) throw new InputError('monitor-timeout', 'is set but neither monitor nor metrics-url is');
  if (!healthText && !metricsText && !monitorText && !logsCommand) return null;

  let health: ServerSpec['health'] = null;
  if (healthText !== undefined) {
    const u = ctx.resolve('health-url', healthText);
    health = { url: u.href, displayUrl: redactUrl(u.href), intervalMs: healthIntervalMs, timeoutMs: healthTimeoutMs, headers: ctx.headersFor(u) };
  }
  let metrics: ServerSpec['metrics'] = null;
  if (metricsText !== undefined) {
    const u = ctx.resolve('metrics-url', metricsText);
    metrics = { url: u.href, displayUrl: redactUrl(u.href), headers: ctx.headersFor(u) };
  }

  const monitors = monitorText === undefined ? [] : parseMonitors(monitorText, metrics !== null);
  if (metrics !== null) {
    for (const d of DEFAULT_METRIC_MONITORS) {
      if (!monitors.some((m) => m.name === d.name)) monitors.push({ name: d.name, source: { kind: 'metric', series: d.series, rate: d.rate } });
    }
  }
  if (monitors.length > MAX_MONITORS) throw new InputError('monitor', `${monitors.length} monitors: at most ${MAX_MONITORS}`);

  let logs: ServerSpec['logs'] = null;
  if (logsCommand !== undefined) {
    const text = patternText ?? DEFAULT_LOG_ERROR_PATTERN;
    logs = { command: logsCommand, errorPattern: compileLogPattern(text), patternText: text };
  }

  return { health, monitors, monitorIntervalMs, sampleTimeoutMs, metrics, logs, secrets: ctx.secrets };
}

/** `NAME: command` lines (blank and `#` lines skipped); `NAME: metric:SERIES` reads metrics-url. */
export function parseMonitors(text: string, hasMetricsUrl: boolean): MonitorSpec[] {
  const out: MonitorSpec[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `line ${i + 1}`;
    const colon = line.indexOf(':');
    if (colon < 0) throw new InputError('monitor', `${where}: expected "NAME: command", found "${line.slice(0, 60)}"`);
    const name = line.slice(0, colon).trim();
    const rest = line.slice(colon + 1).trim();
    if (!NAME_RE.test(name)) {
      throw new InputError('monitor', `${where}: "${name.slice(0, 60)}" is not a monitor name (a letter, then letters, digits, _ or -; used as monitor.${'NAME'}.max in criteria)`);
    }
    if (out.some((m) => m.name === name)) throw new InputError('monitor', `${where}: monitor "${name}" is defined twice`);
    if (rest === '') throw new InputError('monitor', `${where}: monitor "${name}" has no command`);
    if (rest.startsWith('metric:')) {
      const series = rest.slice('metric:'.length).trim();
      if (!hasMetricsUrl) throw new InputError('monitor', `${where}: "${name}: metric:…" reads metrics-url, which is not set`);
      if (!SERIES_RE.test(series)) {
        throw new InputError('monitor', `${where}: "${series.slice(0, 80)}" is not a series selector (e.g. process_open_fds or http_requests_in_flight{handler="/chat"})`);
      }
      out.push({ name, source: { kind: 'metric', series, rate: /_total(\{|$)/.test(series) } });
    } else {
      out.push({ name, source: { kind: 'command', command: rest } });
    }
  });
  return out;
}

/** A criterion on a server metric needs its source: health-url, logs-command, or a monitor of that name. */
export function checkServerCriteria(
  criteria: ReadonlyArray<{ line: number; metric: { name: string }; value: { kind: string; metric?: { name: string } } }>,
  server: ServerSpec | null,
): void {
  for (const c of criteria) {
    const names = [c.metric.name, ...(c.value.kind === 'factor' && c.value.metric ? [c.value.metric.name] : [])];
    for (const name of names) {
      if (name !== 'log_errors' && !name.startsWith('health.') && monitorOf(name) === null) continue;
      const where = `line ${c.line}: ${name}`;
      if (name.startsWith('health.') && !server?.health) throw new InputError('criteria', `${where} needs health-url`);
      if (name === 'log_errors' && !server?.logs) throw new InputError('criteria', `${where} needs logs-command`);
      const mon = monitorOf(name);
      if (mon !== null && !server?.monitors.some((m) => m.name === mon)) {
        const known = server?.monitors.map((m) => m.name) ?? [];
        throw new InputError('criteria', `${where}: no monitor named "${mon}" (${known.length ? `monitors: ${known.join(', ')}` : 'set monitor or metrics-url'})`);
      }
    }
  }
}
