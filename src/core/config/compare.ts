// Same-run A/B: the compare target (compare-url, compare-base-url, compare-headers, compare-token).
// The request is the url's (method, body, preset); its URL, headers and token are its own.
import { InputError } from '../errors.js';
import { authSchemeFor, type Preset } from '../load/presets/types.js';
import { redactUrl } from '../redact.js';
import type { Criterion } from '../types.js';
import { isSecretHeader, parseHeaderLines } from './headers.js';
import { value, type Inputs } from './read-input.js';
import { buildRequestTemplate, type RequestTemplate } from './request.js';
import type { RequestInputs } from './request-inputs.js';
import { resolveAgainst } from './urls.js';

/** The compare target (compare-url): the same method, body and preset as the url, its own URL, headers and token. */
export interface CompareTarget {
  url: string;
  origin: string;
  path: string;
  /** Safe to print. */
  displayUrl: string;
  headerLines: Array<[string, string]>;
  /** Whether compare-token was given (else the token is shared). */
  ownToken: boolean;
  /** The request to send (its own token, when compare-token is given, is in it). */
  request: RequestTemplate;
}

/** Same-run A/B: the compare target, and no criterion may reference it without one. */
export function readCompare(
  inputs: Inputs,
  req: RequestInputs,
  { url: targetUrl, path }: { url: string; path: string },
  templates: RequestTemplate,
  env: Record<string, string | undefined>,
  secrets: string[],
  criteria: Criterion[],
): CompareTarget | null {
  const compare = buildCompare(inputs, {
    urlText: value(inputs, 'url')!.trim(),
    targetUrl,
    path,
    preset: req.preset,
    body: req.body,
    bodyInput: req.bodyInput,
    headerLines: req.headerLines,
    head: templates,
    env,
    secrets,
  });
  for (const c of criteria) {
    if (c.value.kind === 'factor' && c.value.metric.compare && compare === null) {
      throw new InputError('criteria', `line ${c.line}: "${c.text}" references compare.${c.value.metric.name} but no compare target is set (set compare-url or compare-base-url)`);
    }
  }
  return compare;
}

interface CompareContext {
  /** The url input as given (a path is loaded against compare-base-url too). */
  urlText: string;
  /** The url, resolved (the compare target must be another one). */
  targetUrl: string;
  /** The url's path and query. */
  path: string;
  preset: Preset;
  body: string | null;
  bodyInput: string;
  headerLines: Array<[string, string]>;
  /** The url's request template (its body is the compare target's too). */
  head: RequestTemplate;
  env: Record<string, string | undefined>;
  secrets: string[];
}

/**
 * The compare target of a same-run A/B, or null when neither compare-url nor compare-base-url is set.
 * The request is the head's (method, body, preset); the URL, headers (compare-headers replaces
 * headers) and token (compare-token, else the token) are its own.
 */
function buildCompare(inputs: Inputs, c: CompareContext): CompareTarget | null {
  const urlText = value(inputs, 'compare-url')?.trim();
  const baseText = value(inputs, 'compare-base-url');
  const headersText = value(inputs, 'compare-headers');
  const tokenText = value(inputs, 'compare-token')?.trim();
  if (urlText === undefined && baseText === undefined) {
    if (headersText !== undefined) throw new InputError('compare-headers', 'is set but compare-url is not (set compare-url or compare-base-url)');
    if (tokenText !== undefined) throw new InputError('compare-token', 'is set but compare-url is not (set compare-url or compare-base-url)');
    return null;
  }
  if (tokenText && /[\r\n\0]/.test(tokenText)) throw new InputError('compare-token', 'holds a line break or NUL');
  if (tokenText) c.secrets.push(tokenText);
  // Without compare-url the head's path is loaded against compare-base-url.
  const raw = urlText ?? (c.urlText.startsWith('/') ? c.urlText : c.path);
  const u = resolveAgainst('compare-url', raw, baseText, undefined, c.secrets, 'compare-base-url');
  const path = `${u.pathname}${u.search}`;
  const headerLines = headersText !== undefined ? parseHeaderLines(headersText, 'compare-headers') : c.headerLines;
  // The same URL is only another target when other headers route it (e.g. to the base deployment).
  if (u.href === c.targetUrl && JSON.stringify(headerLines) === JSON.stringify(c.headerLines)) {
    throw new InputError(
      urlText !== undefined ? 'compare-url' : 'compare-base-url',
      `resolves to the url itself (${redactUrl(u.href)}): an A/B of a target against itself measures nothing (set the base's URL, or compare-headers that route to it; for an A/A noise check, add a query parameter the server ignores)`,
    );
  }
  if (headersText !== undefined) for (const [name, v] of headerLines) if (isSecretHeader(name) && v && !v.includes('{{')) c.secrets.push(v);
  const request = buildRequestTemplate(
    {
      headerLines,
      headersInput: headersText !== undefined ? 'compare-headers' : 'headers',
      body: c.body,
      bodyInput: c.bodyInput,
      bodyTemplate: c.head.body,
      authScheme: authSchemeFor(c.preset, path),
      ownToken: tokenText ?? null,
    },
    c.env,
    c.secrets,
  );
  return { url: u.href, origin: u.origin, path, displayUrl: redactUrl(u.href), headerLines, ownToken: Boolean(tokenText), request };
}
