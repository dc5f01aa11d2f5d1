// What runs before the load, as data: the readiness wait (wait-for), the login and the server side's
// URLs, resolved like the url; the load's headers go along to the same origin only. prepare/ runs them.
import type { Preset } from '../load/presets/types.js';
import { redactUrl } from '../redact.js';
import { buildServerSpec } from '../server/config.js';
import type { ServerSpec } from '../server/types.js';
import { parseDuration } from '../time/duration.js';
import { value, type Inputs } from './read-input.js';
import { buildLogin, type LoginSpec } from './login.js';
import type { ReadinessSpec } from './readiness.js';
import type { RequestTemplate } from './request.js';
import { BEFORE_LOAD } from './request-inputs.js';
import { renderTemplate, usesToken } from './template.js';
import { resolveAux } from './urls.js';

/** wait-timeout's upper bound: a typo must not become a wait that never ends. */
const MAX_WAIT_TIMEOUT_MS = 3_600_000;

interface BeforeLoadContext {
  url: string;
  origin: string;
  token: string | undefined;
  timeoutMs: number;
  preset: Preset;
  env: Record<string, string | undefined>;
  secrets: string[];
  templates: RequestTemplate;
  headerLines: Array<[string, string]>;
}

/** Readiness (wait-for) and login: validated now, run by the gate before the load. */
export function readBeforeLoad(inputs: Inputs, c: BeforeLoadContext): { wait: ReadinessSpec | null; login: LoginSpec | null; server: ServerSpec | null } {
  const target = new URL(c.url);
  const baseText = value(inputs, 'base-url');
  const resolve = (input: string, text: string): URL => resolveAux(input, text, baseText, target, c.secrets);
  const inherited = c.templates.headers.filter(([n], i) => !NOT_INHERITED.has(n.toLowerCase()) && !usesToken(c.headerLines[i]![1]));
  const headersFor = (u: URL) => (): Record<string, string> => {
    const h: Record<string, string> = {};
    // Headers of the load (e.g. a deployment-protection bypass) go only to the same origin.
    if (u.origin === c.origin) for (const [name, tpl] of inherited) h[name] = renderTemplate(tpl, BEFORE_LOAD, undefined);
    return h;
  };
  const waitTimeoutMs = parseDuration('wait-timeout', value(inputs, 'wait-timeout') ?? '5m', { max: MAX_WAIT_TIMEOUT_MS });
  const waitFor = value(inputs, 'wait-for');
  let wait: ReadinessSpec | null = null;
  if (waitFor !== undefined) {
    const u = resolve('wait-for', waitFor);
    wait = { url: u.href, displayUrl: redactUrl(u.href), timeoutMs: waitTimeoutMs, headers: headersFor(u) };
  }
  const login = buildLogin(
    {
      url: value(inputs, 'login-url'),
      body: value(inputs, 'login-body'),
      tokenFrom: value(inputs, 'login-token-from'),
      email: value(inputs, 'login-email'),
      password: value(inputs, 'login-password'),
      publicKey: value(inputs, 'login-public-key'),
    },
    { preset: c.preset, target, resolve, headersFor, env: c.env, hasToken: c.token !== undefined, timeoutMs: c.timeoutMs, secrets: c.secrets },
  );
  // The server side (health-url, monitor, metrics-url, logs-command) resolves its URLs the same way.
  const server = buildServerSpec(inputs, { resolve, headersFor, timeoutMs: c.timeoutMs, secrets: c.secrets });
  return { wait, login, server };
}

/** Headers of the load never sent to the login / readiness URLs. */
const NOT_INHERITED = new Set(['authorization', 'accept', 'content-type', 'content-length', 'host', 'transfer-encoding', 'connection']);
