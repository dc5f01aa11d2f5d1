import { readFileSync } from 'node:fs';
import { parseCriteria, CriteriaError, DEFAULT_CRITERIA } from './criteria.js';
import { parseDuration } from './duration.js';
import { InputError } from './errors.js';
import { isSecretHeader, parseHeaderLines } from './headers.js';
import { getPreset } from './presets/index.js';
import type { Preset } from './presets/types.js';
import { isSecretParam, redactUrl } from './redact.js';
import { DEFAULT_STAGES, parseStages } from './stages.js';
import { compileTemplate, type TemplateContext } from './template.js';
import type { Criterion, PresetName, Stage, StreamFormat } from './types.js';

/** The inputs of the core, named as in action.yml; the CLI takes the same names as --flags. */
export const CORE_INPUTS = {
  url: 'absolute URL of the streaming endpoint, or a path starting with / resolved against base-url',
  'base-url': 'base of the preview deployment (action: defaults to the environment_url of a deployment_status event)',
  method: 'HTTP method (default POST)',
  headers: 'request headers, one "Name: value" a line',
  body: 'request body; {{uuid}} {{user}} {{iteration}} {{stage}} {{token}} {{env.NAME}} are filled per request',
  'body-file': 'read the request body from this file (same placeholders)',
  token: 'secret sent as Authorization (Bearer unless the preset says otherwise) unless headers set it; also {{token}}',
  preset: 'generic (default)',
  format: 'stream format: auto (by Content-Type, default), sse, ndjson, raw',
  stages: `USERSxREQUESTS, comma-separated (default ${DEFAULT_STAGES})`,
  timeout: 'per-request timeout (default 60s)',
  cooldown: 'pause between stages (default 500ms)',
  criteria: 'pass/fail criteria, one a line (default: the built-in set)',
  'fail-on-criteria': 'true (default): a missed criterion fails; false: report only',
  'report-path': 'where to write the JSON report (default ttfc-report.json)',
} as const;

export type CoreInputName = keyof typeof CORE_INPUTS;
export type Inputs = Partial<Record<string, string>>;

export interface Config {
  url: string;
  origin: string;
  path: string;
  /** The URL with credentials and secret-looking query values removed: safe to print. */
  displayUrl: string;
  method: string;
  headerLines: Array<[string, string]>;
  body: string | null;
  token: string | undefined;
  preset: Preset;
  format: StreamFormat;
  stages: Stage[];
  timeoutMs: number;
  cooldownMs: number;
  criteriaText: string;
  criteria: Criterion[];
  failOnCriteria: boolean;
  reportPath: string;
  /** Values that must never be printed (token, secret header values, URL passwords and secret query values). */
  secrets: string[];
  /** Per-request header and body rendering. */
  render: (ctx: TemplateContext) => { headers: Record<string, string>; body: string | null };
}

export interface ConfigContext {
  env: Record<string, string | undefined>;
  /** Resolves relative file paths (body-file). */
  cwd?: string;
}

const FORMATS: StreamFormat[] = ['auto', 'sse', 'ndjson', 'raw'];

function value(inputs: Inputs, name: string): string | undefined {
  const v = inputs[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}

export function parseBoolean(name: string, text: string | undefined, dflt: boolean): boolean {
  if (text === undefined) return dflt;
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === 'yes' || t === '1') return true;
  if (t === 'false' || t === 'no' || t === '0') return false;
  throw new InputError(name, `"${text}" is not true or false`);
}

/** Builds and validates the config from named inputs: the one place both adapters go through. */
export function buildConfig(inputs: Inputs, ctx: ConfigContext): Config {
  const secrets: string[] = [];
  const token = value(inputs, 'token')?.trim();
  if (token) secrets.push(token);

  const { url, origin, path } = resolveUrl(value(inputs, 'url'), value(inputs, 'base-url'), secrets);

  const method = (value(inputs, 'method') ?? 'POST').trim().toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new InputError('method', `"${method}" is not an HTTP method`);

  const preset = getPreset((value(inputs, 'preset') ?? 'generic').trim());

  const format = (value(inputs, 'format') ?? 'auto').trim().toLowerCase() as StreamFormat;
  if (!FORMATS.includes(format)) throw new InputError('format', `"${format}" is not one of ${FORMATS.join(', ')}`);

  const headerLines = parseHeaderLines(value(inputs, 'headers') ?? '');
  for (const [name, v] of headerLines) if (isSecretHeader(name) && v && !v.includes('{{')) secrets.push(v);

  const bodyText = value(inputs, 'body');
  const bodyFile = value(inputs, 'body-file');
  if (bodyText !== undefined && bodyFile !== undefined) {
    throw new InputError('body-file', 'set either body or body-file, not both');
  }
  let body: string | null = bodyText ?? null;
  if (bodyFile !== undefined) {
    try {
      body = readFileSync(new URL(bodyFile, `file://${(ctx.cwd ?? process.cwd()).replace(/\/?$/, '/')}`), 'utf8');
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new InputError('body-file', `cannot read "${bodyFile}"${code === 'ENOENT' ? ': no such file' : code ? `: ${code}` : ''}`);
    }
  }

  const stages = parseStages(value(inputs, 'stages') ?? DEFAULT_STAGES);
  const timeoutMs = parseDuration('timeout', value(inputs, 'timeout') ?? '60s');
  const cooldownText = value(inputs, 'cooldown');
  const cooldownMs = cooldownText === undefined || cooldownText.trim() === '0' ? (cooldownText ? 0 : 500) : parseDuration('cooldown', cooldownText);

  const criteriaText = value(inputs, 'criteria') ?? DEFAULT_CRITERIA;
  let criteria: Criterion[];
  try {
    criteria = parseCriteria(criteriaText);
  } catch (err) {
    if (err instanceof CriteriaError) throw new InputError('criteria', err.message);
    throw err;
  }

  const failOnCriteria = parseBoolean('fail-on-criteria', value(inputs, 'fail-on-criteria'), true);
  const reportPath = (value(inputs, 'report-path') ?? 'ttfc-report.json').trim();

  // Templates are compiled now so an unknown placeholder fails before any request is sent.
  const getToken = (): string | undefined => token;
  const headerTemplates = headerLines.map(([name, v]) => [name, compileTemplate(v, 'headers', ctx.env, getToken)] as const);
  const hasAuthHeader = headerLines.some(([n]) => n.toLowerCase() === 'authorization');
  const bodyTemplate = body === null ? null : compileTemplate(body, bodyFile !== undefined ? 'body-file' : 'body', ctx.env, getToken);
  const authValue = token && !hasAuthHeader ? (preset.authScheme ? `${preset.authScheme} ${token}` : token) : undefined;
  const contentType = body !== null && !headerLines.some(([n]) => n.toLowerCase() === 'content-type') ? guessContentType(body) : undefined;
  const render = (c: TemplateContext) => {
    const headers: Record<string, string> = {};
    if (contentType) headers['content-type'] = contentType;
    if (authValue) headers.authorization = authValue;
    for (const [name, tpl] of headerTemplates) headers[name] = tpl(c);
    return { headers, body: bodyTemplate ? bodyTemplate(c) : null };
  };

  return {
    url,
    origin,
    path,
    displayUrl: redactUrl(url),
    method,
    headerLines,
    body,
    token,
    preset,
    format,
    stages,
    timeoutMs,
    cooldownMs,
    criteriaText,
    criteria,
    failOnCriteria,
    reportPath,
    secrets,
    render,
  };
}

function resolveUrl(urlText: string | undefined, baseText: string | undefined, secrets: string[]): { url: string; origin: string; path: string } {
  if (urlText === undefined) throw new InputError('url', 'is required (an absolute http(s) URL, or a path starting with / and base-url)');
  const raw = urlText.trim();
  let u: URL;
  if (raw.startsWith('/')) {
    if (baseText === undefined) throw new InputError('url', `"${raw}" is a path: set base-url (or run on a deployment_status event)`);
    let base: URL;
    try {
      base = new URL(baseText.trim());
    } catch {
      throw new InputError('base-url', `"${redactUrl(baseText.trim())}" is not a valid URL`);
    }
    checkScheme('base-url', base);
    // Keep the base's own path prefix: base https://h/app + /v1/chat → https://h/app/v1/chat.
    u = new URL(base.pathname.replace(/\/$/, '') + raw, base);
  } else {
    try {
      u = new URL(raw);
    } catch {
      throw new InputError('url', `"${redactUrl(raw)}" is not a valid URL (absolute http(s) URL, or a path starting with /)`);
    }
  }
  checkScheme('url', u);
  if (u.password) secrets.push(decodeURIComponent(u.password));
  for (const [k, v] of u.searchParams) if (v && isSecretParam(k)) secrets.push(v);
  const origin = u.origin;
  return { url: u.href, origin, path: `${u.pathname}${u.search}` };
}

function checkScheme(input: string, u: URL): void {
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new InputError(input, `scheme "${u.protocol.replace(/:$/, '')}" is not supported (use http or https)`);
  }
}

function guessContentType(body: string): string {
  const t = body.trimStart();
  return t.startsWith('{') || t.startsWith('[') ? 'application/json' : 'text/plain; charset=utf-8';
}
