import { createParser as createSseParser } from 'eventsource-parser';
import type { StreamFormat } from '../types.js';

/** Receives each complete event with the arrival time of the chunk that completed it. */
export type EventSink = (data: string, eventName: string | undefined, t: number) => void;

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
  if (format === 'sse') return sseParser(sink, limits);
  if (format === 'document') return documentParser(sink);
  if (format === 'ndjson') return ndjsonParser(needsText, sink, limits);
  return rawParser(needsText, sink);
}

function sseParser(sink: EventSink, limits: ParserLimits): StreamParser {
  const decoder = new TextDecoder();
  let now = 0;
  let overflowed = false;
  let comments = 0;
  let unknownLines = 0;
  // eventsource-parser handles `data:` with or without the space, multi-line data, comments, CRLF and CR;
  // its buffer cap keeps a line that never ends from growing without bound.
  const parser = createSseParser({
    onEvent: (msg) => sink(msg.data, msg.event, now),
    onComment: () => void comments++,
    onError: (err) => {
      if (err.type === 'max-buffer-size-exceeded') {
        overflowed = true;
        limits.onOverflow(overflowMessage(limits.maxEventBytes));
      } else if (err.type === 'unknown-field') unknownLines++;
    },
    ...(Number.isFinite(limits.maxEventBytes) ? { maxBufferSize: limits.maxEventBytes } : {}),
  });
  return {
    feed(chunk, t) {
      if (overflowed) return;
      now = t;
      parser.feed(decoder.decode(chunk, STREAMING));
    },
    end(t) {
      if (overflowed) return;
      now = t;
      const rest = decoder.decode();
      if (rest) parser.feed(rest);
    },
    noEventReason(bytes) {
      // Only comments (keep-alives) is an empty stream; text that is no SSE at all is a wrong answer.
      return unknownLines > 0 || (comments === 0 && bytes > 0) ? `no SSE event in ${bytes} bytes (the body is not an event stream)` : null;
    },
  };
}

const NL = 0x0a;

function ndjsonParser(needsText: boolean, sink: EventSink, limits: ParserLimits): StreamParser {
  const decoder = needsText ? new TextDecoder() : null;
  let pending = ''; // text of the current unterminated line (only when needsText)
  let pendingBytes = 0; // non-whitespace-ish bytes seen since the last newline
  const emit = (line: string, bytes: number, t: number): void => {
    if (decoder ? line.trim() !== '' : bytes > 0) sink(line, undefined, t);
  };
  let overflowed = false;
  let lineBytes = 0; // all bytes since the last newline (the memory a line holds)
  return {
    feed(chunk, t) {
      if (overflowed) return;
      let start = 0;
      let nl = chunk.indexOf(NL, start);
      while (nl !== -1) {
        const bytes = pendingBytes + contentBytes(chunk, start, nl);
        const line = decoder ? pending + decoder.decode(chunk.subarray(start, nl), STREAMING) : '';
        emit(line, bytes, t);
        pending = '';
        pendingBytes = 0;
        lineBytes = 0;
        start = nl + 1;
        nl = chunk.indexOf(NL, start);
      }
      if (start < chunk.length) {
        pendingBytes += contentBytes(chunk, start, chunk.length);
        lineBytes += chunk.length - start;
        if (lineBytes > limits.maxEventBytes) {
          overflowed = true;
          pending = '';
          limits.onOverflow(overflowMessage(limits.maxEventBytes));
          return;
        }
        if (decoder) pending += decoder.decode(chunk.subarray(start), STREAMING);
      }
    },
    end(t) {
      if (overflowed) return;
      if (decoder) pending += decoder.decode();
      emit(pending, pendingBytes, t);
      pending = '';
      pendingBytes = 0;
    },
  };
}

/** Bytes of a line that are not \r, space or tab: a blank line is not an event. */
function contentBytes(buf: Buffer, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const b = buf[i];
    if (b !== 0x0d && b !== 0x20 && b !== 0x09) return to - from;
  }
  return 0;
}

function rawParser(needsText: boolean, sink: EventSink): StreamParser {
  const decoder = needsText ? new TextDecoder() : null;
  return {
    feed(chunk, t) {
      if (chunk.length > 0) sink(decoder ? decoder.decode(chunk, STREAMING) : '', undefined, t);
    },
    end() {
      /* every chunk was already an event */
    },
  };
}

/** Read whole (up to 64 KiB of text) and emitted as one event at the end: error answers are small. */
const DOCUMENT_LIMIT = 65_536;

function documentParser(sink: EventSink): StreamParser {
  const decoder = new TextDecoder();
  let text = '';
  return {
    feed(chunk) {
      if (text.length < DOCUMENT_LIMIT) text += decoder.decode(chunk, STREAMING);
    },
    end(t) {
      if (text.length < DOCUMENT_LIMIT) text += decoder.decode();
      if (text.trim() !== '') sink(text, undefined, t);
    },
  };
}
