import { constants, publicEncrypt, type KeyObject } from 'node:crypto';
import type { FailureCategory } from '../../types.js';
import { obj } from '../../json-guards.js';
import { ERROR_PREFIX, notJson, parseObject, shorten, streamEndFailure, stripErrorPrefix, valueStart } from './json.js';
import { EventKind, type Preset, type PresetSession } from './types.js';

/**
 * RAGFlow chat completions: `/v1/conversation/completion` (web API) and
 * `/api/v1/chats/{id}/completions` (public API). Events are `data:{"code": 0, "message": "",
 * "data": {"answer": …, "reference": …}}` (no space after the colon); the stream ends with
 * `{"code": 0, "data": true}`. The answer is cumulative (older servers) or a delta (newer): either
 * way the first non-empty answer is ttft. A non-zero `code` or an `**ERROR**:` answer is an in-band
 * error; a plain JSON answer (`{"code": 102, "message": "Conversation not found!"}`) is read whole.
 */
class RagflowSession implements PresetSession {
  error: string | null = null;
  readonly tokens: number | undefined = undefined;
  private content = false;
  private end = false; // {"data": true} seen
  private malformed: string | null = null;

  event(data: string): EventKind {
    // After the first answer, skip parsing plain answer events: code 0, data an object, no **ERROR**.
    if (this.content && data.charCodeAt(0) === 0x7b /* { */ && valueStart(data, 'code"') === '0' && !data.includes(ERROR_PREFIX) && valueStart(data, 'data"') === '{') {
      return EventKind.Content;
    }
    const msg = parseObject(data);
    if (msg === null) {
      this.malformed ??= notJson(data);
      return EventKind.Chunk;
    }
    const d = msg.data;
    const answer = obj(d)?.answer;
    const code = msg.code;
    if (code !== undefined && code !== 0 && code !== '0') {
      const text = typeof msg.message === 'string' && msg.message !== '' ? msg.message : typeof answer === 'string' ? stripErrorPrefix(answer) : '';
      return this.fail(`code ${String(code)}: ${shorten(text) || 'error'}`);
    }
    if (d === true) {
      this.end = true;
      return EventKind.Chunk;
    }
    if (typeof answer === 'string' && answer !== '') {
      if (answer.startsWith(ERROR_PREFIX)) return this.fail(shorten(stripErrorPrefix(answer)) || 'error');
      this.content = true;
      return EventKind.Content;
    }
    return EventKind.Chunk;
  }

  private fail(message: string): EventKind {
    this.error = message;
    return EventKind.Error;
  }

  finish(contentType: string): { category: FailureCategory; message: string } | null {
    return streamEndFailure(this.malformed, contentType, this.end, 'incomplete stream: it ended without the final {"code": 0, "data": true} event');
  }
}

/** The part of the target path before `/v1/` or `/api/v1/` (RAGFlow behind a path prefix). */
function apiRoot(target: URL): string {
  const i = target.pathname.search(/\/(?:api\/)?v1\//);
  return i > 0 ? target.pathname.slice(0, i) : '';
}

export const ragflow: Preset = {
  name: 'ragflow',
  // The web API (/v1/…) takes `Authorization: <token>`; the public API (/api/v1/…) takes `Bearer <key>`.
  authScheme: '',
  authSchemeFor: (path) => (/(^|\/)api\/v1\//.test(path) ? 'Bearer' : ''),
  fallbackFormat: 'sse',
  needsText: true,
  jsonDocument: true,
  loginCodes: true,
  passwordLogin: {
    defaultUrl: (target) => new URL(`${apiRoot(target)}/v1/user/login`, target.origin),
    needsPublicKey: true,
    // As RAGFlow's web UI: the password is base64-encoded, then RSA-encrypted (PKCS#1 v1.5), base64.
    body: (email: string, password: string, publicKey: KeyObject | null): string => {
      if (!publicKey) throw new Error('RAGFlow login needs a public key');
      const plain = Buffer.from(Buffer.from(password, 'utf8').toString('base64'), 'utf8');
      const encrypted = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, plain).toString('base64');
      return JSON.stringify({ email, password: encrypted });
    },
    tokenFrom: 'header:Authorization',
  },
  start: () => new RagflowSession(),
};
