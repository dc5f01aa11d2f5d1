// What the url is sent, read from its inputs: method, preset, format, headers, body and token, and the
// request template compiled from them; {{token}} needs a token or a login.
import { InputError } from '../errors.js';
import { getPreset } from '../load/presets/index.js';
import { authSchemeFor, type Preset } from '../load/presets/types.js';
import { askForUsage } from '../load/presets/openai.js';
import { looksLikeSecret } from '../redact.js';
import type { StreamFormat } from '../types.js';
import { readBodyFile } from './files.js';
import { isSecretHeader, parseHeaderLines } from './headers.js';
import { value, type Inputs } from './read-input.js';
import type { LoginSpec } from './login.js';
import { buildRequestTemplate, type RequestTemplate } from './request.js';
import { isPerRequest, renderTemplate, usesToken } from './template.js';

const FORMATS: StreamFormat[] = ['auto', 'sse', 'ndjson', 'raw'];

export function readToken(inputs: Inputs, secrets: string[]): string | undefined {
  const token = value(inputs, 'token')?.trim();
  if (token === undefined) return undefined;
  if (/[\r\n\0]/.test(token)) throw new InputError('token', 'holds a line break or NUL');
  secrets.push(token);
  return token;
}

export interface RequestInputs {
  method: string;
  preset: Preset;
  format: StreamFormat;
  headerLines: Array<[string, string]>;
  body: string | null;
  /** The input the body came from (named in errors). */
  bodyInput: 'body' | 'body-file';
  /** The openai preset added stream_options.include_usage to the body. */
  usageAsked: boolean;
}

/** Method, preset, format, headers and body as given (templates not yet filled). */
export function readRequest(inputs: Inputs, cwd: string, secrets: string[]): RequestInputs {
  const method = (value(inputs, 'method') ?? 'POST').trim().toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new InputError('method', `"${method}" is not an HTTP method`);
  if (method === 'CONNECT') throw new InputError('method', 'CONNECT opens a tunnel, not a stream: use GET or POST');

  const preset = getPreset((value(inputs, 'preset') ?? 'generic').trim().toLowerCase());
  const format = (value(inputs, 'format') ?? 'auto').trim().toLowerCase() as StreamFormat;
  if (!FORMATS.includes(format)) throw new InputError('format', `"${format}" is not one of ${FORMATS.join(', ')}`);

  const headerLines = parseHeaderLines(value(inputs, 'headers') ?? '');
  for (const [name, v] of headerLines) {
    if (v.includes('{{')) continue; // secret once rendered: see compileRequest
    if ((isSecretHeader(name) && v) || looksLikeSecret(v)) secrets.push(v);
  }

  const bodyText = value(inputs, 'body');
  const bodyFile = value(inputs, 'body-file');
  if (bodyText !== undefined && bodyFile !== undefined) throw new InputError('body-file', 'set either body or body-file, not both');
  const given = bodyFile !== undefined ? readBodyFile('body-file', bodyFile.trim(), cwd) : (bodyText ?? null);
  // The openai preset asks a streaming chat body for usage (the LLM figures need it), unless it says otherwise.
  const asked = preset.name === 'openai' && given !== null ? askForUsage(given) : null;
  const body = asked ?? given;
  return { method, preset, format, headerLines, body, bodyInput: bodyFile !== undefined ? 'body-file' : 'body', usageAsked: asked !== null };
}

/** The template fields before the load: stage, user and iteration 0 (a header rendered once, for the secrets, the login or wait-for). */
export const BEFORE_LOAD = { stage: 0, user: 0, iteration: 0 };

/**
 * The url's request template, compiled now so an unknown placeholder fails before any request is
 * sent. Every {{env.*}} value, and every secret header as rendered, joins the secrets. {{token}} is
 * filled per request: a login step's token arrives only just before the load.
 */
export function compileRequest(req: RequestInputs, path: string, env: Record<string, string | undefined>, secrets: string[]): RequestTemplate {
  const template = buildRequestTemplate(
    { headerLines: req.headerLines, headersInput: 'headers', body: req.body, bodyInput: req.bodyInput, authScheme: authSchemeFor(req.preset, path) },
    env,
    secrets,
  );
  for (const [i, [name, tpl]] of template.headers.entries()) {
    const text = req.headerLines[i]![1];
    if (!text.includes('{{') || isPerRequest(text) || usesToken(text)) continue;
    const rendered = renderTemplate(tpl, BEFORE_LOAD, undefined);
    if (isSecretHeader(name) || looksLikeSecret(rendered)) secrets.push(rendered);
  }
  return template;
}

/** {{token}} needs a token or a login that provides one. */
export function checkTokenSource(req: RequestInputs, token: string | undefined, login: LoginSpec | null): void {
  if (token !== undefined || login !== null) return;
  const noToken = '{{token}} is used but no token is set (set token, or a login step: login-url / login-email)';
  if (req.body !== null && usesToken(req.body)) throw new InputError(req.bodyInput, noToken);
  if (req.headerLines.some(([, v]) => usesToken(v))) throw new InputError('headers', noToken);
}
