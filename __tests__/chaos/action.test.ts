// The fault matrix through the bundled Action, run as the runner runs it: each fault once, the
// crash repro and a cancel in the middle of a fault. Whatever the server does: the step ends 0 or 1,
// the report counts every issued request once, the sticky comment is posted, Node prints no
// warning and no stack trace.
import { chaosServer } from '../helpers/chaos-server.js';
import { cellName, processViolations, reportViolations, startCell } from '../helpers/chaos-cell.js';
import { PROCESS_BOUND_MS, PROCESS_CELLS } from '../helpers/chaos-process.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-api.js';
import { cleanupRuns, ensureActionBundle, pullRequestEvent, REPO, runAction, type ActionRun, type RunActionOptions } from '../helpers/run-action.js';
import { parseStages } from '../../src/core/config/stages.js';
import type { Report } from '../../src/core/report-types.js';

const GITHUB_TOKEN = 'ghs_chaosGithubToken_0a1b2c3d';
const { owner, repo } = REPO;
let api: FakeGitHub;

beforeAll(async () => {
  ensureActionBundle();
  api = await startFakeGitHub({ token: GITHUB_TOKEN });
}, 240_000);
afterAll(async () => {
  await api?.close();
  cleanupRuns();
});

/** A pull request of its own per run, so that concurrent runs each have one sticky comment to post. */
function run(pr: number, inputs: Record<string, string>, o: Partial<RunActionOptions> = {}): Promise<ActionRun> {
  return runAction({
    event: { name: 'pull_request', payload: pullRequestEvent({ number: pr, headSha: 'a'.repeat(40) }) },
    apiUrl: api.url,
    githubToken: GITHUB_TOKEN,
    timeoutMs: PROCESS_BOUND_MS,
    ...o,
    inputs,
  });
}

function violations(r: ActionRun, pr: number, stages: string, exits?: number[]): string[] {
  const report = r.reportText === null ? null : (JSON.parse(r.reportText) as Report);
  const out = [...processViolations(r, exits), ...reportViolations(report, parseStages(stages))];
  const comments = api.comments(owner, repo, pr);
  if (comments.length !== 1) out.push(`${comments.length} comments on the pull request`);
  if (r.outputs.passed !== 'true' && r.outputs.passed !== 'false') out.push(`output passed = ${r.outputs.passed}`);
  return out;
}

test('each fault once: the step ends 0 or 1, report and comment written, nothing printed by Node', async () => {
  const found = await Promise.all(
    PROCESS_CELLS.map(async (c, i) => {
      const cell = await startCell(c);
      const pr = 100 + i;
      try {
        const r = await run(pr, cell.inputs);
        return violations(r, pr, cell.inputs.stages!).map((v) => `${cellName(c)}: ${v}`);
      } catch (err) {
        return [`${cellName(c)}: ${(err as Error).message}`];
      } finally {
        await cell.close();
      }
    }),
  );
  expect(found.flat()).toEqual([]);
});

test('issue 19 repro: a second request to a refused port fails the step with its report and comment', async () => {
  const server = await chaosServer([{ fault: 'refuse', after: 0 }]);
  try {
    const r = await run(200, { url: `${server.url}/x`, stages: '1x2' });
    expect(violations(r, 200, '1x2')).toEqual([]);
    expect(r.code).toBe(1);
    expect(api.comments(owner, repo, 200)[0]!.body).toContain('smoke test failed');
  } finally {
    await server.close();
  }
});

test('cancelled while the server is silent: the partial report, outputs and comment, marked cancelled', async () => {
  const server = await chaosServer([{ fault: 'silence', after: 0 }]);
  try {
    let sent = false;
    const r = await run(
      201,
      { url: `${server.url}/chat`, stages: '20x3', timeout: '30s' },
      {
        onStdout: (out, child) => {
          if (sent || !out.includes('stage 1/1')) return;
          sent = true;
          const wait = setInterval(() => {
            if (server.stats.requests < 20) return;
            clearInterval(wait);
            child.kill('SIGINT');
          }, 20);
        },
      },
    );
    expect(violations(r, 201, '20x3')).toEqual([]);
    const report = JSON.parse(r.reportText!) as Report;
    expect(report.cancelled).toBe(true);
    expect(report.stages[0]!.failures.cancelled).toBe(20);
    expect(api.comments(owner, repo, 201)[0]!.body).toContain('cancelled');
  } finally {
    await server.close();
  }
});
