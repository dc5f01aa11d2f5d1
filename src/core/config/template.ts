import { randomUUID } from 'node:crypto';
import { InputError } from '../errors.js';

export interface TemplateContext {
  stage: number;
  user: number;
  iteration: number;
}

/** A compiled template: literal parts and per-request fields, so rendering is a join, not a regex. */
export type Template = (ctx: TemplateContext) => string;

/** A `{{ name }}` placeholder (the name trimmed), in request templates and the login body. */
export const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;
const PLACEHOLDERS = ['uuid', 'user', 'iteration', 'stage', 'token', 'env.NAME'];

export interface TemplateOptions {
  /** Every `{{env.*}}` value is added here: it may be a secret and is redacted from every output. */
  secrets?: string[];
  /** A header value: an environment value with CR, LF or NUL is an input error. */
  singleLine?: boolean;
}

/** Whether a template has a part that changes per request (then it cannot be rendered once). */
export function isPerRequest(text: string): boolean {
  for (const m of text.matchAll(PLACEHOLDER)) if (['uuid', 'user', 'iteration', 'stage'].includes(m[1] ?? '')) return true;
  return false;
}

/**
 * Compiles `{{uuid}}`, `{{user}}`, `{{iteration}}`, `{{stage}}`, `{{token}}`, `{{env.NAME}}`.
 * `{{token}}` and `{{env.*}}` are fixed for the run and filled now; an unknown placeholder is an input error.
 * `getToken` is read lazily so a token from a login step can be filled in later.
 */
export function compileTemplate(text: string, input: string, env: Record<string, string | undefined>, getToken: () => string | undefined, opts: TemplateOptions = {}): Template {
  const parts: Array<string | ((ctx: TemplateContext) => string)> = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    last = m.index + m[0].length;
    const name = m[1] ?? '';
    if (name === 'uuid') parts.push(() => randomUUID());
    else if (name === 'user') parts.push((c) => String(c.user));
    else if (name === 'iteration') parts.push((c) => String(c.iteration));
    else if (name === 'stage') parts.push((c) => String(c.stage));
    else if (name === 'token') {
      parts.push(() => {
        const t = getToken();
        if (t === undefined) throw new InputError(input, '{{token}} is used but no token is set (input token or a login step)');
        return t;
      });
    } else if (name.startsWith('env.') && /^env\.[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      const value = env[name.slice(4)];
      if (value === undefined) throw new InputError(input, `{{${name}}}: environment variable ${name.slice(4)} is not set`);
      if (opts.singleLine && /[\r\n\0]/.test(value)) throw new InputError(input, `{{${name}}}: environment variable ${name.slice(4)} holds a line break or NUL`);
      opts.secrets?.push(value);
      parts.push(value);
    } else {
      throw new InputError(input, `unknown placeholder {{${name}}} (known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')})`);
    }
  }
  if (last < text.length) parts.push(text.slice(last));
  if (parts.every((p) => typeof p === 'string')) {
    const fixed = parts.join('');
    return () => fixed;
  }
  return (ctx) => {
    let s = '';
    for (const p of parts) s += typeof p === 'string' ? p : p(ctx);
    return s;
  };
}

/** Whether a template text uses {{token}} (then the token must be known before requests). */
export function usesToken(text: string): boolean {
  for (const m of text.matchAll(PLACEHOLDER)) if (m[1] === 'token') return true;
  return false;
}
