// Markdown helpers for text we do not control (server messages, URLs, user input) that ends up in
// a GitHub comment or job summary. Pure: no I/O, no GitHub client.

/** U+200B ZERO WIDTH SPACE: breaks `@user` mentions and `#123` references without changing the look. */
export const ZWSP = '\u200B';

// C0/C1 control characters (tab and newline handled separately), and bidi overrides/isolates
// that could visually reorder a message ("Trojan source").
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** Truncates to at most `max` characters (code points, never splitting a surrogate pair), adding `…`. */
export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  if (text.length <= max) return text;
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** `&`, `<`, `>`, `"` as HTML entities: no tag, comment (`<!--`) or entity can be injected. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Neutralises GitHub's references: `@user` / `@org/team` mentions (no notification), `#123`,
 * `GH-123` and `owner/repo#123` issue links (no cross-reference). A zero-width space is inserted
 * after the `@` or `#` (or the `GH-` prefix); the text reads the same.
 */
function neutralizeReferences(text: string): string {
  return text
    .replace(/@(?=[A-Za-z0-9_-])/g, `@${ZWSP}`)
    .replace(/#(?=\d)/g, `#${ZWSP}`)
    .replace(/\b(GH)-(?=\d)/gi, `$1-${ZWSP}`);
}

/**
 * Breaks what GitHub would autolink in a text node: `scheme://` (a zero-width space between `:` and
 * `//`: cmark-gfm's url autolink needs `://` in a row) and `www.` (one between `www` and `.`). Mail
 * addresses are broken by neutralizeReferences (the `@`). The text reads the same.
 */
function breakLinks(text: string): string {
  return text.replace(/:\/\//g, `:${ZWSP}//`).replace(/(www)\./gi, `$1${ZWSP}.`);
}

/** Markdown punctuation that can start emphasis, links, images, code, strikethrough or a table cell. */
const MD_PUNCT = /[\\`*_{}[\]()!~|]/g;

/**
 * The character-level part of escapeInline, on text already one line: HTML-escaped, markdown
 * punctuation backslash-escaped, mentions, references and links neutralised. Also how the redaction
 * finds a secret in a rendered report (see redact.ts).
 */
export function escapeMarkdownChars(text: string): string {
  return breakLinks(neutralizeReferences(escapeHtml(text).replace(MD_PUNCT, (c) => `\\${c}`)));
}

/**
 * Untrusted text as inline markdown, for one line (e.g. a table cell): control characters removed,
 * newlines and tabs turned into spaces, truncated to `max` characters, HTML-escaped, markdown
 * punctuation backslash-escaped (pipes included, so a table stays a table), mentions, issue
 * references and links (`https://…`, `www.…`) neutralised: server text never becomes a link or a mention.
 */
export function escapeInline(text: string, max = Infinity): string {
  const flat = text
    .replace(/\r\n?|\n|\t/g, ' ')
    .replace(CONTROL, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  const short = Number.isFinite(max) ? truncate(flat, max) : flat;
  return escapeMarkdownChars(short);
}

/** A table cell from text that may contain pipes or newlines but is otherwise trusted markdown. */
function tableCell(markdown: string): string {
  return markdown.replace(/\r\n?|\n/g, ' ').replace(/(?<!\\)\|/g, '\\|');
}

/**
 * A code span holding `text` literally: the fence is one backtick longer than the longest run of
 * backticks inside; padded with spaces when the text starts or ends with a backtick. With
 * `inTable`, pipes are escaped (GitHub tables split cells on `|` even inside code spans).
 */
export function codeSpan(text: string, opts: { inTable?: boolean; max?: number } = {}): string {
  let t = text.replace(/\r\n?|\n|\t/g, ' ').replace(CONTROL, '');
  if (opts.max !== undefined) t = truncate(t, opts.max);
  const longest = Math.max(0, ...Array.from(t.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = t.startsWith('`') || t.endsWith('`') || t === '' ? ' ' : '';
  let inner = `${pad}${t}${pad}`;
  if (opts.inTable) inner = inner.replace(/\|/g, '\\|');
  return `${fence}${inner}${fence}`;
}

/** A GFM table. Cells must already be inline markdown (see escapeInline / tableCell). */
export function mdTable(head: string[], align: Array<'l' | 'r' | 'c'>, rows: string[][]): string {
  const sep = head.map((_, i) => {
    const a = align[i] ?? 'l';
    return a === 'r' ? '---:' : a === 'c' ? ':---:' : '---';
  });
  const line = (cells: string[]): string => `| ${cells.map((c) => tableCell(c) || ' ').join(' | ')} |`;
  return [line(head), `|${sep.join('|')}|`, ...rows.map(line)].join('\n');
}

/** The hidden marker that identifies the sticky comment of one `comment-tag`. */
export function commentMarker(tag: string): string {
  // The action only accepts [A-Za-z0-9._/-] tags; anything else could end the HTML comment.
  return `<!-- ttfc-gate:${tag.replace(/[^A-Za-z0-9._/-]/g, '_').replace(/-{2,}/g, '-')} -->`;
}
