// Logging in before the load: the one POST that `login-url` (or a RAGFlow login) describes, and the
// token read from its answer. Network I/O, so a step before the run, not part of config/.
import { Agent } from 'undici';
import { obj } from '../json-guards.js';
import { shorten } from '../load/presets/json.js';
import { redactText } from '../redact.js';
import { InputError } from '../errors.js';
import { LoginError, type LoginSpec, type TokenSource } from '../config/login.js';
import { requestOnce } from './readiness.js';

/** The human part of an answer: `message`, `error`, `detail`… */
function serverMessage(json: unknown): string | null {
  const o = obj(json);
  if (!o) return null;
  for (const k of ['message', 'msg', 'error_description', 'detail', 'error']) {
    const v = o[k];
    if (typeof v === 'string' && v.trim() !== '') return shorten(v);
    const inner = obj(v);
    if (inner && typeof inner.message === 'string' && inner.message !== '') return shorten(inner.message);
  }
  return null;
}

function extractToken(headers: Record<string, string | string[] | undefined>, json: unknown, from: TokenSource): string | null {
  if (from.kind === 'header') {
    const h = headers[from.name];
    const v = (Array.isArray(h) ? h[0] : h)?.trim();
    return v ? v.replace(/^Bearer\s+/i, '') || null : null;
  }
  let cur: unknown = json;
  for (const seg of from.path) {
    if (Array.isArray(cur) && /^\d+$/.test(seg)) cur = cur[Number(seg)];
    else {
      const o = obj(cur);
      cur = o && Object.hasOwn(o, seg) ? o[seg] : undefined;
    }
  }
  if (typeof cur === 'number') return String(cur);
  return typeof cur === 'string' && cur.trim() !== '' ? cur.trim() : null;
}

/**
 * Sends the login request once (bounded by the request timeout, no redirects) and returns the token.
 * Throws LoginError with the server's message; every text passes through `redactText(secrets)`.
 */
export async function performLogin(spec: LoginSpec, opts: { log?: (line: string) => void; secrets: readonly string[]; signal?: AbortSignal }): Promise<string> {
  const log = opts.log ?? (() => {});
  const fail = (detail: string): LoginError => new LoginError(spec.input, redactText(`login at ${spec.displayUrl} failed: ${detail}`, opts.secrets));
  const headers: Record<string, string> = { accept: 'application/json', ...spec.headers() };
  if (spec.contentType) headers['content-type'] = spec.contentType;
  log(`login: POST ${spec.displayUrl}`);
  const agent = new Agent({ connect: { timeout: spec.timeoutMs } });
  try {
    const res = await requestOnce(agent, {
      url: spec.url,
      method: 'POST',
      headers,
      body: spec.body,
      timeoutMs: spec.timeoutMs,
      limit: 65_536,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (res.status === null) throw fail(res.error);
    let json: unknown;
    try {
      json = JSON.parse(res.text);
    } catch {
      json = undefined;
    }
    const said = serverMessage(json) ?? (json === undefined && res.text.trim() !== '' ? shorten(res.text).slice(0, 120) : null);
    if (res.status < 200 || res.status >= 300) throw fail(`HTTP ${res.status}${said ? `: ${said}` : ''}`);
    const code = obj(json)?.code;
    if (spec.checkCode && code !== undefined && code !== 0 && code !== '0') throw fail(`code ${String(code)}${said ? `: ${said}` : ''}`);
    const token = extractToken(res.headers, json, spec.tokenFrom);
    if (token === null) {
      const where =
        spec.tokenFrom.kind === 'header'
          ? `no ${spec.tokenFrom.name} header in the answer`
          : `no token at ${spec.tokenFrom.text} in the answer${obj(json) ? ` (its keys: ${Object.keys(obj(json)!).slice(0, 10).join(', ')})` : json === undefined ? ' (not JSON)' : ''}`;
      // Only a message field is quoted here, never a raw excerpt: the token may sit elsewhere in the answer.
      const message = serverMessage(json);
      throw fail(`HTTP ${res.status} but ${where}${message ? `; the server said: ${message}` : ''}`);
    }
    log(`login: HTTP ${res.status}, token taken from ${spec.tokenFrom.text} (masked in every output)`);
    // It is sent as a header value: a line break would split the request.
    if (/[\r\n\0]/.test(token)) throw new InputError('login-token-from', 'the login answer carries a token with a line break or NUL');
    return token;
  } finally {
    await agent.destroy();
  }
}
