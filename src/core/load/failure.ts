// What a request's failure was: the category and message of a transport error, by where it struck.

import type { FailureCategory } from '../types.js';

/** Our own deadline (the request's timeout), told apart from undici's errors. */
export class TimeoutAbort extends Error {
  constructor(ms: number) {
    super(`no complete response within ${ms} ms`);
  }
}

/** Where a transport error struck: before any response, after the headers (no event yet), or mid-stream. */
type Phase = 'connect' | 'headers' | 'stream';

export function classify(err: Error, phase: Phase): [FailureCategory, string] {
  const code = (err as { code?: string }).code ?? '';
  if (err instanceof TimeoutAbort || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return ['timeout', err.message];
  }
  if (code.startsWith('HPE_') || err.name === 'HTTPParserError') return ['protocol', `malformed HTTP response: ${err.message}`];
  const what = phase === 'stream' ? 'connection lost mid-stream' : phase === 'headers' ? 'stream cut after the headers, before any event' : 'connection failed';
  return ['connection', `${what}: ${code ? `${code} ` : ''}${err.message}`.trim()];
}
