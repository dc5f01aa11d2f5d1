import { InputError } from '../errors.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Framing and hop-by-hop headers: the client owns them; a user value would break or smuggle requests. */
const FORBIDDEN = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection']);

/** One `Name: value` a line; blank lines are skipped. Values may hold placeholders (templated later). */
export function parseHeaderLines(text: string, input = 'headers'): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (colon <= 0 || !TOKEN.test(name)) {
      throw new InputError(input, `line ${i + 1} is not "Name: value" (got "${truncate(line)}")`);
    }
    if (FORBIDDEN.has(name.toLowerCase())) {
      throw new InputError(input, `line ${i + 1}: ${name} is set by the HTTP client (framing and hop-by-hop headers cannot be set)`);
    }
    const v = line.slice(colon + 1).trim();
    if (/[\r\0]/.test(v)) throw new InputError(input, `line ${i + 1}: the value of ${name} holds a carriage return or NUL`);
    out.push([name, v]);
  });
  return out;
}

/** Header names whose values are secrets: never logged, redacted in reports. */
export function isSecretHeader(name: string): boolean {
  const n = name.toLowerCase();
  return (
    n === 'authorization' ||
    n === 'proxy-authorization' ||
    n === 'cookie' ||
    n === 'set-cookie' ||
    n.endsWith('-token') ||
    n.endsWith('-key') ||
    n.includes('secret') ||
    n.includes('password') ||
    n.includes('bypass') ||
    n === 'api-key' ||
    n === 'apikey'
  );
}

function truncate(s: string): string {
  // Never echo a whole line back: it may be a secret pasted without a colon.
  return s.length > 12 ? `${s.slice(0, 12)}…` : s;
}
