import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Dispatcher } from 'undici';
import { now, toEpoch } from './clock.js';
import { EventKind, type Preset } from './presets/types.js';
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
}

export interface RequestIds {
  stage: number;
  user: number;
  iteration: number;
}

const ERROR_BODY_LIMIT = 2048;

class TimeoutAbort extends Error {
  constructor(ms: number) {
    super(`no complete response within ${ms} ms`);
  }
}

/**
 * Sends one request through undici's dispatcher API (no fetch/stream layers: they cost CPU and
 * blur the timings) and records its timeline. Always resolves; failures are categorised.
 */
export function performRequest(dispatcher: Dispatcher, spec: RequestSpec, ids: RequestIds): Promise<RequestRecord> {
  return new Promise((resolve) => {
    const session = spec.preset.start();
    const rec: RequestRecord = {
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
    let abortFn: ((err: Error) => void) | null = null;
    let done = false;
    let parser: StreamParser | null = null;
    let decoder: Transform | null = null;
    let contentType = '';
    let errorBody = '';
    let lastEvent = 0;
    let streamError: string | null = null;

    const onEvent = (data: string, name: string | undefined, t: number): void => {
      if (streamError !== null) return;
      const rel = t - t0;
      if (rec.events === 0) rec.ttfc = rel;
      else {
        const gap = t - lastEvent;
        rec.gaps!.push(gap);
        if (rec.stall === null || gap > rec.stall) rec.stall = gap;
      }
      lastEvent = t;
      rec.events++;
      const kind = session.event(data, name);
      if (kind === EventKind.Content) {
        if (rec.ttft === null) rec.ttft = rel;
      } else if (kind === EventKind.Reasoning) {
        if (rec.ttft === null) rec.ttft = rel;
        if (rec.ttfr === undefined) rec.ttfr = rel;
      } else if (kind === EventKind.Error) {
        streamError = session.error ?? 'in-band error';
      }
    };

    const finish = (category: FailureCategory | null, message: string | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      rec.total = now() - t0;
      rec.category = category;
      rec.ok = category === null;
      rec.error = message;
      if (session.tokens !== undefined) rec.tokens = session.tokens;
      resolve(rec);
    };

    const complete = (): void => {
      const status = rec.status ?? 0;
      if (status < 200 || status >= 300) {
        const cat: FailureCategory = status >= 500 ? 'http_5xx' : status >= 400 ? 'http_4xx' : 'protocol';
        finish(cat, `HTTP ${status}${errorBody ? `: ${errorBody.trim()}` : ''}`);
        return;
      }
      parser?.end(now());
      if (streamError !== null) return finish('stream_error', streamError);
      if (rec.events === 0) return finish('empty', 'the stream ended without an event');
      const verdict = session.finish(contentType);
      if (verdict) return finish(verdict.category, verdict.message);
      finish(null, null);
    };

    const feed = (chunk: Buffer, t: number): void => {
      if (parser) parser.feed(chunk, t);
      else if (errorBody.length < ERROR_BODY_LIMIT) errorBody += chunk.toString('utf8', 0, ERROR_BODY_LIMIT - errorBody.length);
    };
    // Compressed bodies: decoded bytes are stamped with the arrival time of the compressed chunk they
    // came from (zlib emits a chunk's output before that chunk's write callback), not the later
    // moment the thread pool hands them back.
    const arrivals: number[] = [];
    const arrived = (): void => {
      arrivals.shift();
    };
    const handleDecoded = (chunk: Buffer): void => feed(chunk, arrivals.length > 0 ? arrivals[0]! : now());

    const handler: Dispatcher.DispatchHandler = {
      onConnect(abort) {
        // undici calls this when the request is handed to a connected socket, just before writing it.
        rec.connect = now() - t0;
        abortFn = abort as (err: Error) => void;
        if (done) abort(new Error('aborted'));
      },
      onHeaders(statusCode, rawHeaders, _resume) {
        rec.ttfb = now() - t0;
        rec.status = statusCode;
        let encoding = '';
        for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
          const name = rawHeaders[i]!.toString('latin1').toLowerCase();
          if (name === 'content-type') contentType = rawHeaders[i + 1]!.toString('latin1');
          else if (name === 'content-encoding') encoding = rawHeaders[i + 1]!.toString('latin1').trim().toLowerCase();
        }
        if (statusCode >= 200 && statusCode < 300) {
          const format: ParserFormat =
            spec.format !== 'auto'
              ? spec.format
              : spec.preset.jsonDocument === true && isJsonDocument(contentType)
                ? 'document'
                : detectFormat(contentType, spec.preset.fallbackFormat);
          parser = createStreamParser(format, spec.preset.needsText, onEvent);
        }
        // Error bodies are decoded too, so their message is readable.
        decoder = decompressor(encoding);
        if (decoder) rec.encoding = encoding; // a compressed stream: a likely cause when it arrives held back
        if (decoder) {
          decoder.on('data', handleDecoded).on('end', complete);
          decoder.on('error', (e: Error) => {
            if (statusCode < 200 || statusCode >= 300) return complete(); // the status already says it failed
            fail('protocol', `cannot decode ${encoding}: ${e.message}`);
            abortFn?.(e);
          });
        }
        return true;
      },
      onData(chunk) {
        rec.bytes += chunk.length;
        if (decoder) {
          arrivals.push(now());
          decoder.write(chunk, arrived);
        } else feed(chunk, now()); // timestamp first, parse after
        if (streamError !== null && abortFn) {
          // In-band error: the request has failed; stop reading the rest.
          finish('stream_error', streamError);
          abortFn(new Error('in-band error'));
        }
        return true;
      },
      onComplete() {
        if (decoder) decoder.end(); // its 'end' event completes the request once the last bytes are decoded
        else complete();
      },
      onError(err) {
        fail(...classify(err, rec.events > 0));
      },
    };

    const fail = (category: FailureCategory, message: string): void => finish(category, message);

    const t0 = now();
    rec.startedAt = toEpoch(t0);
    const timer = setTimeout(() => {
      if (done) return;
      finish('timeout', new TimeoutAbort(spec.timeoutMs).message);
      abortFn?.(new TimeoutAbort(spec.timeoutMs));
    }, spec.timeoutMs);

    try {
      dispatcher.dispatch(
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
      fail(...classify(err as Error, false));
    }
  });
}

function decompressor(encoding: string): Transform | null {
  if (encoding === '' || encoding === 'identity') return null;
  if (encoding === 'gzip' || encoding === 'x-gzip') return createGunzip();
  if (encoding === 'br') return createBrotliDecompress();
  if (encoding === 'deflate') return createInflate();
  return null;
}

function classify(err: Error, midStream: boolean): [FailureCategory, string] {
  const code = (err as { code?: string }).code ?? '';
  if (err instanceof TimeoutAbort || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return ['timeout', err.message];
  }
  if (code.startsWith('HPE_') || err.name === 'HTTPParserError') return ['protocol', `malformed HTTP response: ${err.message}`];
  const what = midStream ? 'connection lost mid-stream' : 'connection failed';
  return ['connection', `${what}: ${code ? `${code} ` : ''}${err.message}`.trim()];
}
