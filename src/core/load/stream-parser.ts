import { createParser as createSseParser } from 'eventsource-parser';
import type { StreamFormat } from '../types.js';

/** Receives each complete event with the arrival time of the chunk that completed it. */
export type EventSink = (data: string, eventName: string | undefined, t: number) => void;

export interface StreamParser {
  /** `t` is taken by the caller before parsing, so parsing cost never shows up in the timings. */
  feed(chunk: Buffer, t: number): void;
  /** End of body: a trailing NDJSON line without a newline is still an event; an unterminated SSE event is not (per the SSE spec). */
  end(t: number): void;
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

export function createStreamParser(format: ParserFormat, needsText: boolean, sink: EventSink): StreamParser {
  if (format === 'sse') return sseParser(sink);
  if (format === 'document') return documentParser(sink);
  if (format === 'ndjson') return ndjsonParser(needsText, sink);
  return rawParser(needsText, sink);
}

function sseParser(sink: EventSink): StreamParser {
  const decoder = new TextDecoder();
  let now = 0;
  // eventsource-parser handles `data:` with or without the space, multi-line data, comments, CRLF and CR.
  const parser = createSseParser({ onEvent: (msg) => sink(msg.data, msg.event, now) });
  return {
    feed(chunk, t) {
      now = t;
      parser.feed(decoder.decode(chunk, { stream: true }));
    },
    end(t) {
      now = t;
      const rest = decoder.decode();
      if (rest) parser.feed(rest);
    },
  };
}

const NL = 0x0a;

function ndjsonParser(needsText: boolean, sink: EventSink): StreamParser {
  const decoder = needsText ? new TextDecoder() : null;
  let pending = ''; // text of the current unterminated line (only when needsText)
  let pendingBytes = 0; // non-whitespace-ish bytes seen since the last newline
  const emit = (line: string, bytes: number, t: number): void => {
    if (decoder ? line.trim() !== '' : bytes > 0) sink(line, undefined, t);
  };
  return {
    feed(chunk, t) {
      let start = 0;
      let nl = chunk.indexOf(NL, start);
      while (nl !== -1) {
        const bytes = pendingBytes + contentBytes(chunk, start, nl);
        const line = decoder ? pending + decoder.decode(chunk.subarray(start, nl), { stream: true }) : '';
        emit(line, bytes, t);
        pending = '';
        pendingBytes = 0;
        start = nl + 1;
        nl = chunk.indexOf(NL, start);
      }
      if (start < chunk.length) {
        pendingBytes += contentBytes(chunk, start, chunk.length);
        if (decoder) pending += decoder.decode(chunk.subarray(start), { stream: true });
      }
    },
    end(t) {
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
      if (chunk.length > 0) sink(decoder ? decoder.decode(chunk, { stream: true }) : '', undefined, t);
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
      if (text.length < DOCUMENT_LIMIT) text += decoder.decode(chunk, { stream: true });
    },
    end(t) {
      if (text.length < DOCUMENT_LIMIT) text += decoder.decode();
      if (text.trim() !== '') sink(text, undefined, t);
    },
  };
}
