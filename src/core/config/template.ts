import { randomUUID } from 'node:crypto';
import { InputError } from '../errors.js';

export interface TemplateContext {
  stage: number;
  user: number;
  iteration: number;
}

/** A field of a template filled when it is rendered: per request, or (token) once the token is known. */
export type TemplateField = 'uuid' | 'user' | 'iteration' | 'stage' | 'token';

/**
 * A compiled template, as data: literal text (`{{env.*}}` already filled) and the fields filled per
 * request, so rendering is a join, not a regex.
 */
export interface Template {
  /** The input it came from (named when {{token}} finds no token). */
  input: string;
  parts: ReadonlyArray<string | { field: TemplateField }>;
}

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
 * `{{env.*}}` is fixed for the run and filled now; an unknown placeholder is an input error. `{{token}}`
 * is filled when rendered, so a token from a login step fills it too.
 */
export function compileTemplate(text: string, input: string, env: Record<string, string | undefined>, opts: TemplateOptions = {}): Template {
  const parts: Array<string | { field: TemplateField }> = [];
  const literal = (t: string): void => {
    if (t === '') return;
    const last = parts.at(-1);
    if (typeof last === 'string') parts[parts.length - 1] = last + t;
    else parts.push(t);
  };
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    literal(text.slice(last, m.index));
    last = m.index + m[0].length;
    const name = m[1] ?? '';
    if (name === 'uuid' || name === 'user' || name === 'iteration' || name === 'stage' || name === 'token') parts.push({ field: name });
    else if (name.startsWith('env.') && /^env\.[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      const value = env[name.slice(4)];
      if (value === undefined) throw new InputError(input, `{{${name}}}: environment variable ${name.slice(4)} is not set`);
      if (opts.singleLine && /[\r\n\0]/.test(value)) throw new InputError(input, `{{${name}}}: environment variable ${name.slice(4)} holds a line break or NUL`);
      opts.secrets?.push(value);
      literal(value);
    } else {
      throw new InputError(input, `unknown placeholder {{${name}}} (known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')})`);
    }
  }
  literal(text.slice(last));
  return { input, parts };
}

/** Fills a template for one request; `token` fills {{token}} (the token input, or the login's). */
export function renderTemplate(t: Template, ctx: TemplateContext, token: string | undefined): string {
  let s = '';
  for (const p of t.parts) {
    if (typeof p === 'string') s += p;
    else if (p.field === 'uuid') s += randomUUID();
    else if (p.field === 'user') s += String(ctx.user);
    else if (p.field === 'iteration') s += String(ctx.iteration);
    else if (p.field === 'stage') s += String(ctx.stage);
    else if (token === undefined) throw new InputError(t.input, '{{token}} is used but no token is set (input token or a login step)');
    else s += token;
  }
  return s;
}

/** Whether a template text uses {{token}} (then the token must be known before requests). */
export function usesToken(text: string): boolean {
  for (const m of text.matchAll(PLACEHOLDER)) if (m[1] === 'token') return true;
  return false;
}
