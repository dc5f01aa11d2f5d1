// A command's output cut into lines as it arrives: UTF-8 decoded across chunk boundaries, `\r\n`
// ends a line too, and a line longer than the cap is passed on cut, the rest of it dropped up to the
// next newline (a 100 MB line is one line, not 25,000). Memory stays within the cap.

import { StringDecoder } from 'node:string_decoder';

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private buf = '';
  /** The current line was already passed on cut: drop up to its newline. */
  private skipping = false;

  constructor(
    private readonly max: number,
    private readonly emit: (line: string) => void,
  ) {}

  push(data: Buffer): void {
    this.take(this.decoder.write(data));
  }

  /** Passes on the last line when it had no newline. */
  end(): void {
    this.take(this.decoder.end());
    if (!this.skipping && this.buf !== '') this.emit(this.buf.replace(/\r$/, ''));
    this.buf = '';
    this.skipping = false;
  }

  private take(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      if (this.skipping) this.skipping = false;
      else this.emit((this.buf + text.slice(start, Math.min(nl, start + this.max + 1))).replace(/\r$/, '').slice(0, this.max));
      this.buf = '';
      start = nl + 1;
    }
    if (this.skipping || start >= text.length) return;
    this.buf += text.slice(start, start + this.max + 1 - this.buf.length);
    if (this.buf.length > this.max) {
      this.emit(this.buf.slice(0, this.max));
      this.buf = '';
      this.skipping = true;
    }
  }
}

/** The first `max` characters of a command's output, decoded as UTF-8. */
export class HeadCapture {
  private readonly decoder = new StringDecoder('utf8');
  text = '';

  constructor(private readonly max: number) {}

  push(data: Buffer): void {
    if (this.text.length < this.max) this.text += this.decoder.write(data).slice(0, this.max - this.text.length);
  }
}
