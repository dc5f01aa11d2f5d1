// A response's body on its way to the stream parser, decoded when compressed, and what its
// Content-Type says before any of it is read (a page is not a stream). Per request, no I/O of its own.

import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { now } from '../time/clock.js';
import type { StreamFormat } from '../types.js';
import type { Preset } from './presets/types.js';
import { detectFormat, isJsonDocument, type ParserFormat, type StreamParser } from './stream-parser.js';

const ERROR_BODY_LIMIT = 2048;

/** What a response body tells the request it belongs to. */
export interface BodyOwner {
  /** The body ended (a compressed one once its decoder has flushed). */
  complete(): void;
  /** A compressed body could not be decoded. */
  undecodable(e: Error): void;
}

/**
 * The response body on its way to the stream parser (2xx) or into a short error text (others),
 * decoded when compressed. Decoded bytes are stamped with the arrival time of the compressed chunk
 * they came from (zlib emits a chunk's output before that chunk's write callback), not the later
 * moment the thread pool hands them back.
 */
export class ResponseBody {
  errorText = '';
  private readonly decoder: Transform | null;
  /** A compressed body: its chunks' arrival times, and the write callback that drops one once its output came (one function, not one per chunk). */
  private readonly arrivals: number[] | null = null;
  private readonly decoded: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly parser: StreamParser | null,
    encoding: string,
    private readonly owner: BodyOwner,
  ) {
    this.decoder = decompressor(encoding);
    if (this.decoder) {
      const arrivals: number[] = (this.arrivals = []);
      this.decoded = (): void => void arrivals.shift();
      this.decoder.on('data', (chunk: Buffer) => this.feed(chunk, arrivals.length > 0 ? arrivals[0]! : now()));
      this.decoder.on('end', () => owner.complete());
      this.decoder.on('error', (e: Error) => owner.undecodable(e));
    }
  }

  get compressed(): boolean {
    return this.decoder !== null;
  }

  /** A chunk of the body, which came off the socket at `t`. */
  write(chunk: Buffer, t: number): void {
    if (this.decoder) {
      this.arrivals!.push(t);
      this.decoder.write(chunk, this.decoded!);
    } else this.feed(chunk, t);
  }

  /** The last byte arrived; a decoder still has to flush (its 'end' completes the request). */
  end(): void {
    if (this.decoder) this.decoder.end();
    else this.owner.complete();
  }

  parserEnd(t: number): void {
    if (!this.closed) this.parser?.end(t);
  }

  /**
   * The request has its verdict: nothing more reaches the parser, which the connection's next
   * response takes over (a decoder may still hold output of a body cut short).
   */
  close(): void {
    this.closed = true;
    this.decoder?.destroy();
  }

  private feed(chunk: Buffer, t: number): void {
    if (this.closed) return;
    if (this.parser) this.parser.feed(chunk, t);
    else if (this.errorText.length < ERROR_BODY_LIMIT) this.errorText += chunk.toString('utf8', 0, ERROR_BODY_LIMIT - this.errorText.length);
  }
}

function decompressor(encoding: string): Transform | null {
  if (encoding === '' || encoding === 'identity') return null;
  if (encoding === 'gzip' || encoding === 'x-gzip') return createGunzip();
  if (encoding === 'br') return createBrotliDecompress();
  if (encoding === 'deflate') return createInflate();
  return null;
}

/**
 * Content types that are a page or a file, never a stream: a preview answering its SPA fallback or
 * login page for a wrong route must not pass. Null when the type may carry a stream.
 */
export function notAStream(contentType: string): string | null {
  // A server answers every request with the same type: worked out once, not a split and a regex per request.
  if (contentType === lastType.contentType) return lastType.verdict;
  const verdict = pageVerdict(contentType);
  lastType.contentType = contentType;
  lastType.verdict = verdict;
  return verdict;
}

const lastType: { contentType: string | null; verdict: string | null } = { contentType: null, verdict: null };

function pageVerdict(contentType: string): string | null {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const page = /^(?:text\/(?:html|xml|css|javascript)|application\/(?:xhtml\+xml|xml|javascript|pdf|zip)|image\/|audio\/|video\/|font\/)/.test(type);
  if (!page) return null;
  const what = type.includes('html') ? 'an HTML page (a wrong route, a login or error page?)' : 'not a stream';
  return `answered Content-Type ${type}: ${what}; set format: raw to accept any body`;
}

/** Content-Type and Content-Encoding: a header name is made a string only when its length is one of theirs. */
export function readHead(rawHeaders: Buffer[]): { contentType: string; encoding: string } {
  let contentType = '';
  let encoding = '';
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i]!;
    if (raw.length !== 12 && raw.length !== 16) continue;
    const name = raw.toString('latin1').toLowerCase();
    if (name === 'content-type') contentType = rawHeaders[i + 1]!.toString('latin1');
    else if (name === 'content-encoding') encoding = rawHeaders[i + 1]!.toString('latin1').trim().toLowerCase();
  }
  return { contentType, encoding };
}

/** The parser a 2xx response gets: the format set, or (auto) the one its Content-Type says. */
export function parserFormat(format: StreamFormat, preset: Preset, contentType: string): ParserFormat {
  if (format !== 'auto') return format;
  if (preset.jsonDocument === true && isJsonDocument(contentType)) return 'document';
  return detectFormat(contentType, preset.fallbackFormat);
}
