// Small helpers the JSON presets share. They run per event: cheap string checks first, parse when needed.
import { obj } from '../../json-guards.js';
import { isJsonDocument } from '../stream-parser.js';
import type { FailureCategory } from '../../types.js';

const MESSAGE_LIMIT = 200;

/** One line, at most 200 characters: messages become error samples in reports. */
export function shorten(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > MESSAGE_LIMIT ? `${one.slice(0, MESSAGE_LIMIT - 1)}…` : one;
}

/**
 * Index just past the first JSON key `needle` (given as `name"`, without its opening quote: a search
 * that starts with a rare letter is several times faster than one that starts with `"`), or -1.
 * A key inside a string value cannot match: its quotes are escaped there.
 */
export function keyEnd(s: string, needle: string): number {
  let i = s.indexOf(needle);
  while (i > 0 && s.charCodeAt(i - 1) !== 0x22 /* " */) i = s.indexOf(needle, i + 1);
  return i > 0 ? i + needle.length : -1;
}

/** The first non-space character of the value of the first key `needle` (as `name"`), or '' when absent. */
export function valueStart(s: string, needle: string): string {
  let i = keyEnd(s, needle);
  if (i === -1) return '';
  while (i < s.length && (s[i] === ' ' || s[i] === ':' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  return s[i] ?? '';
}

/**
 * Why a JSON event stream is broken at its end, or null: a malformed event, a JSON document where a
 * stream was expected, or no end event (`missingEnd` says which one the preset expects).
 */
export function streamEndFailure(malformed: string | null, contentType: string, ended: boolean, missingEnd: string): { category: FailureCategory; message: string } | null {
  if (malformed !== null) return { category: 'protocol', message: malformed };
  if (isJsonDocument(contentType)) return { category: 'protocol', message: NOT_A_STREAM };
  if (!ended) return { category: 'protocol', message: missingEnd };
  return null;
}

export function parseObject(data: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(data);
    return obj(v);
  } catch {
    return null;
  }
}

/** `**ERROR**: boom` → `boom`. */
export function stripErrorPrefix(text: string): string {
  return text.replace(/^\*\*ERROR\*\*:?\s*/, '');
}

export const ERROR_PREFIX = '**ERROR**';

/** The readable message of an `error` value: a string, `{message}`, or the JSON of it. */
export function errorMessage(err: unknown): string {
  if (typeof err === 'string') return shorten(err || 'error');
  const o = obj(err);
  if (o) {
    const msg = o.message ?? o.msg ?? o.detail;
    const type = typeof o.type === 'string' ? o.type : typeof o.code === 'string' ? o.code : undefined;
    if (typeof msg === 'string' && msg !== '') return shorten(type && !msg.includes(type) ? `${type}: ${msg}` : msg);
  }
  return shorten(JSON.stringify(err) ?? 'error');
}

export function notJson(data: string): string {
  return `malformed event (not a JSON object): ${shorten(data).slice(0, 80)}`;
}

const NOT_A_STREAM = 'the server answered with one JSON document, not a stream (ask for one, e.g. "stream": true)';
