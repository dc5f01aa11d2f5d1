// Six scheduled nights of the bundled action against a server whose first event comes after a delay
// set per night, with the history kept in the workspace (as actions/cache restores it) and the
// tracking issue on the GitHub API stand-in: three good nights, a 3× slower one that fails on
// `history.` (its summary has the trend chart) and opens the issue, a fifth that comments, a sixth
// good one that closes it. Then a pull request reads the history without changing a byte, a corrupt
// file and a read-only workspace are warnings with the verdict intact. Timing project: the verdicts
// depend on the delays (2× margins both ways).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-api.js';
import { cleanupRuns, ensureActionBundle, pullRequestEvent, REPO, runAction, scheduleEvent, type ActionRun } from '../helpers/run-action.js';
import { listen, writeTimed, type TestServer } from '../helpers/servers/http.js';
import type { Report } from '../../src/core/report-types.js';

const GITHUB_TOKEN = 'ghs_historyNightsToken_0123';
const GOOD_MS = 150;
const SLOW_MS = 3 * GOOD_MS;
const { owner, repo } = REPO;

let server: TestServer;
let api: FakeGitHub;
let delayMs = GOOD_MS;
const dirs: string[] = [];

beforeAll(async () => {
  ensureActionBundle();
  api = await startFakeGitHub({ token: GITHUB_TOKEN });
  server = await listen(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    await writeTimed(res, [
      [delayMs, 'data: {"text": "hello"}\n\n'],
      [5, 'data: [DONE]\n\n'],
    ]);
    res.end();
  });
}, 240_000);

afterAll(async () => {
  await server?.close();
  await api?.close();
  cleanupRuns();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function workspace(): string {
  const d = mkdtempSync(join(tmpdir(), 'ttfc-nights-'));
  dirs.push(d);
  return d;
}

const INPUTS = {
  stages: '1x1, 2x2',
  cooldown: '0',
  criteria: 'success_rate > 95%\nttfc.p95 < 2 * history.ttfc.p95',
  'history-path': 'ttfc-history.json',
  'tracking-issue': 'true',
};

function night(ws: string, delay: number, event = { name: 'schedule', payload: scheduleEvent() }, inputs: Record<string, string> = {}): Promise<ActionRun> {
  delayMs = delay;
  return runAction({ event, apiUrl: api.url, githubToken: GITHUB_TOKEN, workspace: ws, inputs: { url: `${server.url}/v1/chat`, ...INPUTS, ...inputs } });
}

const report = (r: ActionRun): Report => JSON.parse(r.reportText ?? 'null') as Report;
const warnings = (r: ActionRun): string[] => r.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
const historyCriterion = (r: ActionRun) => report(r).criteria.filter((c) => c.text.includes('history.'));

test('three good nights, a 3× slower one fails on history. and opens the issue, a fifth comments, a sixth closes it; a PR only reads', async () => {
  const ws = workspace();
  for (let i = 1; i <= 3; i++) {
    const r = await night(ws, GOOD_MS);
    expect({ night: i, code: r.code, warnings: warnings(r) }).toEqual({ night: i, code: 0, warnings: [] });
    expect(report(r).history).toMatchObject({ runs: i - 1, recorded: true });
  }
  expect(historyCriterion(await night(workspace(), GOOD_MS)).every((c) => c.status === 'skipped')).toBe(true);
  expect(api.issues(owner, repo)).toEqual([]);

  const slow = await night(ws, SLOW_MS);
  expect(slow.code).toBe(1);
  expect(slow.outputs.passed).toBe('false');
  expect(historyCriterion(slow).map((c) => c.status)).toEqual(['fail', 'fail']);
  expect(slow.annotations.find((a) => a.level === 'error')?.message).toMatch(/ttfc\.p95 < 2 \* history\.ttfc\.p95/);
  expect(slow.summary).toContain('### TTFC over the latest runs');
  expect(slow.summary).toMatch(/```mermaid\n[\s\S]*title "TTFC p95 over the last 3 runs and this run"[\s\S]*bar "this run" \[0, 0, 0, \d+\]/);
  expect(slow.summary).toMatch(/main's last 3 nights: p95 \d+(–\d+)? ms at 2 users; this run \*\*\d+ ms\*\*/);
  const [issue] = api.issues(owner, repo);
  expect(api.issues(owner, repo)).toHaveLength(1);
  expect(issue).toMatchObject({ state: 'open', labels: [{ name: 'ttfc-gate' }], title: `TTFC gate failing: POST ${server.url}/v1/chat` });
  expect(issue!.body).toContain('[workflow run](https://github.example/octo-org/chat-app/actions/runs/987654321)');
  expect(issue!.body).toContain('❌ TTFC gate failed');
  expect(issue!.body).toContain('### TTFC over the latest runs');

  const fifth = await night(ws, SLOW_MS);
  expect(fifth.code).toBe(1);
  expect(api.issues(owner, repo)).toHaveLength(1);
  expect(api.comments(owner, repo, issue!.number).map((c) => c.body.split('\n')[0])).toEqual([expect.stringMatching(/^❌ \*\*Failed again\*\*/)]);

  const sixth = await night(ws, GOOD_MS);
  expect({ code: sixth.code, warnings: warnings(sixth) }).toEqual({ code: 0, warnings: [] });
  // The median is over the passing nights only: the two slow ones do not raise the bar.
  expect(historyCriterion(sixth).map((c) => c.status)).toEqual(['pass', 'pass']);
  expect(api.issues(owner, repo)[0]).toMatchObject({ state: 'closed', state_reason: 'completed' });
  expect(api.comments(owner, repo, issue!.number)[1]!.body).toMatch(/^✅ \*\*Recovered\*\*/);
  expect(report(sixth).history).toMatchObject({ runs: 5, recorded: true });

  // A pull request against the same history: read, judged, shown; the file is left byte for byte.
  const before = readFileSync(join(ws, 'ttfc-history.json'));
  const pr = await night(ws, SLOW_MS, { name: 'pull_request', payload: pullRequestEvent({ number: 12, headSha: 'd'.repeat(40) }) });
  expect(pr.code).toBe(1);
  expect(readFileSync(join(ws, 'ttfc-history.json')).equals(before)).toBe(true);
  expect(report(pr).history).toMatchObject({ runs: 6, recorded: false, event: 'pull_request' });
  const comment = api.comments(owner, repo, 12)[0]!.body;
  expect(comment).toMatch(/main's last 6 nights: p95 \d+–\d+ ms at 2 users; this PR \*\*\d+ ms\*\*/);
  // The PR's failure does not touch the tracking issue.
  expect(api.issues(owner, repo)).toHaveLength(1);
  expect(api.issues(owner, repo)[0]!.state).toBe('closed');
});

test('a corrupt history is a warning that names it: the verdict stands, the file is kept aside, a new history starts', async () => {
  const ws = workspace();
  writeFileSync(join(ws, 'ttfc-history.json'), '<html>not a history</html>');
  const r = await night(ws, GOOD_MS, undefined, { 'tracking-issue': 'false' });
  expect(r.code).toBe(0);
  expect(r.outputs.passed).toBe('true');
  expect(warnings(r)).toEqual([
    expect.stringMatching(/^ttfc-gate history ttfc-history\.json is not JSON( \(.*\))?: it is moved aside and a new history starts$/),
    expect.stringMatching(
      /^ttfc-gate history ttfc-history\.json was moved aside to .*ttfc-history\.json\.unreadable-\d{8}T\d{6}Z \(kept as it was\); a new history starts at ttfc-history\.json$/,
    ),
  ]);
  const aside = readdirSync(ws).find((f) => f.includes('.unreadable-'))!;
  expect(readFileSync(join(ws, aside), 'utf8')).toBe('<html>not a history</html>');
  expect(JSON.parse(readFileSync(join(ws, 'ttfc-history.json'), 'utf8')).entries).toHaveLength(1);
  expect(r.summary).toMatch(/> \[!WARNING\]\n> \*\*History:\*\* history ttfc-history\.json is not JSON/);
});

/** Makes a directory read-only for this process: chmod for a user, the immutable attribute for root (who ignores modes). */
function readOnly(dir: string): () => void {
  if (process.getuid?.() === 0) {
    execFileSync('chattr', ['+i', dir]);
    return () => execFileSync('chattr', ['-i', dir]);
  }
  chmodSync(dir, 0o555);
  return () => chmodSync(dir, 0o755);
}

test('a read-only workspace: the history cannot be written, a warning; the verdict, report and summary are intact', async () => {
  const ws = workspace();
  await night(ws, GOOD_MS, undefined, { 'tracking-issue': 'false' });
  const before = readFileSync(join(ws, 'ttfc-history.json'));
  const undo = readOnly(ws);
  try {
    // The check the test relies on: nothing can be created in the workspace any more.
    expect(() => writeFileSync(join(ws, 'probe'), 'x')).toThrow(/EACCES|EPERM/);
    const r = await night(ws, GOOD_MS, undefined, { 'tracking-issue': 'false' });
    expect({ code: r.code, passed: r.outputs.passed }).toEqual({ code: 0, passed: 'true' });
    expect(warnings(r)).toEqual([
      expect.stringMatching(/^ttfc-gate history ttfc-history\.json could not be written \((EACCES|EPERM)\): this run is not recorded; the file is unchanged$/),
    ]);
    expect(report(r).history).toMatchObject({ runs: 1, recorded: false });
    expect(r.summary).toContain('TTFC gate passed');
    expect(readFileSync(join(ws, 'ttfc-history.json')).equals(before)).toBe(true);
    expect(readdirSync(ws).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  } finally {
    undo();
  }
  expect(existsSync(join(ws, 'probe'))).toBe(false);
});
