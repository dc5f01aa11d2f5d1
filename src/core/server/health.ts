// The health probe: a GET on its own connection every interval from the start of stage 1 to the end
// of the last stage. Never more than one in flight: a probe slower than the interval delays the next
// and is measured to its end, up to its own short timeout (health-timeout), past which it is a failed
// probe. A cancel aborts the probe in flight (not recorded: the run was cut, not the server).

import { Client } from 'undici';
import { now } from '../time/clock.js';
import { oneLine } from './text.js';
import type { Phase } from './types.js';

export interface Probe {
  phase: Phase;
  /** ms since the session's origin, at the probe's start. */
  t: number;
  /** Latency to the end of the answer (ms), also for failures that got one. */
  ms: number;
  ok: boolean;
  error: string | null;
}

export interface HealthOptions {
  url: string;
  intervalMs: number;
  timeoutMs: number;
  headers: () => Record<string, string>;
  secrets: readonly string[];
  /** The run's cancel: ends the loop and aborts the probe in flight. */
  signal?: AbortSignal;
}

export class HealthProbe {
  readonly probes: Probe[] = [];
  private readonly client: Client;
  private readonly path: string;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly opts: HealthOptions,
    private readonly origin: number,
    private readonly phase: () => Phase,
  ) {
    opts.signal?.addEventListener('abort', () => this.wake?.(), { once: true });
    const u = new URL(opts.url);
    this.path = `${u.pathname}${u.search}`;
    // One connection of its own: the probe never queues behind the load's requests.
    this.client = new Client(u.origin, { pipelining: 1, connect: { timeout: opts.timeoutMs }, keepAliveTimeout: 60_000 });
  }

  /** One probe, not recorded in `probes`; null when the run was cancelled. */
  async once(): Promise<Probe | null> {
    const cancel = this.opts.signal;
    if (cancel?.aborted) return null;
    const t0 = now();
    const phase = this.phase();
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
    try {
      const res = await this.client.request({
        path: this.path,
        method: 'GET',
        headers: this.opts.headers(),
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
        signal,
      });
      await res.body.dump({ limit: 1024 * 1024, signal });
      const ms = now() - t0;
      const ok = res.statusCode >= 200 && res.statusCode < 400;
      return { phase, t: t0 - this.origin, ms, ok, error: ok ? null : `HTTP ${res.statusCode}` };
    } catch (err) {
      if (cancel?.aborted) return null;
      const ms = now() - t0;
      const e = err as { name?: string; code?: string; message?: string };
      const timedOut = e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT';
      const message = timedOut
        ? `no answer within ${Math.round(this.opts.timeoutMs)} ms`
        : oneLine(e.code ? `${e.code}: ${e.message ?? ''}` : (e.message ?? String(err)), this.opts.secrets, 200);
      return { phase, t: t0 - this.origin, ms, ok: false, error: message };
    }
  }

  start(): void {
    if (this.running || this.opts.signal?.aborted) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running && !this.opts.signal?.aborted) {
        const started = now();
        const probe = await this.once();
        if (probe) this.probes.push(probe);
        const wait = this.opts.intervalMs - (now() - started);
        if (this.running && wait > 0)
          await new Promise<void>((r) => {
            const timer = setTimeout(r, wait);
            this.wake = () => {
              clearTimeout(timer);
              r();
            };
          });
        this.wake = null;
      }
    })();
  }

  /** Starts the next probe now if none is in flight (a new stage gets a probe at its start). */
  kick(): void {
    this.wake?.();
  }

  /** Stops after the probe in flight (measured to its end, bounded by the timeout). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.client.destroy();
  }
}
