// The history through the CLI, in-process, against a small SSE server whose first event comes after a
// delay set per run: which runs record, the `history.` verdict, the drift diagnosis, a corrupt file.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryEntry } from '../../src/core/history/schema.js';
import { readHistory, writeHistory } from '../../src/core/history/store.js';
import type { Report } from '../../src/core/report-types.js';
import { runCli } from '../helpers/cli.js';
import { entry, nights } from '../helpers/history.js';
import { listen, writeTimed, type TestServer } from '../helpers/servers/http.js';

let server: TestServer;
let delayMs = 5;
let dir: string;

beforeAll(async () => {
  server = await listen(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    await writeTimed(res, [
      [delayMs, 'data: {"text": "hi"}\n\n'],
      [1, 'data: [DONE]\n\n'],
    ]);
    res.end();
  });
});
afterAll(() => server.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ttfc-history-cli-'));
  delayMs = 5;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HISTORY = 'ttfc-history.json';
const path = (): string => join(dir, HISTORY);
async function gate(env: Record<string, string> = {}, ...flags: string[]) {
  const r = await runCli(
    [
      ...(flags.includes('--url') ? [] : ['--url', `${server.url}/chat`]),
      '--stages',
      '1x1, 2x2',
      '--cooldown',
      '0',
      '--criteria',
      'success_rate > 95%',
      '--history-path',
      HISTORY,
      '--markdown-path',
      'report.md',
      '--report-path',
      join(dir, 'ttfc-report.json'),
      ...flags,
    ],
    { cwd: dir, env },
  );
  const report = existsSync(join(dir, 'ttfc-report.json')) ? (JSON.parse(readFileSync(join(dir, 'ttfc-report.json'), 'utf8')) as Report) : null;
  return { ...r, report, markdown: existsSync(join(dir, 'report.md')) ? readFileSync(join(dir, 'report.md'), 'utf8') : '' };
}

test('outside a workflow a run records itself; the next run reads it and records too', async () => {
  const first = await gate();
  expect(first.code).toBe(0);
  expect(first.out).toMatch(/history: ttfc-history\.json does not exist yet: this run starts it/);
  expect(first.out).toMatch(/history: recorded: ttfc-history\.json now holds 1 run/);
  expect(first.report!.history).toMatchObject({ path: HISTORY, status: 'missing', runs: 0, recorded: true, event: null });
  const second = await gate({ GITHUB_EVENT_NAME: 'schedule', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: 'b'.repeat(40) });
  expect(second.code).toBe(0);
  const read = readHistory(path());
  expect(read).toMatchObject({
    kind: 'read',
    entries: [
      { event: 'cli', passed: true },
      { event: 'schedule', ref: 'refs/heads/main', commit: 'b'.repeat(40) },
    ],
  });
  if (read.kind !== 'read') throw new Error();
  expect(read.entries[1]!.stages.map((s) => s.key)).toEqual(['1', '2']);
  expect(second.markdown).toMatch(/### TTFC over the latest runs/);
  // The first run came from no workflow (no ref): the history's runs are not one branch's nights.
  expect(second.markdown).toMatch(/the history's last 1 run: p95 \d+(\.\d)? ms at 2 users; this run \*\*\d+(\.\d)? ms\*\*/);
  await gate({ GITHUB_EVENT_NAME: 'schedule', GITHUB_REF: 'refs/heads/main' });
  writeHistory(path(), (readHistory(path()) as { entries: HistoryEntry[] }).entries.slice(1));
  const third = await gate({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge' });
  expect(third.markdown).toMatch(/main's last 2 nights: p95 \d+(\.\d)?( ms)?(–\d+(\.\d)? ms)? at 2 users; this PR \*\*\d+(\.\d)? ms\*\*/);
});

test('a pull-request run, or history-write false, leaves the file byte for byte; history-write true on a pull request is bad input', async () => {
  writeHistory(path(), nights('2', [10, 11, 12]));
  const before = readFileSync(path());
  const pr = await gate({ GITHUB_EVENT_NAME: 'pull_request' });
  expect(pr.code).toBe(0);
  expect(pr.out).toMatch(/history: read only: a pull_request run only reads the history/);
  expect(pr.report!.history).toMatchObject({ status: 'read', runs: 3, recorded: false, event: 'pull_request' });
  expect(pr.markdown).toMatch(/this PR \*\*/);
  expect(pr.out).toMatch(/^history: main's last 3 nights: p95 10–12 ms at 2 users; this PR \d+(\.\d)? ms$/m);
  expect(readFileSync(path()).equals(before)).toBe(true);
  const off = await gate({}, '--history-write', 'false');
  expect(off.code).toBe(0);
  expect(readFileSync(path()).equals(before)).toBe(true);
  const bad = await gate({ GITHUB_EVENT_NAME: 'pull_request' }, '--history-write', 'true');
  expect({ code: bad.code, err: bad.err }).toEqual({
    code: 2,
    err: "ttfc-gate: history-write: true on a pull_request event: a pull request only reads the history (it is the base branch's)",
  });
  expect(readdirSync(dir).sort()).toEqual(['report.md', 'ttfc-history.json', 'ttfc-report.json']);
  expect(readFileSync(path()).equals(before)).toBe(true);
});

test('history. criteria fail a run slower than the median of the latest passing runs; fewer than three skip', async () => {
  writeHistory(path(), [...nights('2', [10, 12, 11]), entry({ 2: 1 }, { passed: false }, 9)]);
  delayMs = 60;
  const slow = await gate({ GITHUB_EVENT_NAME: 'pull_request' }, '--criteria', 'success_rate > 95%\n@2: ttfc.p95 < 1.5 * history.ttfc.p95');
  expect(slow.code).toBe(1);
  expect(slow.report!.criteria.find((c) => c.text.includes('history'))).toMatchObject({ status: 'fail', threshold: 16.5, users: 2 });
  writeHistory(path(), nights('2', [10, 12]));
  const few = await gate({ GITHUB_EVENT_NAME: 'pull_request' }, '--criteria', 'success_rate > 95%\n@2: ttfc.p95 < 1.5 * history.ttfc.p95');
  expect(few.code).toBe(0);
  expect(few.report!.criteria.find((c) => c.text.includes('history'))).toMatchObject({
    status: 'skipped',
    reason: 'the history has 2 passing runs with a stage with 2 users: 3 needed',
  });
});

test('a slow creep over the last nights is a drift diagnosis in the report, the run still passing', async () => {
  // 13 nights creeping from 20 ms; this run's first event comes after 60 ms.
  writeHistory(
    path(),
    nights(
      '2',
      Array.from({ length: 13 }, (_, i) => 20 + i * 2),
    ),
  );
  delayMs = 60;
  const r = await gate({ GITHUB_EVENT_NAME: 'schedule' });
  expect(r.code).toBe(0);
  const drift = r.report!.diagnoses.find((d) => d.kind === 'drift');
  expect(drift).toMatchObject({ users: 2, evidence: { key: '2', runs: 14 } });
  expect(r.markdown).toMatch(/\*\*drift\*\* at 2 users: TTFC p95 has crept up over the last 14 runs/);
  expect(readHistory(path())).toMatchObject({ entries: { length: 14 } });
});

test('history-limit drops the oldest runs', async () => {
  writeHistory(path(), nights('2', new Array(10).fill(10)));
  const r = await gate({}, '--history-limit', '10');
  expect(r.out).toMatch(/now holds 10 runs \(the oldest 1 run dropped: history-limit 10\)/);
  const read = readHistory(path());
  if (read.kind !== 'read') throw new Error(read.kind);
  expect(read.entries[0]!.time).toBe(nights('2', [1, 1])[1]!.time);
  expect(read.entries[9]!.event).toBe('cli');
});

test('a corrupt file is a warning naming it: the verdict stands, the file is moved aside, a new history starts', async () => {
  writeFileSync(path(), '{"schemaVersion": 1, "tool": "ttfc-gate", "entries": [ {"time": "x"');
  const r = await gate({ GITHUB_EVENT_NAME: 'schedule' }, '--criteria', 'success_rate > 95%\nttfc.p95 < 1.3 * history.ttfc.p95');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/history: warning: history ttfc-history\.json is not JSON( \(.*\))?: it is moved aside and a new history starts/);
  expect(r.out).toMatch(/history: warning: history ttfc-history\.json was moved aside to .*ttfc-history\.json\.unreadable-\d{8}T\d{6}Z/);
  expect(r.report!.criteria.find((c) => c.text.includes('history'))).toMatchObject({
    status: 'skipped',
    reason: expect.stringMatching(/^the history could not be read \(ttfc-history\.json is not JSON/),
  });
  const aside = readdirSync(dir).find((f) => f.startsWith(`${HISTORY}.unreadable-`))!;
  expect(readFileSync(join(dir, aside), 'utf8')).toBe('{"schemaVersion": 1, "tool": "ttfc-gate", "entries": [ {"time": "x"');
  expect(readHistory(path())).toMatchObject({ kind: 'read', entries: { length: 1 } });
  expect(r.markdown).toMatch(/> \[!WARNING\]\n> \*\*History:\*\* history ttfc-history\.json is not JSON/);
});

test('no secret reaches the history file: the target is written as shown, secrets redacted', async () => {
  const secret = 'sk-live-TopSecret-4242-abcdef';
  const r = await gate({}, '--url', `${server.url}/chat/${secret}?api_key=${secret}x`, '--token', secret);
  expect(r.code).toBe(0);
  const text = readFileSync(path(), 'utf8');
  expect(text).not.toContain(secret);
  expect(text).toMatch(/"target":"POST http:\/\/127\.0\.0\.1:\d+\/chat\/\*\*\*/);
});
