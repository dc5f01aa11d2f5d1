// Secrets never reach logs, comments, summaries or report files: these helpers strip them.

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

/** A secret as it may come back from a server: as is, URL-encoded, or inside a JSON string. */
function variants(secret: string): string[] {
  const out = new Set([secret]);
  try {
    out.add(encodeURIComponent(secret));
  } catch {
    /* lone surrogate */
  }
  out.add(JSON.stringify(secret).slice(1, -1));
  return [...out];
}

/** The shortest cut-off start of a secret that is still redacted at the end of a text (a server message truncated mid-secret). */
const MIN_TAIL = 6;

/**
 * Replaces every occurrence of every secret (longest first, also URL-encoded or JSON-escaped)
 * with `***`, and a text that ends in the first part of a secret (a truncated echo) with `***` there.
 */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  const all = [...new Set(secrets.filter((s) => s.length >= 3).flatMap(variants))].sort((a, b) => b.length - a.length);
  for (const s of all) out = out.split(s).join('***');
  for (const s of all) {
    if (s.length <= MIN_TAIL) continue;
    const tail = out.replace(/…$/, '');
    for (let n = Math.min(s.length - 1, tail.length); n >= MIN_TAIL; n--) {
      if (tail.endsWith(s.slice(0, n))) {
        out = `${tail.slice(0, tail.length - n)}***${out.slice(tail.length)}`;
        break;
      }
    }
  }
  return out;
}
