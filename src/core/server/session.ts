// One server-side session around the load: health probe, monitors and log follower started before
// stage 1, told when each stage starts and ends, stopped after the last stage's cool-down. Never
// throws because of the server: what fails is a warning in the section.

import { now } from '../time/clock.js';
import { HealthProbe } from './health.js';
import { LogFollower } from './logs.js';
import { Monitors } from './monitors.js';
import { summarizeServer } from './summarize.js';
import { oneLine } from './text.js';
import type { MonitorUnit } from '../metric-names.js';
import { formatSample } from './units.js';
import type { Phase, ServerSection, ServerSpec } from './types.js';

/** Lets a log follower open its file before stage 1 (tail -n0 misses lines written before it looks). */
const LOG_SETTLE_MS = 300;

export interface SessionOptions {
  log?: (line: string) => void;
  /** Pause after the last stage before the idle-after samples (the run's cool-down). */
  cooldownMs: number;
  /**
   * The run's cancel (SIGINT/SIGTERM): the probe and the samples in flight are aborted and every
   * command is killed at once, while the load winds down, so the partial report is not held up.
   */
  signal?: AbortSignal;
}

export class ServerSession {
  private phase: Phase = 'before';
  private readonly origin = now();
  private readonly boundaries: ServerSection['boundaries'] = [];
  private readonly users = new Map<number, number>();
  private readonly warnings: string[] = [];
  private readonly health: HealthProbe | null;
  private readonly monitors: Monitors | null;
  private readonly logs: LogFollower | null;
  private idleHealth: number | null = null;
  private finishedAt: number | null = null;
  private closed = false;

  private constructor(
    private readonly spec: ServerSpec,
    private readonly opts: SessionOptions,
  ) {
    const warn = (m: string): void => this.warn(m);
    const phase = (): Phase => this.phase;
    this.health = spec.health
      ? new HealthProbe(
          {
            url: spec.health.url,
            intervalMs: spec.health.intervalMs,
            timeoutMs: spec.health.timeoutMs,
            headers: spec.health.headers,
            secrets: spec.secrets,
            ...(opts.signal ? { signal: opts.signal } : {}),
          },
          this.origin,
          phase,
        )
      : null;
    this.monitors = spec.monitors.length > 0 ? new Monitors(spec, this.origin, warn, opts.signal) : null;
    this.logs = spec.logs ? new LogFollower(spec.logs.command, spec.logs.errorPattern, spec.secrets, phase, warn) : null;
    opts.signal?.addEventListener('abort', () => void this.logs?.stop(), { once: true });
  }

  private warn(message: string): void {
    const line = oneLine(message, this.spec.secrets, 400);
    if (this.warnings.length < 50) this.warnings.push(line);
    this.opts.log?.(`server: ${line}`);
  }

  /** Starts the log follower, takes the idle samples (monitors, one health probe). */
  static async start(spec: ServerSpec, opts: SessionOptions): Promise<ServerSession> {
    const s = new ServerSession(spec, opts);
    const parts: string[] = [];
    if (spec.health) parts.push(`health ${spec.health.displayUrl} every ${spec.health.intervalMs} ms`);
    if (spec.monitors.length) parts.push(`monitors ${spec.monitors.map((m) => m.name).join(', ')} every ${spec.monitorIntervalMs} ms`);
    if (spec.logs) parts.push('logs-command');
    opts.log?.(`server: ${parts.join('; ')}`);
    if (s.logs && !opts.signal?.aborted) {
      s.logs.start();
      await new Promise((r) => setTimeout(r, LOG_SETTLE_MS));
    }
    const idle: Promise<unknown>[] = [];
    if (s.monitors) idle.push(s.monitors.idle('before'));
    if (s.health) {
      // Two probes, the faster counts: the first one also pays for the connection.
      idle.push(
        (async () => {
          const a = await s.health!.once();
          if (a === null) return;
          const b = a.ok ? ((await s.health!.once()) ?? a) : a;
          s.idleHealth = a.ok && b.ok ? Math.min(a.ms, b.ms) : a.ok ? a.ms : null;
          if (!a.ok) s.warn(`health-url failed before stage 1: ${a.error}`);
        })(),
      );
    }
    await Promise.all(idle);
    return s;
  }

  /** Each monitor's unit once it printed a number (after start: its idle sample), with that first sample as shown. */
  monitorUnits(): Map<string, { unit: MonitorUnit; sample: string }> {
    const out = new Map<string, { unit: MonitorUnit; sample: string }>();
    for (const st of this.monitors?.states ?? []) {
      const first = st.samples[0];
      if (st.unit !== null && first) out.set(st.spec.name, { unit: st.unit, sample: formatSample(first.value, st.unit) });
    }
    return out;
  }

  stageStart(index: number, users: number): void {
    this.phase = index;
    this.users.set(index, users);
    this.boundaries.push({ index, users, start: now() - this.origin, end: null });
    // The probe and the monitors run from the start of the first stage.
    this.health?.start();
    this.monitors?.start(() => this.phase);
    if (index > 1 || this.boundaries.length > 1) {
      this.health?.kick();
      this.monitors?.kick();
    }
  }

  stageEnd(index: number): void {
    const b = [...this.boundaries].reverse().find((x) => x.index === index && x.end === null);
    if (b) b.end = now() - this.origin;
  }

  /** After the last stage: stops the probe and the sampling, waits the cool-down, takes the idle-after samples, stops the logs. */
  async finish(opts: { quick?: boolean } = {}): Promise<ServerSection> {
    const after = this.boundaries.length > 0 && !opts.quick && !this.opts.signal?.aborted;
    // The probe and the samples in flight end (within their own timeouts) during the cool-down, not after it.
    const cooldown = after && this.opts.cooldownMs > 0 ? new Promise((r) => setTimeout(r, this.opts.cooldownMs)) : null;
    await Promise.all([this.health?.stop(), this.monitors?.stop(), cooldown]);
    // Lines that arrive during the cool-down still belong to the last stage.
    await this.logs?.stop();
    this.phase = 'after';
    if (after) await this.monitors?.idle('after');
    this.finishedAt = now() - this.origin;
    await this.close();
    return summarizeServer({
      spec: this.spec,
      boundaries: this.boundaries,
      users: this.users,
      finishedAt: this.finishedAt,
      idleHealth: this.idleHealth,
      probes: this.health?.probes ?? null,
      monitors: this.monitors?.states ?? [],
      logs: this.logs ? { counts: this.logs.counts, warning: this.logs.warning, stoppedIn: this.logs.stoppedIn } : null,
      warnings: this.warnings,
    });
  }

  /** Ends every command and connection (also when the run failed). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.health?.close(), this.monitors?.close(), this.logs?.stop()]);
  }
}
