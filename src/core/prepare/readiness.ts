// `wait-for`: polling the preview before the load, a step of its own before the run (config/ only
// describes it). Network I/O, so not in config/.
import { Agent, type Dispatcher } from 'undici';
import { now } from '../time/clock.js';
import { shorten } from '../load/presets/json.js';
import { redactUrl } from '../redact.js';
import { plural } from '../format.js';
import { formatDuration } from '../time/duration.js';
import type { ReadinessSpec } from '../config/readiness.js';

export interface ReadinessOptions {
  /** First pause between attempts (default 500 ms); doubled after each attempt up to `maxDelayMs`. */
  initialDelayMs?: number;
  /** Largest pause between attempts (default 10 s). */
  maxDelayMs?: number;
  /** Longest single attempt (default 10 s). */
  attemptTimeoutMs?: number;
  /** A cancel ends the wait at once (the run then reports itself cancelled). */
  signal?: AbortSignal;
}

/** The target did not become ready within `wait-timeout`: carries the last answer. */
export class NotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotReadyError';
  }
}

export interface OnceResult {
  /** Null when no answer came (then `error` says why). */
  status: number | null;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  error: string;
}

/**
 * One bounded request (login, readiness): no redirects followed, at most `limit` bytes of the body
 * read, `timeoutMs` for the whole exchange. Always resolves.
 */
export async function requestOnce(
  dispatcher: Dispatcher,
  opts: { url: string; method: 'GET' | 'POST'; headers: Record<string, string>; body: string | null; timeoutMs: number; limit: number; signal?: AbortSignal },
): Promise<OnceResult> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), opts.timeoutMs);
  const cancel = (): void => ac.abort();
  opts.signal?.addEventListener('abort', cancel, { once: true });
  try {
    const u = new URL(opts.url);
    const res = await dispatcher.request({
      origin: u.origin,
      path: `${u.pathname}${u.search}`,
      method: opts.method,
      headers: opts.headers,
      body: opts.body,
      signal: ac.signal,
    });
    const parts: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        const b = chunk as Buffer;
        parts.push(b);
        size += b.length;
        if (size >= opts.limit) break; // leaving the loop destroys the body
      }
    } catch {
      /* a body cut short still has its status; what was read is kept */
    }
    const text = Buffer.concat(parts).subarray(0, opts.limit).toString('utf8');
    return { status: res.statusCode, headers: res.headers, text, error: '' };
  } catch (err) {
    const e = err as Error & { code?: string };
    const message = ac.signal.aborted ? `no answer within ${formatDuration(opts.timeoutMs)}` : `${e.code ? `${e.code} ` : ''}${e.message}`.trim();
    return { status: null, headers: {}, text: '', error: message };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', cancel);
  }
}

/** One line of what an answer said, for logs and errors. */
function describe(res: OnceResult, excerpt: number): string {
  if (res.status === null) return res.error;
  let s = `HTTP ${res.status}`;
  const location = res.headers.location;
  if (res.status >= 300 && res.status < 400 && typeof location === 'string') s += ` → ${redactUrl(location)} (redirects are not followed)`;
  const body = shorten(res.text).slice(0, excerpt);
  return body ? `${s}: ${body}` : s;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((r) => {
    const timer = setTimeout(r, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), r()), { once: true });
  });

/**
 * Polls `spec.url` until it answers 2xx: exponential backoff with a cap, one log line per attempt,
 * never longer than `timeoutMs` (plus one short final attempt). Throws NotReadyError with the last
 * status and a body excerpt when the time is up.
 */
export async function waitForReady(spec: ReadinessSpec, opts: ReadinessOptions & { log?: (line: string) => void } = {}): Promise<{ attempts: number; elapsedMs: number }> {
  const initial = opts.initialDelayMs ?? 500;
  const cap = opts.maxDelayMs ?? 10_000;
  const attemptCap = opts.attemptTimeoutMs ?? 10_000;
  const log = opts.log ?? (() => {});
  const start = now();
  const deadline = start + spec.timeoutMs;
  const agent = new Agent({ connect: { timeout: attemptCap }, keepAliveTimeout: 1000 });
  log(`wait-for: polling ${spec.displayUrl} until it answers 2xx (at most ${formatDuration(spec.timeoutMs)})`);
  let delay = initial;
  try {
    for (let attempt = 1; ; attempt++) {
      if (opts.signal?.aborted) {
        log(`wait-for: cancelled after ${attempt - 1} attempt${attempt === 2 ? '' : 's'}`);
        return { attempts: attempt - 1, elapsedMs: now() - start };
      }
      const timeoutMs = Math.min(attemptCap, Math.max(deadline - now(), 250));
      const res = await requestOnce(agent, {
        url: spec.url,
        method: 'GET',
        headers: spec.headers(),
        body: null,
        timeoutMs,
        limit: 2048,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (res.status !== null && res.status >= 200 && res.status < 300) {
        log(`wait-for: attempt ${attempt}: HTTP ${res.status}, ready after ${formatDuration(now() - start)}`);
        return { attempts: attempt, elapsedMs: now() - start };
      }
      const left = deadline - now();
      if (left <= 0) {
        throw new NotReadyError(
          `wait-for: ${spec.displayUrl} was not ready within ${formatDuration(spec.timeoutMs)} (${plural(attempt, 'attempt')}); last answer: ${describe(res, 200)}`,
        );
      }
      const pause = Math.min(delay, left);
      log(`wait-for: attempt ${attempt}: ${describe(res, 80)}; next try in ${formatDuration(pause)}`);
      await sleep(pause, opts.signal);
      delay = Math.min(delay * 2, cap);
    }
  } finally {
    await agent.destroy();
  }
}
