// Text bound for stdout/stderr (the Actions log, a terminal) that may carry what a server sent:
// no line of it may start a runner workflow command or reach a terminal as an escape sequence.

/** ANSI/VT escape sequences: CSI (ESC [ … or 8-bit CSI), OSC (ESC ] … BEL/ST), and two-byte ESC sequences. */
const ANSI = /\u001B\[[0-?]*[ -/]*[@-~]|\u009B[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|\u001B[ -~]?/g;
// Every C0/C1 control but tab and newline (CR too: it rewrites a line on a terminal), and bidi overrides.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
const ZWSP = '\u200B';

/**
 * The runner reads a line whose trimmed start is `::` as a command (`::error::`, `::add-mask::`,
 * `::stop-commands::`), and `##[` as an old-style one: a zero-width space between the characters
 * keeps the text readable and inert.
 */
export function neutralize(line: string): string {
  return line.replace(/::/g, `:${ZWSP}:`).replace(/##\[/g, `#${ZWSP}#[`);
}

/** One line of untrusted text: newlines become spaces, escapes and control characters go, commands are neutralised. */
export function safeLine(text: string): string {
  return neutralize(
    text
      .replace(/\r\n?|\n/g, ' ')
      .replace(ANSI, '')
      .replace(CONTROL, ''),
  );
}

/** Text of several lines (a report): each line made safe as by safeLine, the line breaks kept. */
export function safeLines(text: string): string {
  return text
    .split(/\r\n?|\n/)
    .map((l) => neutralize(l.replace(ANSI, '').replace(CONTROL, '')))
    .join('\n');
}
