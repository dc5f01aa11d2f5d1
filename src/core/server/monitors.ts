// Resource monitors: each command (and the metrics-url scrape, shared by its series) sampled once
// before stage 1, every interval during the run and once after the cool-down. One sample in flight
// per source, bounded by monitor-timeout; a failed, hung or number-less sample is a warning and a
// gap, never a stop. A cancel kills the commands and aborts the scrape in flight (no warning).

import { Agent } from 'undici';
import { now } from '../time/clock.js';
import { startCommand, type RunningCommand } from './command.js';
import { parseSelector, scrape, selectValue, type Scrape, type Selector } from './prometheus.js';
import { oneLine } from './text.js';
import type { MonitorUnit } from '../metric-names.js';
import { parseSample } from './units.js';
import type { MonitorSpec, Phase, ServerSpec } from './types.js';

export interface RawSample {
  t: number;
  phase: Phase;
  value: number;
}

export interface MonitorState {
  spec: MonitorSpec;
  unit: MonitorUnit | null;
  samples: RawSample[];
  failures: number;
  warnings: string[];
}

const MAX_WARNINGS = 5;
/** Gap between the two scrapes of an idle sample, so counters (cpu) have a rate. */
const IDLE_RATE_GAP_MS = 250;

type Warn = (message: string) => void;

/** One sampling source: a command monitor, or the scrape behind every metric monitor. */
interface Source {
  /** Takes one sample of every monitor it feeds. */
  sample(phase: Phase, idle: boolean): Promise<void>;
}

export class Monitors {
  readonly states: MonitorState[];
  private readonly sources: Source[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private wakes = new Set<() => void>();
  private agent: Agent | null = null;
  /** Monitor commands under way (killed by a cancel). */
  private readonly commands = new Set<RunningCommand>();

  constructor(
    private readonly spec: ServerSpec,
    private readonly origin: number,
    private readonly warn: Warn,
    private readonly signal?: AbortSignal,
  ) {
    // One listener for every command (20 monitors must not add 20 listeners to the run's signal).
    signal?.addEventListener(
      'abort',
      () => {
        for (const c of this.commands) void c.kill();
        this.kick();
      },
      { once: true },
    );
    this.states = spec.monitors.map((m) => ({ spec: m, unit: null, samples: [], failures: 0, warnings: [] }));
    const metricStates = this.states.filter((s) => s.spec.source.kind === 'metric');
    for (const st of this.states) if (st.spec.source.kind === 'command') this.sources.push(this.commandSource(st, st.spec.source.command));
    if (metricStates.length > 0 && spec.metrics) {
      this.agent = new Agent({ connections: 1, pipelining: 1, connect: { timeout: spec.sampleTimeoutMs } });
      this.sources.push(this.metricSource(metricStates));
    }
  }

  private record(st: MonitorState, phase: Phase, value: number, unit: MonitorUnit): void {
    if (st.unit === null) st.unit = unit;
    else if (st.unit !== unit) {
      this.fail(st, `printed a value in ${unit} after values in ${st.unit}: the sample is dropped`);
      return;
    }
    st.samples.push({ t: now() - this.origin, phase, value });
  }

  private fail(st: MonitorState, message: string): void {
    st.failures++;
    if (st.warnings.length < MAX_WARNINGS && !st.warnings.includes(message)) {
      st.warnings.push(message);
      this.warn(`monitor ${st.spec.name}: ${message}`);
    }
  }

  private commandSource(st: MonitorState, command: string): Source {
    const secrets = this.spec.secrets;
    const timeoutMs = this.spec.sampleTimeoutMs;
    return {
      sample: async (phase) => {
        if (this.signal?.aborted) return;
        const cmd = startCommand(command, { timeoutMs });
        this.commands.add(cmd);
        const r = await cmd.done;
        this.commands.delete(cmd);
        if (this.signal?.aborted) return;
        if (r.timedOut) return this.fail(st, `no answer within ${formatMs(timeoutMs)} (killed; the sample is missing)`);
        const err = r.stderrLastLine ? `: ${oneLine(r.stderrLastLine, secrets, 200)}` : '';
        if (r.exitCode !== 0) return this.fail(st, `exited with ${r.exitCode ?? 'an error'}${err}`);
        const s = parseSample(r.stdout);
        if (s === null) {
          const first = r.stdout.split('\n').find((l) => l.trim() !== '') ?? '';
          return this.fail(st, first ? `printed no number: "${oneLine(first, secrets, 80)}"` : `printed nothing${err}`);
        }
        this.record(st, phase, s.value, s.unit);
      },
    };
  }

  private metricSource(states: MonitorState[]): Source {
    const m = this.spec.metrics!;
    const sels = new Map<MonitorState, Selector>(states.map((s) => [s, parseSelector((s.spec.source as { series: string }).series)]));
    let prev: { t: number; scrape: Scrape } | null = null;
    const take = async (): Promise<{ t: number; scrape: Scrape } | null> => {
      try {
        const s = await scrape(m.url, m.headers(), this.spec.sampleTimeoutMs, this.agent!, this.signal);
        return { t: now(), scrape: s };
      } catch (err) {
        if (this.signal?.aborted) return null;
        const e = err as { name?: string; message?: string; code?: string };
        const msg =
          e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT'
            ? `no answer within ${formatMs(this.spec.sampleTimeoutMs)}`
            : oneLine(e.message ?? String(err), this.spec.secrets, 200);
        for (const st of states) this.fail(st, `metrics-url: ${msg}`);
        return null;
      }
    };
    return {
      sample: async (phase, idle) => {
        let cur = await take();
        if (cur === null) return;
        if (idle && states.some((st) => isRate(st, sels.get(st)!, cur!.scrape))) {
          // An idle rate needs two scrapes of its own (the last one of the run is a cool-down ago).
          prev = cur;
          await new Promise((r) => setTimeout(r, IDLE_RATE_GAP_MS));
          cur = await take();
          if (cur === null) return;
        }
        for (const st of states) {
          const sel = sels.get(st)!;
          const v = selectValue(cur.scrape, sel);
          if (v === null) {
            this.fail(st, `metrics-url has no series ${oneLine(st.spec.source.kind === 'metric' ? st.spec.source.series : '', this.spec.secrets, 80)}`);
            continue;
          }
          const rate = st.spec.source.kind === 'metric' && (st.spec.source.rate || v.counter);
          if (!rate) {
            this.record(st, phase, v.value, sel.name.endsWith('_bytes') ? 'bytes' : 'number');
            continue;
          }
          const p = prev ? selectValue(prev.scrape, sel) : null;
          if (prev && p && cur.t > prev.t) {
            const perSec = Math.max(0, (v.value - p.value) / ((cur.t - prev.t) / 1000));
            // CPU seconds per second is the share of one core: shown as a percentage.
            if (sel.name.endsWith('cpu_seconds_total')) this.record(st, phase, perSec * 100, '%');
            else this.record(st, phase, perSec, 'number');
          }
        }
        prev = cur;
      },
    };
  }

  /** One sample of every monitor at once (idle before / after). */
  async idle(phase: Phase): Promise<void> {
    if (this.signal?.aborted) return;
    await Promise.all(this.sources.map((s) => s.sample(phase, true)));
  }

  start(phase: () => Phase): void {
    if (this.running) return;
    this.running = true;
    this.loops = this.sources.map(async (src) => {
      while (this.running && !this.signal?.aborted) {
        const started = now();
        await src.sample(phase(), false);
        const wait = this.spec.monitorIntervalMs - (now() - started);
        if (this.running && wait > 0) {
          await new Promise<void>((r) => {
            const wake = (): void => {
              clearTimeout(timer);
              this.wakes.delete(wake);
              r();
            };
            const timer = setTimeout(wake, wait);
            this.wakes.add(wake);
          });
        }
      }
    });
  }

  /** Takes the next samples now where none is in flight (a new stage gets samples at its start). */
  kick(): void {
    for (const w of [...this.wakes]) w();
  }

  /** Stops sampling; a sample in flight ends (bounded by the per-sample timeout). */
  async stop(): Promise<void> {
    this.running = false;
    for (const w of [...this.wakes]) w();
    await Promise.all(this.loops);
    this.loops = [];
  }

  async close(): Promise<void> {
    await this.stop();
    await this.agent?.destroy();
  }
}

function isRate(st: MonitorState, sel: Selector, s: Scrape): boolean {
  if (st.spec.source.kind !== 'metric') return false;
  return st.spec.source.rate || (selectValue(s, sel)?.counter ?? false);
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`;
}
