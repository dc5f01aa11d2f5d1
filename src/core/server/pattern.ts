// log-error-pattern: compiled with re2js (a port of RE2), whose matching takes time linear in the
// line, so no pattern can block the event loop on a hostile log line (`(a+)+$` against 30 `a`s
// and a `!` took 88 s with RegExp). What RE2 cannot do in linear time — backreferences,
// lookahead, lookbehind — is an input error naming what is unsupported.

import { RE2JS } from 're2js';
import { InputError } from '../errors.js';

/** A log line longer than this is matched on its first part only (lines are cut there on arrival too). */
const MAX_MATCHED_LINE = 4096;

export interface LinePattern {
  test(line: string): boolean;
}

const SYNTAX = 'RE2 syntax, matched in linear time: no backreferences, lookahead or lookbehind';

/** What the pattern uses that RE2 does not have, in words, or null. */
function unsupported(text: string): string | null {
  if (/(^|[^\\])(\\\\)*\\[1-9]/.test(text) || /\\k</.test(text)) return 'a backreference (\\1, \\k<name>)';
  if (/\(\?[=!]/.test(text)) return 'a lookahead ((?= or (?!)';
  if (/\(\?<[=!]/.test(text)) return 'a lookbehind ((?<= or (?<!)';
  if (/(^|[^\\])(\\\\)*\\u/.test(text)) return 'a \\u escape (write \\x{00e9} for a code point)';
  return null;
}

/** Compiles the pattern (case-insensitive) or throws an InputError naming log-error-pattern. */
export function compileLogPattern(text: string): LinePattern {
  const shown = text.length > 80 ? `${text.slice(0, 79)}…` : text;
  const what = unsupported(text);
  if (what) throw new InputError('log-error-pattern', `"${shown}" uses ${what}, which is not supported (${SYNTAX})`);
  let re: RE2JS;
  try {
    re = RE2JS.compile(text, RE2JS.CASE_INSENSITIVE);
  } catch (err) {
    const e = err as { error?: string; message?: string };
    const detail = e.error ?? (e.message ?? String(err)).replace(/^error parsing regexp: /, '');
    throw new InputError('log-error-pattern', `"${shown}" is not a valid pattern: ${detail} (${SYNTAX})`);
  }
  return { test: (line) => re.test(line.length > MAX_MATCHED_LINE ? line.slice(0, MAX_MATCHED_LINE) : line) };
}
