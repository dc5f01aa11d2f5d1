// A command's output cut into lines: chunk boundaries anywhere, CRLF, UTF-8 split across chunks,
// and a huge line passed on once, cut, without its rest becoming more lines.
import { HeadCapture, LineSplitter } from '../../src/core/server/lines.js';

function split(chunks: Array<string | Buffer>, max = 8): string[] {
  const out: string[] = [];
  const s = new LineSplitter(max, (l) => out.push(l));
  for (const c of chunks) s.push(typeof c === 'string' ? Buffer.from(c) : c);
  s.end();
  return out;
}

test('lines across chunk boundaries, CRLF, a last line without newline', () => {
  expect(split(['ab', 'c\nde', 'f\r', '\ng\n\nh'])).toEqual(['abc', 'def', 'g', '', 'h']);
});

test('a character split between chunks is decoded whole', () => {
  const b = Buffer.from('é€\n');
  expect(split([b.subarray(0, 1), b.subarray(1, 3), b.subarray(3)])).toEqual(['é€']);
});

test('a line longer than the cap is passed on once, cut; the rest up to its newline is dropped', () => {
  expect(split(['0123456789abcdef\nnext\n'])).toEqual(['01234567', 'next']);
  expect(split(['0123', '4567', '89ab', 'cdef', '\nnext'])).toEqual(['01234567', 'next']);
  expect(split(['01234567\r\n'])).toEqual(['01234567']);
  expect(split(['01234567', '\r\nx'])).toEqual(['01234567', 'x']);
});

test('a 20 MB line without newline is one cut line, in bounded memory', () => {
  const out: string[] = [];
  const s = new LineSplitter(4096, (l) => out.push(l));
  const chunk = Buffer.alloc(64 * 1024, 'a');
  for (let i = 0; i < 320; i++) s.push(chunk);
  s.push(Buffer.from('\nERROR after\n'));
  s.end();
  expect(out.map((l) => l.length)).toEqual([4096, 11]);
  expect(out[1]).toBe('ERROR after');
});

test('HeadCapture keeps the first characters only', () => {
  const h = new HeadCapture(5);
  h.push(Buffer.from('123'));
  h.push(Buffer.from('4567'));
  h.push(Buffer.from('89'));
  expect(h.text).toBe('12345');
});
