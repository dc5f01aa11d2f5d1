// Command and server text on its way to a log line, a warning or a sample: one line, no control
// characters (no terminal escapes), secrets redacted, cut. Markdown escaping is the report's job.

import { redactText } from '../redact.js';

const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

export function oneLine(text: string, secrets: readonly string[], max = 300): string {
  const flat = redactText(text, secrets)
    .replace(/\r\n?|\n|\t/g, ' ')
    .replace(CONTROL, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  const points = Array.from(flat);
  return points.length <= max ? flat : `${points.slice(0, max - 1).join('')}…`;
}
