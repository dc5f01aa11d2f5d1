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

/** Replaces every occurrence of every secret (longest first) with `***`. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length)) {
    out = out.split(s).join('***');
  }
  return out;
}
