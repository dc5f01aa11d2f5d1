// The two last lines of defence, on their own: output made inert, secrets redacted in any form.
import { redactText } from '../../src/core/redact.js';
import { safeLine, safeLines } from '../../src/core/safe-text.js';
import { COMMAND_BODY } from './hostile-server.js';

describe('safeLine / safeLines', () => {
  test('no line can start a workflow command, old or new style', () => {
    for (const out of [safeLines(COMMAND_BODY), safeLine(COMMAND_BODY)]) {
      for (const line of out.split('\n')) {
        expect(line.trimStart().startsWith('::')).toBe(false);
        expect(line).not.toContain('##[');
      }
    }
    expect(safeLine(COMMAND_BODY)).not.toContain('\n');
    expect(safeLine('a::b').replace(/\u200b/g, '')).toBe('a::b'); // reads the same
  });

  test('escape sequences and control characters are gone, tabs and text stay', () => {
    const out = safeLines('\u001b[31mred\u001b[0m\t\u001b]8;;https://x\u0007link\u001b]8;;\u0007 \u009b2J ok\rover \u0000\u0008\u202eevil');
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(out).toContain('red\tlink');
    expect(out).toContain('ok');
  });
});

describe('redactText', () => {
  const secret = 'sk-Very-Secret-42/+=&x';
  test('as is, URL-encoded and JSON-escaped', () => {
    for (const form of [secret, encodeURIComponent(secret), JSON.stringify(`"${secret}"`).slice(1, -1)]) {
      expect(redactText(`echo: ${form} end`, [secret])).not.toContain(secret.slice(0, 10));
    }
  });

  test('a secret cut off at the end of a truncated message', () => {
    expect(redactText(`HTTP 500: {"auth":"Bearer ${secret.slice(0, 9)}`, [secret])).toBe('HTTP 500: {"auth":"Bearer ***');
    expect(redactText(`HTTP 500: ${secret.slice(0, 12)}…`, [secret])).toBe('HTTP 500: ***…');
    // A short innocent tail is left alone.
    expect(redactText('ends with sk-', [secret])).toBe('ends with sk-');
  });
});
