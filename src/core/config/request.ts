// The request as data: one template for the url and the compare target (headers the gate adds, the
// token's Authorization, the headers and body as given, compiled), and the one function that fills
// it per request. The token is an argument of the rendering, so a login's token is passed, not set.
import { compileTemplate, renderTemplate, type Template, type TemplateContext } from './template.js';

export interface RequestTemplate {
  /** Sent as Accept-Encoding unless the headers set it (what browsers send), else null. */
  acceptEncoding: string | null;
  /** The Content-Type guessed from the body when the headers set none, else null. */
  contentType: string | null;
  /** The token goes in Authorization with this scheme ('' for the bare token); null when the headers set Authorization. */
  authScheme: string | null;
  /** The headers as given, in their order. */
  headers: ReadonlyArray<readonly [string, Template]>;
  body: Template | null;
  /** This target's own token (compare-token), or null: the run's (the token input, or the login's). */
  ownToken: string | null;
}

/** Sent unless `headers` sets Accept-Encoding: what browsers send (the engine decodes all three). */
export const DEFAULT_ACCEPT_ENCODING = 'gzip, deflate, br';

/** What a request template is built from; the head's body template is shared by the compare target. */
export interface RequestParts {
  headerLines: Array<[string, string]>;
  /** The input the header lines came from (named in errors). */
  headersInput: string;
  body: string | null;
  bodyInput: string;
  /** The scheme of the preset for this path ('' for the bare token). */
  authScheme: string;
  ownToken?: string | null;
  /** The body, already compiled (the compare target sends the head's). */
  bodyTemplate?: Template | null;
}

/**
 * Compiles the headers and the body now, so an unknown placeholder fails before any request is
 * sent; every {{env.*}} value joins `secrets`.
 */
export function buildRequestTemplate(p: RequestParts, env: Record<string, string | undefined>, secrets: string[]): RequestTemplate {
  const has = (name: string): boolean => p.headerLines.some(([n]) => n.toLowerCase() === name);
  const headers = p.headerLines.map(([name, v]) => [name, compileTemplate(v, p.headersInput, env, { secrets, singleLine: true })] as const);
  const body = p.bodyTemplate !== undefined ? p.bodyTemplate : p.body === null ? null : compileTemplate(p.body, p.bodyInput, env, { secrets });
  return {
    // As browsers ask: a proxy that compresses (and so buffers) event streams is then seen as users see it.
    acceptEncoding: has('accept-encoding') ? null : DEFAULT_ACCEPT_ENCODING,
    contentType: p.body !== null && !has('content-type') ? guessContentType(p.body) : null,
    authScheme: has('authorization') ? null : p.authScheme,
    headers,
    body,
    ownToken: p.ownToken ?? null,
  };
}

/** The headers and body of one request; `runToken` is the token input or the login's. */
export function renderRequest(t: RequestTemplate, ctx: TemplateContext, runToken: string | undefined): { headers: Record<string, string>; body: string | null } {
  const token = t.ownToken ?? runToken;
  const headers: Record<string, string> = {};
  if (t.acceptEncoding !== null) headers['accept-encoding'] = t.acceptEncoding;
  if (t.contentType !== null) headers['content-type'] = t.contentType;
  if (token && t.authScheme !== null) headers.authorization = t.authScheme ? `${t.authScheme} ${token}` : token;
  for (const [name, tpl] of t.headers) headers[name] = renderTemplate(tpl, ctx, token);
  return { headers, body: t.body ? renderTemplate(t.body, ctx, token) : null };
}

function guessContentType(body: string): string {
  const t = body.trimStart();
  return t.startsWith('{') || t.startsWith('[') ? 'application/json' : 'text/plain; charset=utf-8';
}
