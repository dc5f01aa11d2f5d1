// `login-url` and the RAGFlow login as plain data (what to POST, where the token is); sending it
// is prepare/login.ts.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { InputError } from '../errors.js';
import type { Preset } from '../load/presets/types.js';
import { isSecretParam, redactUrl } from '../redact.js';
import { compileTemplate, PLACEHOLDER, renderTemplate } from './template.js';

/** Where the login answer carries the token (`login-token-from`). */
export type TokenSource = { kind: 'header'; name: string; text: string } | { kind: 'json'; path: string[]; text: string };

/** One login request before the test; its token becomes the run's token (Authorization and {{token}}). */
export interface LoginSpec {
  /** The input named in errors: `login-url`, or `login-email` for a preset's password login. */
  input: string;
  url: string;
  /** Safe to print. */
  displayUrl: string;
  body: string | null;
  contentType: string | null;
  /** Headers of the load that may go to this URL (same origin only; never Authorization). */
  headers(): Record<string, string>;
  tokenFrom: TokenSource;
  timeoutMs: number;
  /** A JSON answer with a non-zero `code` failed even with HTTP 200 (RAGFlow). */
  checkCode: boolean;
}

/** A failed login: stops the run before any load, with the server's message (never the password). */
export class LoginError extends InputError {
  constructor(input: string, detail: string) {
    super(input, detail);
    this.name = 'LoginError';
  }
}

export interface LoginInputs {
  url?: string;
  body?: string;
  tokenFrom?: string;
  email?: string;
  password?: string;
  publicKey?: string;
}

export interface LoginContext {
  preset: Preset;
  /** The load's URL: the default RAGFlow login URL is derived from it. */
  target: URL;
  /** Resolves `login-url` (absolute, or a path against base-url / the url's origin). */
  resolve(input: string, text: string): URL;
  /** Same-origin headers of the load for a URL. */
  headersFor(u: URL): () => Record<string, string>;
  env: Record<string, string | undefined>;
  hasToken: boolean;
  timeoutMs: number;
  /** Secrets found here (password, secret values of login-body) are added. */
  secrets: string[];
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const JSON_PATH = /^(?:\$\.)?[^.[\]\s]+(?:\.[^.[\]\s]+|\[\d+\])*$/;

export function parseTokenFrom(text: string, input = 'login-token-from'): TokenSource {
  const t = text.trim();
  const m = /^(header|json)\s*:\s*(.+)$/i.exec(t);
  const what = `"${t}" is not header:NAME or json:PATH (e.g. header:Authorization, json:data.access_token)`;
  if (!m) throw new InputError(input, what);
  const kind = m[1]!.toLowerCase();
  const rest = m[2]!.trim();
  if (kind === 'header') {
    if (!HEADER_NAME.test(rest)) throw new InputError(input, `"${rest}" is not a header name`);
    return { kind: 'header', name: rest.toLowerCase(), text: `header:${rest}` };
  }
  if (!JSON_PATH.test(rest)) throw new InputError(input, `"${rest}" is not a JSON path (e.g. data.access_token, items[0].token)`);
  const path = rest
    .replace(/^\$\./, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.');
  return { kind: 'json', path, text: `json:${rest}` };
}

/** Validates the login inputs (no request is sent); null when no login is configured. */
export function buildLogin(i: LoginInputs, ctx: LoginContext): LoginSpec | null {
  const { preset } = ctx;
  const password = i.email !== undefined || i.password !== undefined || i.publicKey !== undefined;
  if (!password && i.url === undefined) {
    if (i.body !== undefined) throw new InputError('login-body', 'needs login-url');
    if (i.tokenFrom !== undefined) throw new InputError('login-token-from', 'needs login-url (or login-email with preset: ragflow)');
    return null;
  }
  if (ctx.hasToken) {
    throw new InputError('token', 'set either token or a login (login-url / login-email), not both: the login answer is the token');
  }

  if (password) {
    if (i.email === undefined) throw new InputError(i.password !== undefined ? 'login-password' : 'login-public-key', 'needs login-email');
    const pl = preset.passwordLogin;
    if (!pl) {
      throw new InputError('login-email', `needs preset: ragflow (preset ${preset.name} has no email/password login; use login-url and login-body)`);
    }
    if (i.password === undefined) throw new InputError('login-password', 'is required with login-email');
    ctx.secrets.push(i.password, Buffer.from(i.password, 'utf8').toString('base64'));
    if (i.body !== undefined) throw new InputError('login-body', `is not used with login-email (the ${preset.name} login builds its own body); set one of them`);
    let key: KeyObject | null = null;
    if (pl.needsPublicKey) {
      if (i.publicKey === undefined) throw new InputError('login-public-key', `is required with login-email (the server's RSA public key, PEM)`);
      key = parsePublicKey(i.publicKey);
    } else if (i.publicKey !== undefined) throw new InputError('login-public-key', `is not used by the ${preset.name} login`);
    const url = i.url !== undefined ? ctx.resolve('login-url', i.url) : pl.defaultUrl(ctx.target);
    const tokenFrom = parseTokenFrom(i.tokenFrom ?? pl.tokenFrom);
    const body = pl.body(i.email.trim(), i.password, key);
    return spec(i.url !== undefined ? 'login-url' : 'login-email', url, body, 'application/json', tokenFrom, ctx);
  }

  const url = ctx.resolve('login-url', i.url!);
  const tokenFromText = i.tokenFrom ?? preset.passwordLogin?.tokenFrom;
  if (tokenFromText === undefined) throw new InputError('login-token-from', 'is required with login-url: where the answer carries the token (header:NAME or json:PATH)');
  const tokenFrom = parseTokenFrom(tokenFromText);
  let body: string | null = null;
  if (i.body !== undefined) {
    for (const m of i.body.matchAll(PLACEHOLDER)) {
      const name = m[1] ?? '';
      if (name === 'user' || name === 'iteration' || name === 'stage' || name === 'token') {
        throw new InputError('login-body', `{{${name}}} is not available in login-body (the login runs once, before the test): use {{uuid}} or {{env.NAME}}`);
      }
    }
    body = renderTemplate(compileTemplate(i.body, 'login-body', ctx.env, { secrets: ctx.secrets }), { stage: 0, user: 0, iteration: 0 }, undefined);
    collectSecrets(body, ctx.secrets);
  }
  return spec('login-url', url, body, body === null ? null : contentTypeOf(body), tokenFrom, ctx);
}

function spec(input: string, url: URL, body: string | null, contentType: string | null, tokenFrom: TokenSource, ctx: LoginContext): LoginSpec {
  return {
    input,
    url: url.href,
    displayUrl: redactUrl(url.href),
    body,
    contentType,
    headers: ctx.headersFor(url),
    tokenFrom,
    timeoutMs: ctx.timeoutMs,
    checkCode: ctx.preset.loginCodes === true,
  };
}

function parsePublicKey(text: string): KeyObject {
  let pem = text.trim().replace(/\\n/g, '\n');
  if (!pem.includes('-----BEGIN')) {
    // The base64 body alone (as often pasted into a secret): wrap it.
    const b64 = pem.replace(/\s+/g, '');
    pem = `-----BEGIN PUBLIC KEY-----\n${b64.replace(/(.{64})/g, '$1\n')}\n-----END PUBLIC KEY-----\n`;
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new InputError('login-public-key', 'is not a PEM public key (expected -----BEGIN PUBLIC KEY----- … as in RAGFlow conf/public.pem)');
  }
  if (key.asymmetricKeyType !== 'rsa') throw new InputError('login-public-key', `is a ${key.asymmetricKeyType ?? 'non-RSA'} key; an RSA public key is needed`);
  return key;
}

function contentTypeOf(body: string): string {
  const t = body.trim();
  if (t.startsWith('{') || t.startsWith('[')) return 'application/json';
  if (/^[\w.~%-]+=[^&\s]*(?:&[\w.~%-]+=[^&\s]*)*$/.test(t)) return 'application/x-www-form-urlencoded';
  return 'text/plain; charset=utf-8';
}

/** Values under secret-looking keys of a JSON or form login body are redacted from every output. */
function collectSecrets(body: string, secrets: string[]): void {
  const walk = (v: unknown, key: string): void => {
    if (typeof v === 'string') {
      if (v !== '' && isSecretParam(key)) secrets.push(v);
    } else if (Array.isArray(v)) for (const x of v) walk(x, key);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  try {
    walk(JSON.parse(body), '');
    return;
  } catch {
    /* not JSON */
  }
  if (contentTypeOf(body).startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.trim())) if (v && isSecretParam(k)) secrets.push(v);
  }
}
