// The bundled action, run as the runner runs it, against a hostile preview and a hostile or
// absent GitHub API: the command channel stays closed, no secret leaks, the sticky comment stays
// the gate's, a hanging API ends in bounded time, and a cancel keeps what was measured.
import { createServer, type Server, type Socket } from 'node:net';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-api.js';
import { cleanupRuns, ensureActionBundle, pullRequestEvent, REPO, runAction, type ActionRun, type RunActionOptions } from '../helpers/run-action.js';
import type { Report } from '../../src/core/report-types.js';
import { startHostileServer, type HostileServer } from './hostile-server.js';

const GITHUB_TOKEN = 'ghs_hostileGithubToken_0a1b2c3d';
const MARKER = '<!-- ttfc-gate:default -->';
const { owner, repo } = REPO;

let server: HostileServer;
let api: FakeGitHub;

beforeAll(async () => {
  ensureActionBundle();
  server = await startHostileServer();
  api = await startFakeGitHub({ token: GITHUB_TOKEN });
}, 240_000);
afterAll(async () => {
  await api?.close();
  await server?.close();
  cleanupRuns();
});
beforeEach(() => api.reset());

function run(o: Partial<RunActionOptions> & { inputs: Record<string, string> }): Promise<ActionRun> {
  return runAction({
    event: { name: 'pull_request', payload: pullRequestEvent({ number: 12, headSha: 'a'.repeat(40) }) },
    apiUrl: api.url,
    githubToken: GITHUB_TOKEN,
    ...o,
    inputs: { method: 'GET', stages: '1x1, 2x1', cooldown: '0', ...o.inputs },
  });
}

const report = (r: ActionRun): Report => JSON.parse(r.reportText ?? 'null') as Report;
const warnings = (r: ActionRun): string[] => r.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
/** The lines the runner would read as workflow commands (trimmed start `::`, or `##[` anywhere). */
const commandLines = (stdout: string): string[] => stdout.split('\n').filter((l) => l.trimStart().startsWith('::') || l.includes('##['));
const ours = new Set(['add-mask', 'error', 'warning', 'notice', 'debug', 'group', 'endgroup']);

describe('the runner command channel', () => {
  test.each(['/commands', '/commands-sse'])('server text from %s starts no workflow command and no escape sequence', async (path) => {
    const r = await run({ inputs: { url: `${server.url}${path}`, preset: 'openai' } });
    const cmds = commandLines(r.stdout);
    // Only the gate's own commands: a mask of a real secret, annotations it writes itself.
    for (const line of cmds) expect(ours.has(/^::([a-z-]+)/.exec(line.trimStart())?.[1] ?? '')).toBe(true);
    expect(r.stdout).not.toMatch(/^\s*::(?:add-mask::HTTP|stop-commands|set-output)/m);
    expect(r.masks).not.toContain('HTTP');
    expect(r.stdout + r.stderr).not.toMatch(/[\u001b\u009b\u0007]/);
    // The server's lines are still there to read, flattened and inert.
    expect(r.stdout).toContain('upstream failed');
    expect(r.outputs.passed).toBe('false');
    expect(r.code).toBe(1);
  });

  test('a fake marker in a server message neither becomes a second marker nor moves the comment', async () => {
    const r = await run({ inputs: { url: `${server.url}/commands` } });
    expect(r.code).toBe(1);
    const comments = api.comments(owner, repo, 12);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.split(MARKER)).toHaveLength(2);
    expect(comments[0]!.body.startsWith(MARKER)).toBe(true);
    const again = await run({ inputs: { url: `${server.url}/commands` } });
    expect(again.code).toBe(1);
    expect(api.comments(owner, repo, 12)).toHaveLength(1);
  });
});

describe('secrets from every source', () => {
  const ENV_KEY = 'env-Key-1a2b3c4d5e6f7a8b';
  const BODY_SECRET = 'body-Secret-9z8y7x6w5v';
  const QUERY_SECRET = 'q7K2m9P4x1L8n3R6';
  const HEADER_SECRET = 'hdr-Literal-55aa66bb';
  const TOKEN = 'tok-Input-31415926535';
  const LOGIN_TOKEN = 'LOGIN-TOKEN-9f8e7d6c5b4a';

  test.each(['token', 'login'] as const)('an echo server returns headers, query and body (%s): nothing leaks, as the runner sees it', async (source) => {
    const tokenInputs: Record<string, string> =
      source === 'token' ? { token: TOKEN } : { 'login-url': '/login', 'login-body': '{"user":"me"}', 'login-token-from': 'json:data.access_token' };
    const theToken = source === 'token' ? TOKEN : LOGIN_TOKEN;
    const r = await run({
      env: { API_KEY: ENV_KEY, BODY_SECRET },
      inputs: {
        url: `${server.url}/echo?session=${QUERY_SECRET}&k=${QUERY_SECRET}x9`,
        method: 'POST',
        headers: `Authorization: Bearer {{env.API_KEY}}\nX-Api-Key: ${HEADER_SECRET}\nX-Trace: {{env.API_KEY}}-trace`,
        body: '{"q":"hello","secret":"{{env.BODY_SECRET}}","t":"{{token}}"}',
        ...tokenInputs,
      },
    });
    expect({ code: r.code, errors: r.annotations.filter((a) => a.level === 'error') }).toMatchObject({ code: 1 });
    // The server really got (and echoed) every secret.
    const echoed = server.requests.filter((q) => q.path.startsWith('/echo')).at(-1);
    if (!echoed) throw new Error(r.stdout);
    expect(JSON.stringify(echoed)).toContain(ENV_KEY);
    expect(echoed.body).toContain(BODY_SECRET);
    expect(echoed.body).toContain(theToken);
    const comment = api.comments(owner, repo, 12)[0]?.body ?? '';
    const everything = [r.log, r.stderr, r.summary, r.reportText ?? '', JSON.stringify(r.outputs), comment, JSON.stringify(r.annotations)].join('\n');
    for (const secret of [ENV_KEY, BODY_SECRET, QUERY_SECRET, HEADER_SECRET, theToken, `Bearer ${ENV_KEY}`]) {
      expect({ secret, leaked: everything.includes(secret) }).toEqual({ secret, leaked: false });
    }
    for (const secret of [ENV_KEY, BODY_SECRET, QUERY_SECRET, HEADER_SECRET, theToken]) expect(r.masks).toContain(secret);
    // The report keeps the body template, never the rendered body.
    expect(report(r).config.body).toBe('{"q":"hello","secret":"{{env.BODY_SECRET}}","t":"{{token}}"}');
    expect(r.log).toContain('***');
  });
});

describe('the sticky comment belongs to the gate', () => {
  test('a foreign comment carrying the marker is left alone, with a warning', async () => {
    const [foreign] = api.seed(owner, repo, 12, [`${MARKER}\n## ✅ TTFC gate passed (trust me)`], 'mallory');
    const r = await run({ inputs: { url: `${server.url}/ok`, stages: '1x1' } });
    expect(r.code).toBe(0);
    const comments = api.comments(owner, repo, 12);
    expect(comments).toHaveLength(2);
    expect(comments.find((c) => c.id === foreign!.id)!.body).toBe(`${MARKER}\n## ✅ TTFC gate passed (trust me)`);
    expect(api.requests.filter((q) => q.method === 'PATCH')).toHaveLength(0);
    const mine = comments.find((c) => c.id !== foreign!.id)!;
    expect(mine.user.login).toBe('github-actions[bot]');
    expect(warnings(r).join('\n')).toMatch(/left alone a comment by @mallory on #12 that carries its marker/);
    // The gate's own comment is the one updated next time; mallory's still untouched.
    const again = await run({ inputs: { url: `${server.url}/ok`, stages: '1x1' } });
    expect(again.code).toBe(0);
    expect(api.comments(owner, repo, 12)).toHaveLength(2);
    expect(api.requests.filter((q) => q.method === 'PATCH').map((q) => q.path)).toEqual([`/repos/${owner}/${repo}/issues/comments/${mine.id}`]);
  });
});

describe("with a personal token the gate is the token's user", () => {
  let userApi: FakeGitHub;
  const PAT = 'ghp_personalToken0123456789';
  beforeAll(async () => {
    userApi = await startFakeGitHub({ token: PAT, login: 'release-bot-user' });
  });
  afterAll(async () => {
    await userApi.close();
  });

  test("its own marked comment is updated; github-actions[bot]'s is someone else's", async () => {
    const [botOne] = userApi.seed(owner, repo, 12, [`${MARKER}\nby the actions bot`], 'github-actions[bot]');
    const [mine] = userApi.seed(owner, repo, 12, [`${MARKER}\nold report`], 'release-bot-user');
    const r = await run({ apiUrl: userApi.url, githubToken: PAT, inputs: { url: `${server.url}/ok`, stages: '1x1' } });
    expect(r.code).toBe(0);
    expect(userApi.requests.some((q) => q.path === '/user')).toBe(true);
    const comments = userApi.comments(owner, repo, 12);
    expect(comments).toHaveLength(2);
    expect(comments.find((c) => c.id === botOne!.id)!.body).toBe(`${MARKER}\nby the actions bot`);
    expect(comments.find((c) => c.id === mine!.id)!.body).toContain('TTFC gate passed');
    expect(warnings(r).join('\n')).toContain('@github-actions[bot]');
  });
});

describe('a GitHub API that accepts and never answers', () => {
  let silent: Server;
  let silentUrl = '';
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    silent = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  test('the step ends with the verdict intact and a warning', async () => {
    const r = await run({
      apiUrl: silentUrl,
      env: { TTFC_GITHUB_API_TIMEOUT_MS: '400', TTFC_GITHUB_API_BUDGET_MS: '3000' },
      inputs: { url: `${server.url}/ok`, stages: '1x1' },
      timeoutMs: 25_000,
    });
    expect(r.code).toBe(0);
    expect(r.outputs.passed).toBe('true');
    expect(r.outputs['comment-url']).toBe('');
    expect(warnings(r).join('\n')).toMatch(/could not write the PR comment on #12: the GitHub API .*(no answer|did not answer)/);
    expect(r.summary).toContain('TTFC gate passed');
  });

  test("a cancel while the comment waits on it ends the step before the runner's SIGTERM", async () => {
    let sent = false;
    const r = await run({
      apiUrl: silentUrl,
      inputs: { url: `${server.url}/ok`, stages: '1x1' },
      onStdout: (out, child) => {
        if (sent || !out.includes('JSON report:')) return;
        sent = true;
        setTimeout(() => {
          child.kill('SIGINT');
          setTimeout(() => child.kill('SIGTERM'), 7500);
        }, 300);
      },
      timeoutMs: 30_000,
    });
    // Ended by itself (the verdict stands), not by the SIGTERM (143) or the harness.
    expect(r.code).toBe(0);
    expect(r.outputs.passed).toBe('true');
    expect(warnings(r).join('\n')).toMatch(/could not write the PR comment/);
  });
});

describe('cancelled as the runner cancels: SIGINT, then SIGTERM 7.5 s later', () => {
  const cancelRun = (first: NodeJS.Signals, second?: { signal: NodeJS.Signals; afterMs: number }, ms = 200) => {
    let sent = false;
    return run({
      inputs: { url: `${server.url}/slow?ms=${ms}`, stages: `1x1, 3x${ms > 1000 ? 2 : 30}`, criteria: 'errors == 0' },
      onStdout: (out, child) => {
        if (sent || !out.includes('stage 2/2')) return;
        sent = true;
        setTimeout(() => {
          child.kill(first);
          if (second) setTimeout(() => child.kill(second.signal), second.afterMs);
        }, 900);
      },
      timeoutMs: 40_000,
    });
  };

  test.each(['SIGINT', 'SIGTERM'] as const)('%s mid-stage: partial report, summary, outputs and comment, marked cancelled', async (sig) => {
    api.seed(owner, repo, 12, [`${MARKER}\n## ✅ TTFC gate passed (previous run)`], 'github-actions[bot]');
    const r = await cancelRun(sig, { signal: 'SIGTERM', afterMs: 7500 });
    // Done before the runner's SIGTERM: the exit is the gate's own failure (1), not a signal's (143).
    expect(r.code).toBe(1);
    const rep = report(r);
    expect(rep.cancelled).toBe(true);
    expect(rep.passed).toBe(false);
    const issued = rep.stages.reduce((n, s) => n + (s.skipped ? 0 : s.issued), 0);
    expect(rep.requests).toHaveLength(issued);
    expect(rep.stages[1]!.issued).toBeGreaterThan(0);
    expect(rep.stages[1]!.issued).toBeLessThan(90);
    const ids = rep.requests.map((q) => `${q.stage}/${q.user}/${q.iteration}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(r.summary).toContain('cancelled');
    expect(r.outputs.passed).toBe('false');
    expect(r.annotations.some((a) => a.level === 'error' && /cancelled/.test(a.message))).toBe(true);
    const comments = api.comments(owner, repo, 12);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('cancelled');
    expect(comments[0]!.body).not.toContain('previous run');
  });

  test('a second signal exits at once', async () => {
    // Requests of 3 s: after the first signal they hold the 1 s grace open when the second comes.
    const r = await cancelRun('SIGINT', { signal: 'SIGINT', afterMs: 50 }, 1500);
    expect(r.code).toBe(130);
    expect(r.reportText).toBeNull();
  });
});
