// The URLs of the inputs: the url, the compare target's, wait-for's and the login's; an absolute
// http(s) URL or a path against a base. A password or secret-looking query value joins the secrets.
import { InputError } from '../errors.js';
import { isSecretParam, looksLikeSecret, redactUrl } from '../redact.js';
import { urlWithoutScheme } from './url-scheme.js';

/**
 * An absolute http(s) URL, or a path resolved against base-url (keeping its path prefix:
 * https://h/app + /v1/chat → https://h/app/v1/chat), else against `fallback`. Any password or
 * secret-looking query value is added to `secrets`.
 */
export function resolveAgainst(input: string, raw: string, baseText: string | undefined, fallback: URL | undefined, secrets: string[], baseInput = 'base-url'): URL {
  let u: URL;
  if (raw.startsWith('/')) {
    let base: URL;
    if (baseText !== undefined) {
      noScheme(baseInput, baseText.trim());
      try {
        base = new URL(baseText.trim());
      } catch {
        throw new InputError(baseInput, `"${redactUrl(baseText.trim())}" is not a valid URL`);
      }
      checkScheme(baseInput, base);
    } else if (fallback) base = new URL(fallback.origin);
    else if (baseInput !== 'base-url') throw new InputError(input, `"${raw}" is a path: set ${baseInput}`);
    else throw new InputError(input, `"${raw}" is a path: set base-url (or run on a deployment_status event)`);
    u = new URL(base.pathname.replace(/\/$/, '') + raw, base);
  } else {
    noScheme(input, raw);
    try {
      u = new URL(raw);
    } catch {
      throw new InputError(input, `"${redactUrl(raw)}" is not a valid URL (absolute http(s) URL, or a path starting with /)`);
    }
  }
  checkScheme(input, u);
  if (u.password) secrets.push(decodeURIComponent(u.password));
  for (const [k, v] of u.searchParams) if (v && (isSecretParam(k) || looksLikeSecret(v))) secrets.push(v);
  return u;
}

/** `wait-for` / `login-url`: like `url`, but a path without base-url goes against the url's origin. */
export function resolveAux(input: string, text: string, baseText: string | undefined, target: URL, secrets: string[]): URL {
  return resolveAgainst(input, text.trim(), baseText, target, secrets);
}

export function resolveUrl(urlText: string | undefined, baseText: string | undefined, secrets: string[]): { url: string; origin: string; path: string } {
  if (urlText === undefined) throw new InputError('url', 'is required (an absolute http(s) URL, or a path starting with / and base-url)');
  const u = resolveAgainst('url', urlText.trim(), baseText, undefined, secrets);
  return { url: u.href, origin: u.origin, path: `${u.pathname}${u.search}` };
}

/** `localhost:8787/x` is an input error that shows the URL meant, not "scheme localhost is not supported". */
function noScheme(input: string, raw: string): void {
  const meant = urlWithoutScheme(raw);
  if (meant === null || !URL.canParse(meant)) return;
  // Shown as typed, unless a secret in it had to be redacted.
  const redacted = redactUrl(meant);
  const shown = redacted === new URL(meant).href ? meant : redacted;
  throw new InputError(input, `"${shown.replace(/^https?:\/\//, '')}" has no scheme: did you mean ${shown}?`);
}

function checkScheme(input: string, u: URL): void {
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new InputError(input, `scheme "${u.protocol.replace(/:$/, '')}" is not supported (use http or https)`);
  }
}
