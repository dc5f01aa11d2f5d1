import { createParser as createSseParser, type EventSourceParser } from 'eventsource-parser';
import type { StreamFormat } from '../types.js';

/** Receives each complete event with the arrival time of the chunk that completed it. */
export type EventSink = (data: string, eventName: string | undefined, t: number) => void;

/** A sink as an object (a request takes a parser with itself as the sink: no closure per request). */
export interface EventReceiver {
  event(data: string, eventName: string | undefined, t: number): void;
}

export interface StreamParser {
  /** `t` is taken by the caller before parsing, so parsing cost never shows up in the timings. */
  feed(chunk: Buffer, t: number): void;
  /** End of body: a trailing NDJSON line without a newline is still an event; an unterminated SSE event is not (per the SSE spec). */
  end(t: number): void;
  /** SSE: why a body without any event is not an (empty) event stream, or null. */
  noEventReason?(bytes: number): string | null;
}

export interface ParserLimits {
  /** The largest single event (SSE event, NDJSON line) held in memory. */
  maxEventBytes: number;
  /** Called once when an event grows past the limit: the request fails as `protocol`; nothing more is parsed. */
  onOverflow(message: string): void;
}

// One options object for every chunk's decode: nothing allocated per chunk for it.
const STREAMING = { stream: true } as const;

const NO_LIMITS: ParserLimits = { maxEventBytes: Infinity, onOverflow: () => undefined };

function overflowMessage(limit: number): string {
  return `an event grew past max-event-size (${limit} bytes) without ending`;
}

type ConcreteFormat = Exclude<StreamFormat, 'auto'>;
/** `document`: the whole body is one event (a JSON answer where a stream was expected; see Preset.jsonDocument). */
export type ParserFormat = ConcreteFormat | 'document';

/** `auto`: text/event-stream → sse; (x-)ndjson / jsonl / stream+json → ndjson; otherwise the preset's fallback. */
export function detectFormat(contentType: string, fallback: ConcreteFormat): ConcreteFormat {
  const ct = contentType.toLowerCase();
  if (ct.includes('text/event-stream')) return 'sse';
  if (ct.includes('ndjson') || ct.includes('jsonl') || ct.includes('json-seq') || ct.includes('stream+json')) return 'ndjson';
  return fallback;
}

/** `application/json` or `application/…+json`: one JSON document, not a stream type. */
export function isJsonDocument(contentType: string): boolean {
  return /^\s*application\/(?:[a-z0-9.-]+\+)?json\s*(?:;|$)/i.test(contentType) && !/stream\+json/i.test(contentType);
}

export function createStreamParser(format: ParserFormat, needsText: boolean, sink: EventSink, limits: ParserLimits = NO_LIMITS): StreamParser {
  return newParser(format, needsText, { event: sink }, limits);
}

/** A parser that starts over for the next response: a user's parsers serve its requests in turn. */
interface Reusable extends StreamParser {
  reuse(sink: EventReceiver, limits: ParserLimits): void;
}

function newParser(format: ParserFormat, needsText: boolean, sink: EventReceiver, limits: ParserLimits): Reusable {
  if (format === 'sse') return new SseParser(sink, limits);
  if (format === 'document') return new DocumentParser(sink);
  if (format === 'ndjson') return new NdjsonParser(needsText, sink, limits);
  return new RawParser(needsText, sink);
}

/**
 * One connection's parser, reused response after response: a new one per response is a native
 * TextDecoder and ~1 KB of closures, garbage at thousands of requests a second. A connection carries
 * one request at a time, and a request that has its verdict feeds its parser nothing more
 * (ResponseBody.close), so the next response may take it over.
 */
export class ParserSlot {
  private parser: Reusable | null = null;
  private format: ParserFormat | null = null;
  private needsText = false;
  private maxEventBytes = 0;

  take(format: ParserFormat, needsText: boolean, sink: EventReceiver, limits: ParserLimits): StreamParser {
    // The event-size cap is the SSE parser's own buffer limit, fixed when it is made.
    if (this.parser !== null && format === this.format && needsText === this.needsText && limits.maxEventBytes === this.maxEventBytes) {
      this.parser.reuse(sink, limits);
      return this.parser;
    }
    this.format = format;
    this.needsText = needsText;
    this.maxEventBytes = limits.maxEventBytes;
    return (this.parser = newParser(format, needsText, sink, limits));
  }
}

/** A TextDecoder kept across responses: flushed before a new one when the last ended mid-character. */
class Text {
  private readonly decoder = new TextDecoder();
  private clean = true;

  chunk(bytes: Uint8Array): string {
    this.clean = false;
    return this.decoder.decode(bytes, STREAMING);
  }

  /** The rest of a character cut at the end (a replacement character), and a clean state. */
  flush(): string {
    this.clean = true;
    return this.decoder.decode();
  }

  reset(): void {
    if (!this.clean) this.flush();
  }
}

class SseParser implements Reusable {
  private readonly text = new Text();
  private readonly parser: EventSourceParser;
  private now = 0;
  private overflowed = false;
  private comments = 0;
  private unknownLines = 0;

  constructor(
    private sink: EventReceiver,
    private limits: ParserLimits,
  ) {
    // eventsource-parser handles `data:` with or without the space, multi-line data, comments, CRLF and CR;
    // its buffer cap keeps a line that never ends from growing without bound.
    this.parser = createSseParser({
      onEvent: (msg) => this.sink.event(msg.data, msg.event, this.now),
      onComment: () => void this.comments++,
      onError: (err) => {
        if (err.type === 'max-buffer-size-exceeded') {
          this.overflowed = true;
          this.limits.onOverflow(overflowMessage(this.limits.maxEventBytes));
        } else if (err.type === 'unknown-field') this.unknownLines++;
      },
      ...(Number.isFinite(limits.maxEventBytes) ? { maxBufferSize: limits.maxEventBytes } : {}),
    });
  }

  reuse(sink: EventReceiver, limits: ParserLimits): void {
    this.sink = sink;
    this.limits = limits;
    this.now = 0;
    this.overflowed = false;
    this.comments = 0;
    this.unknownLines = 0;
    this.parser.reset();
    this.text.reset();
  }

  feed(chunk: Buffer, t: number): void {
    if (this.overflowed) return;
    this.now = t;
    this.parser.feed(this.text.chunk(chunk));
  }

  end(t: number): void {
    if (this.overflowed) return;
    this.now = t;
    const rest = this.text.flush();
    if (rest) this.parser.feed(rest);
  }

  noEventReason(bytes: number): string | null {
    // Only comments (keep-alives) is an empty stream; text that is no SSE at all is a wrong answer.
    return this.unknownLines > 0 || (this.comments === 0 && bytes > 0) ? `no SSE event in ${bytes} bytes (the body is not an event stream)` : null;
  }
}

const NL = 0x0a;

class NdjsonParser implements Reusable {
  private readonly text: Text | null;
  private pending = ''; // text of the current unterminated line (only when needsText)
  private pendingBytes = 0; // non-whitespace-ish bytes seen since the last newline
  private lineBytes = 0; // all bytes since the last newline (the memory a line holds)
  private overflowed = false;

  constructor(
    needsText: boolean,
    private sink: EventReceiver,
    private limits: ParserLimits,
  ) {
    this.text = needsText ? new Text() : null;
  }

  reuse(sink: EventReceiver, limits: ParserLimits): void {
    this.sink = sink;
    this.limits = limits;
    this.pending = '';
    this.pendingBytes = 0;
    this.lineBytes = 0;
    this.overflowed = false;
    this.text?.reset();
  }

  feed(chunk: Buffer, t: number): void {
    if (this.overflowed) return;
    const text = this.text;
    let start = 0;
    let nl = chunk.indexOf(NL, start);
    while (nl !== -1) {
      const bytes = this.pendingBytes + contentBytes(chunk, start, nl);
      const line = text ? this.pending + text.chunk(chunk.subarray(start, nl)) : '';
      this.emit(line, bytes, t);
      this.pending = '';
      this.pendingBytes = 0;
      this.lineBytes = 0;
      start = nl + 1;
      nl = chunk.indexOf(NL, start);
    }
    if (start < chunk.length) {
      this.pendingBytes += contentBytes(chunk, start, chunk.length);
      this.lineBytes += chunk.length - start;
      if (this.lineBytes > this.limits.maxEventBytes) {
        this.overflowed = true;
        this.pending = '';
        this.limits.onOverflow(overflowMessage(this.limits.maxEventBytes));
        return;
      }
      if (text) this.pending += text.chunk(chunk.subarray(start));
    }
  }

  end(t: number): void {
    if (this.overflowed) return;
    if (this.text) this.pending += this.text.flush();
    this.emit(this.pending, this.pendingBytes, t);
    this.pending = '';
    this.pendingBytes = 0;
  }

  private emit(line: string, bytes: number, t: number): void {
    if (this.text ? line.trim() !== '' : bytes > 0) this.sink.event(line, undefined, t);
  }
}

/** Bytes of a line that are not \r, space or tab: a blank line is not an event. */
function contentBytes(buf: Buffer, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const b = buf[i];
    if (b !== 0x0d && b !== 0x20 && b !== 0x09) return to - from;
  }
  return 0;
}

class RawParser implements Reusable {
  private readonly text: Text | null;

  constructor(
    needsText: boolean,
    private sink: EventReceiver,
  ) {
    this.text = needsText ? new Text() : null;
  }

  reuse(sink: EventReceiver): void {
    this.sink = sink;
    this.text?.reset();
  }

  feed(chunk: Buffer, t: number): void {
    if (chunk.length > 0) this.sink.event(this.text ? this.text.chunk(chunk) : '', undefined, t);
  }

  end(): void {
    /* every chunk was already an event */
  }
}

/** Read whole (up to 64 KiB of text) and emitted as one event at the end: error answers are small. */
const DOCUMENT_LIMIT = 65_536;

class DocumentParser implements Reusable {
  private readonly text = new Text();
  private body = '';

  constructor(private sink: EventReceiver) {}

  reuse(sink: EventReceiver): void {
    this.sink = sink;
    this.body = '';
    this.text.reset();
  }

  feed(chunk: Buffer): void {
    if (this.body.length < DOCUMENT_LIMIT) this.body += this.text.chunk(chunk);
  }

  end(t: number): void {
    const rest = this.text.flush();
    if (this.body.length < DOCUMENT_LIMIT) this.body += rest;
    if (this.body.trim() !== '') this.sink.event(this.body, undefined, t);
  }
}
