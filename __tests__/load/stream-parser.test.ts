import { createStreamParser, detectFormat } from '../../src/core/load/stream-parser.js';

type Ev = { data: string; name: string | undefined; t: number };

function parse(format: 'sse' | 'ndjson' | 'raw', chunks: Array<string | Buffer>, needsText = true): Ev[] {
  const out: Ev[] = [];
  const p = createStreamParser(format, needsText, (data, name, t) => out.push({ data, name, t }));
  chunks.forEach((c, i) => p.feed(typeof c === 'string' ? Buffer.from(c) : c, i + 1));
  p.end(99);
  return out;
}

describe('SSE', () => {
  test('data with and without the space after the colon', () => {
    expect(parse('sse', ['data: a\n\n', 'data:b\n\n']).map((e) => e.data)).toEqual(['a', 'b']);
  });
  test('multi-line data, comments, event names, CRLF and CR', () => {
    const evs = parse('sse', [': keep-alive\r\n\r\n', 'event: delta\r\ndata: line1\r\ndata: line2\r\n\r\n', 'data: x\r\r', 'data: y\n\n']);
    expect(evs.map((e) => [e.data, e.name])).toEqual([
      ['line1\nline2', 'delta'],
      ['x', undefined],
      ['y', undefined],
    ]);
  });
  test('an event split across chunks is stamped with the chunk that completes it', () => {
    const evs = parse('sse', ['da', 'ta: hel', 'lo\n', '\ndata: next\n\n']);
    expect(evs).toEqual([
      { data: 'hello', name: undefined, t: 4 },
      { data: 'next', name: undefined, t: 4 },
    ]);
  });
  test('a multi-byte character split across chunks survives', () => {
    const bytes = Buffer.from('data: héllo ✓\n\n');
    expect(parse('sse', [bytes.subarray(0, 8), bytes.subarray(8, 16), bytes.subarray(16)]).map((e) => e.data)).toEqual(['héllo ✓']);
  });
  test('comments alone are not events; an unterminated event at the end is not one either', () => {
    expect(parse('sse', [': ping\n\n', ': ping\n\n', 'data: cut'])).toEqual([]);
  });
});

describe('NDJSON', () => {
  test('one event a line, split lines joined, blank lines skipped, last line without newline counted', () => {
    const evs = parse('ndjson', ['{"a":1}\n{"b"', ':2}\n\n\r\n', '{"c":3}']);
    expect(evs.map((e) => [e.data, e.t])).toEqual([
      ['{"a":1}', 1],
      ['{"b":2}', 2],
      ['{"c":3}', 99],
    ]);
  });
  test('without text decoding the boundaries are still found', () => {
    const evs = parse('ndjson', ['{"a":1}\n{"b"', ':2}\n   \n'], false);
    expect(evs.map((e) => e.t)).toEqual([1, 2]);
  });
});

describe('raw', () => {
  test('every non-empty chunk is an event', () => {
    expect(parse('raw', ['tok1 ', Buffer.alloc(0), 'tok2']).map((e) => [e.data, e.t])).toEqual([
      ['tok1 ', 1],
      ['tok2', 3],
    ]);
  });
});

test('auto detection by Content-Type', () => {
  expect(detectFormat('text/event-stream; charset=utf-8', 'raw')).toBe('sse');
  expect(detectFormat('application/x-ndjson', 'raw')).toBe('ndjson');
  expect(detectFormat('application/jsonl', 'raw')).toBe('ndjson');
  expect(detectFormat('text/plain', 'raw')).toBe('raw');
  expect(detectFormat('', 'sse')).toBe('sse');
});
