import type { Dispatcher } from 'undici';
import { now, toEpoch } from '../time/clock.js';
import type { WireWatch } from './concurrency.js';
import type { Connection } from './connection.js';
import { classify, TimeoutAbort } from './failure.js';
import { notAStream, ResponseBody } from './response-body.js';
import { EventKind, type Preset, type PresetSession } from './presets/types.js';
import { createStreamParser, detectFormat, isJsonDocument, type ParserFormat, type StreamParser } from './stream-parser.js';
import type { FailureCategory, RequestRecord, StreamFormat } from '../types.js';

export interface RequestSpec {
  origin: string;
  path: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  timeoutMs: number;
  format: StreamFormat;
  preset: Preset;
  /** The largest single event held in memory (max-event-size); unbounded when not set. */
  maxEventBytes?: number;
  /** Cancels the request: it ends as `cancelled` (still counted). */
  signal?: AbortSignal;
}

export interface RequestIds {
  stage: number;
  user: number;
  iteration: number;
}

/**
 * Sends one request on a user's connection through undici's dispatcher API (no fetch/stream layers:
 * they cost CPU and blur the timings) and records its timeline. Always resolves; failures are
 * categorised.
 */
export function performRequest(conn: Connection, spec: RequestSpec, ids: RequestIds): Promise<RequestRecord> {
  return new Promise((resolve) => sendRequest(conn, spec, ids, resolve));
}

/** A request in flight, as its sender holds it. */
export interface InFlight {
  /** Ends the request now as `cancelled` (still counted); nothing when it has its verdict already. */
  cancel(): void;
}

/**
 * performRequest with a callback. A response that completes (any status) is delivered synchronously,
 * inside undici's completion callback, so a user's next request can be dispatched while undici still
 * has the socket in hand: it is then written at once instead of a check phase later (connection.ts).
 * That is the one re-entry undici supports (its own pipelining does it). Every other verdict — a
 * connect or socket error, a reset, a timeout, an abort — is delivered in a microtask, once undici's
 * stack has unwound: on those paths undici fails its whole queue and asserts it stays empty
 * (client.js onError), so a request dispatched from inside them would crash the process.
 * `scheduled` (monotonic ms, a rate stage's arrival) becomes the request's t0: its times count from
 * when it was due, and how late the client sent it is its `lateness`.
 */
export function sendRequest(conn: Connection, spec: RequestSpec, ids: RequestIds, done: (r: RequestRecord) => void, scheduled?: number, watch?: WireWatch): InFlight {
  const exchange = new Exchange(conn, spec, ids, done, watch);
  exchange.start(scheduled);
  return exchange;
}

/** One request from t0 to its verdict; the methods below follow it in the order things happen. */
class Exchange implements InFlight {
  private readonly rec: RequestRecord;
  private readonly session: PresetSession;
  private t0 = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  done = false;
  /** The current attempt (a request is sent at most twice: see failed). */
  attempt = 0;
  private freshSocket = false;
  /** Counted on the wire by the stage's meter (from its first handover to a socket to its verdict). */
  private onWire = false;
  private abortFn: ((err: Error) => void) | null = null;
  body: ResponseBody | null = null;
  private streamError: string | null = null;
  private lastEvent = 0;
  /** Usage per chunk: content events, those that brought new tokens, the last token count and when it came. */
  private contentEvents = 0;
  private usageEvents = 0;
  private lastTokens = 0;
  private lastTokenAt = -1;
  private parser: StreamParser | null = null;
  /** A listener on spec.signal, for a request sent alone (warm-up); a stage cancels its users' requests itself. */
  private readonly onCancel = (): void => this.cancel();

  constructor(
    private readonly conn: Connection,
    private readonly spec: RequestSpec,
    ids: RequestIds,
    private readonly resolve: (r: RequestRecord) => void,
    private readonly watch?: WireWatch,
  ) {
    this.session = spec.preset.start();
    this.rec = newRecord(ids);
  }

  /** t0 (now, or the scheduled arrival), the deadline, the first attempt. */
  start(scheduled?: number): void {
    const t = now();
    this.t0 = scheduled ?? t;
    if (scheduled !== undefined) this.rec.lateness = Math.max(0, t - scheduled);
    this.rec.startedAt = toEpoch(this.t0);
    this.timer = setTimeout(() => this.timeOut(), Math.max(0, this.spec.timeoutMs - (t - this.t0)));
    this.spec.signal?.addEventListener('abort', this.onCancel, { once: true });
    this.dispatch();
  }

  private dispatch(): void {
    const handler = new Attempt(this, ++this.attempt);
    const { spec } = this;
    try {
      this.conn.dispatcher.dispatch(
        {
          origin: spec.origin,
          path: spec.path,
          method: spec.method as Dispatcher.HttpMethod,
          headers: spec.headers,
          body: spec.body,
          // Our own timer owns the deadline; undici's idle timers would misreport long gaps.
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        handler,
      );
    } catch (err) {
      this.finish(...classify(err as Error, 'connect'));
    }
  }

  cancel(): void {
    if (!this.done) this.abort('cancelled', 'cancelled: the run was stopped while this request was in flight', new Error('cancelled'));
  }

  /** The request is handed to a socket, just before it is written: `connect` is 0 on a reused one. */
  /** @internal for Attempt */
  connected(abort: (err: Error) => void): void {
    this.abortFn = abort;
    if (this.done) return abort(new Error('aborted'));
    if (!this.onWire && this.watch) {
      this.onWire = true;
      this.watch.onWire();
    }
    this.freshSocket = this.conn.takeFresh();
    this.rec.connect = this.freshSocket ? now() - this.t0 : 0;
  }

  /** @internal for Attempt */
  headers(statusCode: number, rawHeaders: Buffer[]): void {
    const { rec, spec } = this;
    rec.ttfb = now() - this.t0;
    rec.status = statusCode;
    const head = readHeaders(rawHeaders);
    const ok = statusCode >= 200 && statusCode < 300;
    const notStream = ok && spec.format !== 'raw' ? notAStream(head.contentType) : null;
    if (notStream !== null) return this.abort('protocol', notStream, new Error(notStream));
    const limits = {
      maxEventBytes: spec.maxEventBytes ?? Infinity,
      onOverflow: (message: string) => this.abort('protocol', message, new Error(message)),
    };
    const parser = ok ? createStreamParser(parserFormat(spec, head.contentType), spec.preset.needsText, (d, n, t) => this.event(d, n, t), limits) : null;
    this.parser = parser;
    const body = new ResponseBody(parser, head.encoding, {
      complete: () => this.complete(head.contentType),
      // A body that cannot be decoded fails a 2xx response; an error status already says it failed.
      undecodable: (e) => (ok ? this.abort('protocol', `cannot decode ${head.encoding}: ${e.message}`, e) : this.complete(head.contentType)),
    });
    if (body.compressed) rec.encoding = head.encoding; // a compressed stream: a likely cause when it arrives held back
    this.body = body;
  }

  /** @internal for Attempt */
  data(chunk: Buffer): void {
    this.rec.bytes += chunk.length;
    this.body?.write(chunk);
    // In-band error: the request has failed; stop reading the rest.
    if (this.streamError !== null && this.abortFn) {
      this.abort('stream_error', this.streamError, new Error('in-band error'));
    }
  }

  /** A complete event, stamped with the arrival of the chunk that completed it. */
  private event(data: string, name: string | undefined, t: number): void {
    if (this.streamError !== null) return;
    const { rec } = this;
    const rel = t - this.t0;
    if (rec.events === 0) rec.ttfc = rel;
    else {
      const gap = t - this.lastEvent;
      rec.gaps!.push(gap);
      if (rec.stall === null || gap > rec.stall) rec.stall = gap;
    }
    this.lastEvent = t;
    rec.events++;
    const kind = this.session.event(data, name);
    // ttft: the first content token; a model that reasons first has its first reasoning token as ttfr.
    if (kind === EventKind.Content) {
      if (rec.ttft === null) rec.ttft = rel;
    } else if (kind === EventKind.Reasoning) {
      if (rec.ttfr === undefined) rec.ttfr = rel;
    } else if (kind === EventKind.Error) {
      this.streamError = this.session.error ?? 'in-band error';
    }
    const tokens = this.session.tokens;
    if (tokens !== undefined && tokens > this.lastTokens) this.tokensCame(tokens, t, kind);
    else if (kind === EventKind.Content || kind === EventKind.Reasoning) this.contentEvents++;
  }

  /**
   * The server's usage grew with this event (vLLM continuous_usage_stats sends it with every chunk):
   * the time since the last tokens came, shared by the tokens this event brought, is per-token ITL.
   */
  private tokensCame(tokens: number, t: number, kind: EventKind): void {
    if (kind === EventKind.Content || kind === EventKind.Reasoning) {
      this.contentEvents++;
      this.usageEvents++;
    }
    const brought = tokens - this.lastTokens;
    if (this.lastTokenAt >= 0) {
      const gaps = (this.rec.tokenGaps ??= []);
      const per = (t - this.lastTokenAt) / brought;
      for (let i = 0; i < brought; i++) gaps.push(per);
    }
    this.lastTokens = tokens;
    this.lastTokenAt = t;
  }

  /** The response ended normally: its verdict, delivered at once (see sendRequest). */
  /** @internal for Attempt */
  complete(contentType: string): void {
    const [category, message] = this.verdict(contentType);
    if (this.settle(category, message)) this.resolve(this.rec);
  }

  private verdict(contentType: string): [FailureCategory | null, string | null] {
    const status = this.rec.status ?? 0;
    if (status < 200 || status >= 300) {
      const cat: FailureCategory = status >= 500 ? 'http_5xx' : status >= 400 ? 'http_4xx' : 'protocol';
      const text = this.body?.errorText.trim() ?? '';
      return [cat, `HTTP ${status}${text ? `: ${text}` : ''}`];
    }
    this.body?.parserEnd(now());
    if (this.streamError !== null) return ['stream_error', this.streamError];
    if (this.rec.events === 0) {
      const garbage = this.parser?.noEventReason?.(this.rec.bytes) ?? null;
      return garbage !== null ? ['protocol', garbage] : ['empty', 'the stream ended without an event'];
    }
    const verdict = this.session.finish(contentType);
    if (verdict) return [verdict.category, verdict.message];
    return [null, null];
  }

  /**
   * A socket error. When the server closed a reused socket before any byte of the response, the
   * request is sent once more on a new connection, as browsers do (a keep-alive race, not a failure
   * of the server); its t0 stays, so the user's whole wait is measured.
   */
  /** @internal for Attempt */
  failed(err: Error): void {
    const [category, message] = classify(err, this.rec.events > 0 ? 'stream' : this.rec.status !== null ? 'headers' : 'connect');
    const replayable = category === 'connection' && this.rec.status === null && this.rec.bytes === 0;
    if (replayable && !this.freshSocket && this.rec.connect !== null && this.rec.retried !== true) {
      this.rec.retried = true;
      this.rec.connect = null;
      this.abortFn = null;
      return this.dispatch();
    }
    this.finish(category, message);
  }

  private timeOut(): void {
    if (this.done) return;
    const err = new TimeoutAbort(this.spec.timeoutMs);
    this.abort('timeout', err.message, err);
  }

  /** Records the failure, then stops reading the response. */
  private abort(category: FailureCategory, message: string, err: Error): void {
    if (!this.settle(category, message)) return;
    // The socket goes before the user hears of it: its next request must not be written onto the
    // socket being torn down behind this one.
    this.abortFn?.(err);
    this.deliverLater();
  }

  /** A verdict other than a completed response: delivered once undici's stack has unwound (see sendRequest). */
  private finish(category: FailureCategory | null, message: string | null): void {
    if (this.settle(category, message)) this.deliverLater();
  }

  private deliverLater(): void {
    queueMicrotask(() => this.resolve(this.rec));
  }

  /** Fills in the verdict once; false when the request had one already. */
  private settle(category: FailureCategory | null, message: string | null): boolean {
    if (this.done) return false;
    this.done = true;
    clearTimeout(this.timer);
    if (this.onWire) this.watch!.onOff();
    this.spec.signal?.removeEventListener('abort', this.onCancel);
    const { rec } = this;
    rec.total = now() - this.t0;
    rec.category = category;
    rec.ok = category === null;
    rec.error = message;
    if (this.session.tokens !== undefined) rec.tokens = this.session.tokens;
    // Per-token gaps only when every content event carried its usage; else itl stays per event.
    if (rec.tokenGaps !== undefined && (this.usageEvents < this.contentEvents || this.usageEvents < 2)) delete rec.tokenGaps;
    // Kept in memory for the pooled itl figures, never written: not enumerable, so the report needs no copy without it.
    Object.defineProperty(rec, 'gaps', { enumerable: false });
    if (rec.tokenGaps !== undefined) Object.defineProperty(rec, 'tokenGaps', { enumerable: false });
    return true;
  }
}

/**
 * undici's handler for one attempt of an exchange: one object per attempt, not six closures per
 * request. A retry supersedes the attempt before it: what undici still says about that one is dropped.
 */
class Attempt implements Dispatcher.DispatchHandler {
  constructor(
    private readonly x: Exchange,
    private readonly n: number,
  ) {}

  private get current(): boolean {
    return this.n === this.x.attempt && !this.x.done;
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.n !== this.x.attempt) return abort(new Error('superseded'));
    this.x.connected(abort as (err: Error) => void);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (this.current) this.x.headers(statusCode, rawHeaders);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.current) this.x.data(chunk);
    return true;
  }

  onComplete(): void {
    if (!this.current) return;
    if (this.x.body)
      this.x.body.end(); // a decoder completes the request once it has flushed
    else this.x.complete('');
  }

  // Never acted on inside undici (see sendRequest): a retry or the next request dispatched here would re-enter it.
  onError(err: Error): void {
    if (this.current) queueMicrotask(() => this.current && this.x.failed(err));
  }
}

function newRecord(ids: RequestIds): RequestRecord {
  return {
    stage: ids.stage,
    user: ids.user,
    iteration: ids.iteration,
    startedAt: 0,
    status: null,
    ok: false,
    category: null,
    error: null,
    connect: null,
    ttfb: null,
    ttfc: null,
    ttft: null,
    total: null,
    stall: null,
    events: 0,
    bytes: 0,
    gaps: [],
  };
}

function readHeaders(rawHeaders: Buffer[]): { contentType: string; encoding: string } {
  let contentType = '';
  let encoding = '';
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toString('latin1').toLowerCase();
    if (name === 'content-type') contentType = rawHeaders[i + 1]!.toString('latin1');
    else if (name === 'content-encoding') encoding = rawHeaders[i + 1]!.toString('latin1').trim().toLowerCase();
  }
  return { contentType, encoding };
}

function parserFormat(spec: RequestSpec, contentType: string): ParserFormat {
  if (spec.format !== 'auto') return spec.format;
  if (spec.preset.jsonDocument === true && isJsonDocument(contentType)) return 'document';
  return detectFormat(contentType, spec.preset.fallbackFormat);
}
