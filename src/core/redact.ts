// Secrets never reach logs, comments, summaries or report files: these helpers strip them.
import { escapeHtml, escapeMarkdownChars } from './report/escape.js';
import { neutralize } from './safe-text.js';

const SECRET_PARAM = /(token|key|secret|sig|signature|password|passwd|auth|credential|bypass|session)/i;

/** Query parameter names whose values are treated as secrets. */
export function isSecretParam(name: string): boolean {
  return SECRET_PARAM.test(name);
}

/** The URL without userinfo and with secret-looking query values replaced by `***`. */
export function redactUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return text.replace(/\/\/[^/@\s]*@/, '//***@');
  }
  if (u.username || u.password) {
    u.username = '';
    u.password = '';
  }
  for (const key of [...u.searchParams.keys()]) if (isSecretParam(key)) u.searchParams.set(key, '***');
  return u.href;
}

/**
 * A value that looks like a key even under an innocent name (`?k=…`, `X-Client: …`): at least 16
 * characters, no spaces, letters and digits mixed.
 */
export function looksLikeSecret(value: string): boolean {
  return value.length >= 16 && !/\s/.test(value) && /[A-Za-z]/.test(value) && /\d/.test(value);
}

/** How a server may send a secret back: as is, URL-encoded (also as a form), JSON-escaped (also with `\/` or `\uXXXX`), HTML-entity-encoded. */
function echoForms(secret: string): string[] {
  const out = new Set([secret]);
  try {
    const u = encodeURIComponent(secret);
    out.add(u).add(u.replace(/%20/g, '+')).add(encodeURI(secret));
  } catch {
    /* lone surrogate */
  }
  const json = JSON.stringify(secret).slice(1, -1);
  out.add(json).add(json.replace(/\//g, '\\/'));
  out.add(json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  const html = escapeHtml(secret);
  out.add(html).add(html.replace(/'/g, '&#39;')).add(html.replace(/'/g, '&#x27;'));
  return [...out];
}

/**
 * How an output may show a text: as is, escaped as markdown (escapeInline: entities, backslashes,
 * zero-width spaces in mentions and links), in a table's code span (`\|`), made inert for the
 * runner (safe-text: `::` broken by a zero-width space), JSON-escaped (the report file).
 */
function outputForms(text: string): string[] {
  return [text, escapeMarkdownChars(text), text.replace(/\|/g, '\\|'), neutralize(text), JSON.stringify(text).slice(1, -1)];
}

const formsCache = new Map<string, string[]>();

/** Every form of a secret that redaction looks for: each way a server may echo it, as each output shows it. */
function secretForms(secret: string): string[] {
  let forms = formsCache.get(secret);
  if (forms === undefined) {
    forms = [...new Set(echoForms(secret).flatMap(outputForms))];
    if (formsCache.size > 256) formsCache.clear();
    formsCache.set(secret, forms);
  }
  return forms;
}

let last: { key: string; all: string[]; pattern: RegExp } | null = null;

/** The forms of the secrets, longest first, and one pattern matching any of them (one pass over a big text). */
function compiled(secrets: readonly string[]): { all: string[]; pattern: RegExp } {
  const key = secrets.join('\u0000');
  if (last?.key === key) return last;
  const all = [...new Set(secrets.filter((s) => s.length >= 3).flatMap(secretForms))].filter((f) => f.length >= 3).sort((a, b) => b.length - a.length);
  // Case-insensitive: a server may echo a header value lowercased (`Content-Type: image/bearer tok…`).
  const pattern = new RegExp(all.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|') || '(?!)', 'gi');
  last = { key, all, pattern };
  return last;
}

/** The shortest cut-off start of a secret that is still redacted at the end of a text (a server message truncated mid-secret). */
const MIN_TAIL = 6;

/**
 * Replaces every occurrence of every secret in every form (secretForms: echoed URL-encoded,
 * JSON-escaped or as HTML entities, shown markdown-escaped or made inert; in any letter case)
 * with `***`, longest first, and a text that ends in the first part of a secret (a truncated echo) with `***` there.
 * Redact before escaping where the text is still raw; this pass also catches what was escaped first.
 */
export function redactText(text: string, secrets: readonly string[]): string {
  if (secrets.length === 0 || text.length === 0) return text;
  const { all, pattern } = compiled(secrets);
  if (all.length === 0) return text;
  const out = text.replace(pattern, '***');
  const ellipsis = out.endsWith('…') ? '…' : '';
  let tail = ellipsis ? out.slice(0, -1) : out;
  for (const s of all) {
    if (s.length <= MIN_TAIL) continue;
    const end = tail.slice(-(s.length - 1)).toLowerCase();
    const lower = s.toLowerCase();
    for (let n = Math.min(s.length - 1, end.length); n >= MIN_TAIL; n--) {
      if (end.endsWith(lower.slice(0, n))) {
        tail = `${tail.slice(0, tail.length - n)}***`;
        break;
      }
    }
  }
  return tail + ellipsis;
}

/**
 * Redacts every string inside a value (objects and arrays, walked without recursion), in place.
 * Arrays under a key in `skip` are left alone (the caller redacts them its own, cheaper way).
 */
export function redactDeep(value: unknown, secrets: readonly string[], skip: ReadonlySet<string> = new Set()): void {
  if (secrets.length === 0) return;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'string') v[i] = redactText(x, secrets);
        else if (typeof x === 'object' && x !== null) stack.push(x);
      }
    } else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      for (const [k, x] of Object.entries(o)) {
        if (typeof x === 'string') o[k] = redactText(x, secrets);
        else if (typeof x === 'object' && x !== null && !skip.has(k)) stack.push(x);
      }
    }
  }
}
