// The history file: a bounded, strict read that opens nothing but a regular file, and an atomic
// write that never leaves half a file or loses the old one.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHistory, entryOf, serializeHistory, stageKeys, type HistoryEntry } from '../../src/core/history/schema.js';
import { MAX_HISTORY_BYTES, moveAside, readHistory, writeHistory } from '../../src/core/history/store.js';
import { entry, historyText, nights, stageWith } from '../helpers/history.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ttfc-history-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const at = (name: string): string => join(dir, name);
const unreadable = (path: string): string => {
  const r = readHistory(path);
  if (r.kind !== 'unreadable') throw new Error(`expected unreadable, got ${r.kind}`);
  return r.why;
};

describe('read', () => {
  test('no file: missing (a first run), not an error', () => {
    expect(readHistory(at('none.json'))).toEqual({ kind: 'missing' });
  });

  test('what the gate writes reads back the same, one entry a line', () => {
    const entries = nights('10', [300, 310, 305]);
    writeHistory(at('h.json'), entries);
    const text = readFileSync(at('h.json'), 'utf8');
    expect(text.split('\n').filter((l) => l.startsWith('    {'))).toHaveLength(3);
    expect(readHistory(at('h.json'))).toEqual({ kind: 'read', entries });
  });

  test("an entry of this run's stages passes the strict check whatever the environment says (commit, ref, event)", () => {
    const stages = [stageWith(1, 1, [100]), stageWith(2, 10, [200, 210, 220]), stageWith(3, 10, [300, 320])];
    const e = entryOf(stages, {
      time: '2026-01-02T03:17:00.000Z',
      commit: 'not-a-sha; rm -rf /',
      ref: 'refs/heads/x\u001b[31m\u202Eevil',
      event: 'Weird Event!',
      target: 'POST https://h/\nchat',
      passed: true,
      capacity: 2.5,
    });
    expect(e).toMatchObject({ commit: null, ref: 'refs/heads/x[31mevil', event: 'unknown', target: 'POST https://h/chat', capacity: null });
    expect(e.stages.map((s) => s.key)).toEqual(['1', '10', '10#2']);
    expect(e.stages[1]!.metrics['ttfc.p95']).toBeCloseTo(219, 0);
    expect(checkHistory(JSON.parse(serializeHistory([e])))).toEqual({ ok: true, entries: [e] });
  });

  test('stage keys: users, the k-th twin, and a rate stage (read defensively)', () => {
    expect(stageKeys([{ users: 1 }, { users: 10 }, { users: 10 }, { users: 5, rate: 2.5 } as { users: number }])).toEqual(['1', '10', '10#2', '2.5/s']);
  });

  test.each([
    ['not JSON', '{"schemaVersion": 1, "tool": "ttfc-gate", "entries": [', /is not JSON/],
    ['another tool', historyText([], { schemaVersion: 1, tool: 'benchmark-action' }), /is not a ttfc-gate history/],
    ['a newer schema', historyText([], { schemaVersion: 2, tool: 'ttfc-gate' }), /has schemaVersion 2; this version reads 1/],
    ['a report, not a history', JSON.stringify({ schemaVersion: 1, tool: { name: 'ttfc-gate' }, stages: [] }), /is not a ttfc-gate history/],
    ['entries not an array', JSON.stringify({ schemaVersion: 1, tool: 'ttfc-gate', entries: {} }), /has no "entries" array/],
    ['a forged commit', historyText([{ ...entry({ 10: 300 }), commit: '<img src=x>' }]), /entry 1: commit is not a commit SHA/],
    ['a ref with an escape sequence', historyText([entry({ 10: 1 }), { ...entry({ 10: 300 }), ref: 'main\u001b]8;;http://x\u0007' }]), /entry 2: ref holds control characters/],
    ['a negative figure', historyText([entry({ 10: -5 })]), /entry 1: stage 10: ttfc\.(p95|avg) is not a figure/],
    ['a string figure', historyText([{ ...entry({ 10: 1 }), stages: [{ key: '10', users: 10, metrics: { 'ttfc.p95': '300' } }] }]), /ttfc.p95 is not a figure/],
    ['a forged stage key', historyText([{ ...entry({ 10: 1 }), stages: [{ key: '10"]\nline "x', users: 10, metrics: {} }] }]), /is not a stage key/],
    ['a twice-used key', historyText([{ ...entry({ 10: 1, 20: 2 }), stages: [...entry({ 10: 1 }).stages, ...entry({ 10: 2 }).stages] }]), /stage key 10 appears twice/],
    ['a time that is not ISO', historyText([{ ...entry({ 10: 1 }), time: 'yesterday' }]), /time is not an ISO time/],
    ['too many entries', historyText(new Array(1001).fill(entry({ 10: 1 }))), /has 1001 entries, more than 1000/],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /is not UTF-8/],
    ['empty', '', /^is empty$/],
    ['secrets instead of JSON: where it broke, never what it holds', 'TOKEN=sk-live-abc123\n', /^is not JSON \(at character 0\)$|^is not JSON$/],
  ])('%s: unreadable, and says why', (_name, content, why) => {
    writeFileSync(at('h.json'), content);
    expect(unreadable(at('h.json'))).toMatch(why);
  });

  test('fields it does not know are dropped, the rest kept', () => {
    const e = entry({ 10: 300 });
    writeFileSync(at('h.json'), historyText([{ ...e, extra: { huge: 'x'.repeat(10) } }], { schemaVersion: 1, tool: 'ttfc-gate', note: 'hi' }));
    expect(readHistory(at('h.json'))).toEqual({ kind: 'read', entries: [e] });
  });

  test('a huge file is not read (its size says so before a byte is read)', () => {
    writeFileSync(at('h.json'), '');
    truncateSync(at('h.json'), MAX_HISTORY_BYTES + 1);
    expect(unreadable(at('h.json'))).toMatch(/is 16777217 bytes: a history is at most 16 MiB/);
  });

  test('a symlink to /dev/zero, a FIFO, a directory, a dangling link: named, never opened for reading', () => {
    symlinkSync('/dev/zero', at('zero.json'));
    expect(unreadable(at('zero.json'))).toBe('is a character device, not a history file');
    execFileSync('mkfifo', [at('fifo.json')]);
    // Opening a FIFO for reading blocks until a writer comes: this returns at once.
    expect(unreadable(at('fifo.json'))).toBe('is a FIFO, not a history file');
    mkdirSync(at('dir.json'));
    expect(unreadable(at('dir.json'))).toBe('is a directory, not a history file');
    // A kernel file that says 0 bytes is not read.
    expect(unreadable('/proc/self/environ')).toBe('is empty');
    symlinkSync(at('gone.json'), at('dangling.json'));
    expect(unreadable(at('dangling.json'))).toBe('is a symbolic link to nothing');
    writeFileSync(at('file'), 'x');
    expect(unreadable(join(at('file'), 'h.json'))).toMatch(/not a directory/);
  });

  test('a symlink to a history file is read', () => {
    writeHistory(at('real.json'), nights('10', [1, 2]));
    symlinkSync(at('real.json'), at('link.json'));
    expect(readHistory(at('link.json'))).toMatchObject({ kind: 'read', entries: { length: 2 } });
  });
});

describe('write', () => {
  test('a write that fails leaves the old file as it was and no temporary file behind', () => {
    // The path is a directory: the rename over it fails after the temporary file was written.
    mkdirSync(at('h.json'));
    writeFileSync(join(at('h.json'), 'keep'), 'old');
    expect(() => writeHistory(at('h.json'), nights('10', [1]))).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readFileSync(join(at('h.json'), 'keep'), 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['h.json']);
  });

  test('the file is replaced whole (a rename), the directory made when missing', () => {
    const path = join(dir, 'sub', 'deeper', 'h.json');
    writeHistory(path, nights('10', [1, 2, 3]));
    const before: HistoryEntry[] = nights('10', [1, 2, 3, 4]);
    writeHistory(path, before);
    expect(readHistory(path)).toEqual({ kind: 'read', entries: before });
    expect(readdirSync(join(dir, 'sub', 'deeper'))).toEqual(['h.json']);
  });

  test('moveAside keeps what was there under a new name, byte for byte', () => {
    writeFileSync(at('h.json'), 'not json {');
    const aside = moveAside(at('h.json'), new Date('2026-01-05T03:17:00.123Z'));
    expect(aside).toBe(`${at('h.json')}.unreadable-20260105T031700Z`);
    expect(readFileSync(aside, 'utf8')).toBe('not json {');
    expect(existsSync(at('h.json'))).toBe(false);
    writeFileSync(at('h.json'), 'again');
    expect(moveAside(at('h.json'), new Date('2026-01-05T03:17:00Z'))).toBe(`${at('h.json')}.unreadable-20260105T031700Z-2`);
  });
});
