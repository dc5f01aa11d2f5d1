import type { Dispatcher } from 'undici';
import { now, toEpoch } from '../time/clock.js';
import { Attempt, type AttemptOwner } from './attempt.js';
import type { WireWatch } from './concurrency.js';
import type { Connection } from './connection.js';
import { classify, TimeoutAbort } from './failure.js';
import { LiveRecord, type RequestIds } from './record.js';
import { notAStream, parserFormat, readHead, ResponseBody, type BodyOwner } from './response-body.js';
import { EventKind, type Preset, type PresetSession } from './presets/types.js';
import type { EventReceiver, ParserLimits, StreamParser } from './stream-parser.js';
import type { FailureCategory, RequestRecord, StreamFormat } from '../types.js';

export interface RequestSpec {
  origin: string;
  path: string;
  method: string;
  timeoutMs: number;
  format: StreamFormat;
  preset: Preset;
  /** The largest single event held in memory (max-event-size); unbounded when not set. */
  maxEventBytes?: number;
  /** Cancels the request: it ends as `cancelled` (still counted). */
  signal?: AbortSignal;
}

/** A request's own parts, filled in for its stage, user and iteration (LoadTarget.render). */
export interface RenderedRequest {
  headers: Record<string, string>;
  body: string | null;
}

export type { RequestIds } from './record.js';

/**
 * Sends one request on a user's connection through undici's dispatcher API (no fetch/stream layers:
 * they cost CPU and blur the timings) and records its timeline. Always resolves; failures are
 * categorised.
 */
export function performRequest(conn: Connection, spec: RequestSpec, req: RenderedRequest, ids: RequestIds): Promise<RequestRecord> {
  return new Promise((resolve) => sendRequest(conn, spec, req, ids, resolve));
}

/** A request in flight, as its sender holds it. */
export interface InFlight {
  /** Ends the request now as `cancelled` (still counted); nothing when it has its verdict already. */
  cancel(): void;
  /** Its record, filled in as the request goes (complete once its verdict is delivered). */
  readonly record: RequestRecord;
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
export function sendRequest(
  conn: Connection,
  spec: RequestSpec,
  req: RenderedRequest,
  ids: RequestIds,
  done: (r: RequestRecord) => void,
  scheduled?: number,
  watch?: WireWatch,
): InFlight {
  const exchange = new Exchange(conn, spec, req, ids, done, watch);
  exchange.start(scheduled);
  return exchange;
}

/** One request from t0 to its verdict; the methods below follow it in the order things happen. */
class Exchange implements InFlight, BodyOwner, EventReceiver, ParserLimits, AttemptOwner {
  private readonly rec: LiveRecord;
  private contentType = '';
  private readonly session: PresetSession;
  private t0 = 0;
  /** The connection's last read when this request started: a read after it brought this response's bytes. */
  private readBefore = -1;
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
  /** The gaps between events as they come; the record keeps an exact-size copy (settle). */
  private gaps: number[] | null = null;
  /** Usage per chunk: content events, those that brought new tokens, the last token count and when it came. */
  private contentEvents = 0;
  private usageEvents = 0;
  private lastTokens = 0;
  private lastTokenAt = -1;
  private parser: StreamParser | null = null;
  /** A listener on spec.signal, for a request sent alone (warm-up); a stage cancels its users' requests itself. */
  private onCancel: (() => void) | null = null;

  constructor(
    private readonly conn: Connection,
    private readonly spec: RequestSpec,
    private readonly req: RenderedRequest,
    ids: RequestIds,
    private readonly resolve: (r: RequestRecord) => void,
    private readonly watch?: WireWatch,
  ) {
    this.session = spec.preset.start();
    this.rec = new LiveRecord(ids);
  }

  /** t0 (now, or the scheduled arrival), the deadline, the first attempt. */
  start(scheduled?: number): void {
    const t = now();
    this.t0 = scheduled ?? t;
    this.readBefore = this.conn.lastRead;
    if (scheduled !== undefined) this.rec.lateness = Math.max(0, t - scheduled);
    this.rec.startedAt = toEpoch(this.t0);
    this.conn.arm(this, Math.max(0, this.spec.timeoutMs - (t - this.t0)));
    if (this.spec.signal) {
      this.onCancel = (): void => this.cancel();
      this.spec.signal.addEventListener('abort', this.onCancel, { once: true });
    }
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
          headers: this.req.headers,
          body: this.req.body,
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

  get record(): RequestRecord {
    return this.rec;
  }

  cancel(): void {
    if (!this.done) this.abort('cancelled', 'cancelled: the run was stopped while this request was in flight', new Error('cancelled'));
  }

  /** The request is handed to a socket (a new one as it starts connecting), just before it is written: `connect` is 0 on a reused one. */
  /** @internal for Attempt */
  connected(abort: (err: Error) => void): void {
    this.abortFn = abort;
    if (this.done) return abort(new Error('aborted'));
    if (!this.onWire && this.watch) {
      this.onWire = true;
      this.watch.onWire();
    }
    this.freshSocket = this.conn.takeFresh();
    const t = now();
    // A new socket is handed over as it starts connecting: its connect is known once it is up (settle).
    this.rec.connect = this.freshSocket ? null : 0;
    // A rate stage's request on a reused socket: undici may hold it to the check phase before writing
    // it (its idle-socket validation), and until it is written the client is still late. (On a new
    // socket the wait since the handover is the connect, measured as such.)
    if (this.rec.lateness !== undefined && !this.freshSocket && this.attempt === 1) this.rec.lateness = Math.max(0, t - this.t0);
  }

  /** @internal for Attempt */
  headers(statusCode: number, rawHeaders: Buffer[]): void {
    const { rec, spec } = this;
    rec.ttfb = this.arrival() - this.t0;
    rec.status = statusCode;
    const { contentType, encoding } = readHead(rawHeaders);
    this.contentType = contentType;
    const ok = statusCode >= 200 && statusCode < 300;
    const notStream = ok && spec.format !== 'raw' ? notAStream(contentType) : null;
    if (notStream !== null) return this.abort('protocol', notStream, new Error(notStream));
    this.parser = ok ? this.conn.parsers.take(parserFormat(spec.format, spec.preset, contentType), spec.preset.needsText, this, this) : null;
    this.body = new ResponseBody(this.parser, encoding, this);
    if (this.body.compressed) rec.encoding = encoding; // a compressed stream: a likely cause when it arrives held back
  }

  /** The parser's event-size cap (ParserLimits): max-event-size. */
  get maxEventBytes(): number {
    return this.spec.maxEventBytes ?? Infinity;
  }

  /** An event grew past the cap (ParserLimits). */
  onOverflow(message: string): void {
    this.abort('protocol', message, new Error(message));
  }

  /** A body that cannot be decoded fails a 2xx response; an error status already says it failed. */
  /** @internal for ResponseBody */
  undecodable(e: Error): void {
    const status = this.rec.status ?? 0;
    if (status >= 200 && status < 300) this.abort('protocol', `cannot decode ${this.rec.encoding!}: ${e.message}`, e);
    else this.complete();
  }

  /** @internal for Attempt */
  data(chunk: Buffer): void {
    this.rec.bytes += chunk.length;
    this.body?.write(chunk, this.arrival());
    // In-band error: the request has failed; stop reading the rest.
    if (this.streamError !== null && this.abortFn) {
      this.abort('stream_error', this.streamError, new Error('in-band error'));
    }
  }

  /** When the bytes undici hands over now came off the socket (connection.ts); now() when nothing was read since this request started. */
  private arrival(): number {
    const t = this.conn.lastRead;
    return t > this.readBefore ? t : now();
  }

  /** A complete event, stamped with the arrival of the chunk that completed it. */
  /** @internal for the parser */
  event(data: string, name: string | undefined, t: number): void {
    if (this.streamError !== null) return;
    const { rec } = this;
    const rel = t - this.t0;
    if (rec.events === 0) rec.ttfc = rel;
    else {
      const gap = t - this.lastEvent;
      if (this.gaps === null) this.gaps = [gap];
      else this.gaps.push(gap);
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

  /** The response ended normally (Attempt, or ResponseBody once a decoder flushed): its verdict, delivered at once (see sendRequest). */
  complete(): void {
    const [category, message] = this.verdict();
    if (this.settle(category, message)) this.resolve(this.rec);
  }

  private verdict(): [FailureCategory | null, string | null] {
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
    const verdict = this.session.finish(this.contentType);
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

  /** @internal for the connection's deadline timer */
  timeOut(): void {
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
    this.conn.disarm(this);
    if (this.onWire) this.watch!.onOff();
    if (this.onCancel) this.spec.signal?.removeEventListener('abort', this.onCancel);
    const { rec } = this;
    rec.total = now() - this.t0;
    if (this.freshSocket) rec.connect = this.conn.connectedSince(this.t0);
    rec.category = category;
    rec.ok = category === null;
    rec.error = message;
    if (this.session.tokens !== undefined) rec.tokens = this.session.tokens;
    // Per-token gaps only when every content event carried its usage; else itl stays per event.
    if (rec.tokenGaps !== undefined && (this.usageEvents < this.contentEvents || this.usageEvents < 2)) rec.tokenGaps = undefined;
    // The record outlives the run's every scavenge: its gaps without the slack a growing array keeps.
    if (this.gaps !== null) rec.gaps = this.gaps.slice();
    // Nothing more of this response reaches the parser: the connection's next response takes it over.
    this.body?.close();
    return true;
  }
}
