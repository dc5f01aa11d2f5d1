// Secrets with markdown-special characters (`_ * [ ] ( ) ! ~ |`), echoed back by a hostile preview
// on every channel — error body, status text, response headers, stream content, the compare
// target, a health-url answer, a monitor's output, logs-command lines, a shard report — reach no
// output in any form: not as sent, not markdown-escaped, not as HTML entities, not URL-encoded,
// not JSON-escaped. Checked on the Action as the runner runs it and on the CLI.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-api.js';
import { cleanupRuns, ensureActionBundle, pullRequestEvent, REPO, runAction, type ActionRun } from '../helpers/run-action.js';
import { validShardReport, writeJson } from '../helpers/shard-report.js';
import type { TestServer } from '../helpers/servers/http.js';
import { startEchoServer } from './echo-server.js';

// Each with a distinctive run of letters and digits (checked on its own: no part of a secret may leak either).
const TOKEN = 'tok_Qx7Vw2*Se[cr](1)!~|x9_Zq';
const ENV_KEY = 'env_Hb4Kp8*K[y](2)!~|Wq7_Pz';
const COMPARE_TOKEN = 'cmp_Lm3Rt6*T[k](3)!~|Rv5_Ly';
const COMPARE_KEY = 'cenv_Dz9Fs1*V[l](4)!~|Nx3_Ho';
const GITHUB_TOKEN = 'ghs_Yc2Gj5*H[b](5)!~|Tk1_Mn';
const SECRETS = [TOKEN, ENV_KEY, COMPARE_TOKEN, COMPARE_KEY, GITHUB_TOKEN];
const CORE = /[A-Z][a-z]\d[A-Z][a-z]\d/; // the distinctive run in each secret

/** An output with every escaping undone: zero-width spaces, backslashes, entities, %XX, \uXXXX. */
function decoded(text: string): string {
  let t = text;
  for (let i = 0; i < 2; i++) {
    t = t
      .replace(/[\u200B-\u200D\u2060\uFEFF]/g, '')
      .replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
      .replace(/\\(.)/g, '$1')
      .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
      .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .replace(/(?:%[0-9A-Fa-f]{2})+/g, (m) => {
        try {
          return decodeURIComponent(m);
        } catch {
          return m;
        }
      });
  }
  return t;
}

/** No secret, in any form and no part of one, in any of the outputs (named for the failure message). */
function expectNoSecret(outputs: Record<string, string>): void {
  for (const [name, text] of Object.entries(outputs)) {
    // Case-insensitive: a server may echo a header lowercased.
    const plain = decoded(text).toLowerCase();
    for (const secret of SECRETS) expect({ output: name, secret, leaked: plain.includes(secret.toLowerCase()) }).toEqual({ output: name, secret, leaked: false });
    for (const secret of SECRETS) {
      const core = CORE.exec(secret)![0];
      expect({ output: name, core, leaked: plain.includes(core.toLowerCase()) }).toEqual({ output: name, core, leaked: false });
    }
  }
}

let server: TestServer;
let api: FakeGitHub;
let dir: string;
const env = { API_KEY: ENV_KEY, CMP_KEY: COMPARE_KEY, TTFC_TOKEN: TOKEN };

beforeAll(async () => {
  ensureActionBundle();
  server = await startEchoServer();
  api = await startFakeGitHub({ token: GITHUB_TOKEN });
  dir = mkdtempSync(join(tmpdir(), 'ttfc-secrets-'));
}, 240_000);
afterAll(async () => {
  await api?.close();
  await server?.close();
  cleanupRuns();
  rmSync(dir, { recursive: true, force: true });
});

/** The inputs of each channel's run. The first carries the most: error body, compare target (status text), health, monitor, logs. */
const channels = (): Array<[string, Record<string, string>]> => [
  [
    'error body, compare target, health-url (status text and body), monitor, logs-command',
    {
      url: `${server.url}/error-body`,
      token: TOKEN,
      headers: 'X-Api-Key: {{env.API_KEY}}',
      'compare-url': `${server.url}/error-body?side=base`,
      'compare-token': COMPARE_TOKEN,
      'compare-headers': 'X-Api-Key: {{env.CMP_KEY}}',
      'health-url': '/health',
      monitor: 'leak: echo "no figure here, only $API_KEY"',
      'logs-command': `sh -c 'echo "ERROR token $TTFC_TOKEN key $API_KEY"; exec sleep 30'`,
    },
  ],
  ['response headers (the Content-Type in a protocol error)', { url: `${server.url}/header`, token: TOKEN, headers: 'X-Api-Key: {{env.API_KEY}}' }],
  ['stream content', { url: `${server.url}/stream-error`, token: TOKEN, preset: 'openai', headers: 'X-Api-Key: {{env.API_KEY}}' }],
];

/** The server really received (and so echoed) the secrets of the run. */
function expectEchoed(since: number, secrets: string[]): void {
  const got = JSON.stringify(server.requests.slice(since));
  for (const s of secrets) expect(got).toContain(JSON.stringify(s).slice(1, -1));
}

describe('the Action, as the runner runs it', () => {
  const outputsOf = (r: ActionRun, extra: Record<string, string> = {}): Record<string, string> => ({
    log: r.log,
    stderr: r.stderr,
    summary: r.summary,
    report: r.reportText ?? '',
    outputs: JSON.stringify(r.outputs),
    annotations: JSON.stringify(r.annotations),
    comment: api
      .comments(REPO.owner, REPO.repo, 7)
      .map((c) => c.body)
      .join('\n'),
    ...extra,
  });
  const run = (inputs: Record<string, string>): Promise<ActionRun> =>
    runAction({
      event: { name: 'pull_request', payload: pullRequestEvent({ number: 7, headSha: 'd'.repeat(40) }) },
      apiUrl: api.url,
      githubToken: GITHUB_TOKEN,
      env,
      inputs: { method: 'GET', stages: '1x1', cooldown: '0', 'markdown-path': 'report.md', ...inputs },
      timeoutMs: 60_000,
    });

  test.each([0, 1, 2])(
    'channel set %i: no secret reaches the log, summary, comment, markdown file, annotations, report or outputs',
    async (i) => {
      api.reset();
      const [, inputs] = channels()[i]!;
      const since = server.requests.length;
      const r = await run(inputs);
      expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 1 });
      expectEchoed(since, i === 0 ? [TOKEN, ENV_KEY, COMPARE_TOKEN, COMPARE_KEY] : [TOKEN, ENV_KEY]);
      const markdown = readFileSync(join(r.workspace, 'report.md'), 'utf8');
      expect(api.comments(REPO.owner, REPO.repo, 7)).toHaveLength(1);
      expectNoSecret(outputsOf(r, { markdown }));
      // Redacted, not merely absent: the echo is there, the secret replaced.
      expect(r.summary).toContain('\\*\\*\\*');
      expect(r.reportText).toContain('***');
    },
    90_000,
  );

  test('a shard report carrying the github-token: the merge redacts it everywhere', async () => {
    api.reset();
    const echo = `HTTP 503: denied for ${GITHUB_TOKEN}`;
    const shards = join(dir, 'shards');
    writeJson(dir, 'shards-1.json', validShardReport({ index: 1, count: 2, host: `runner ${GITHUB_TOKEN}`, fail: (stage) => (stage === 2 ? echo : null) }));
    writeJson(dir, 'shards-2.json', validShardReport({ index: 2, count: 2, fail: () => echo }));
    const r = await runAction({
      event: { name: 'pull_request', payload: pullRequestEvent({ number: 7, headSha: 'd'.repeat(40) }) },
      apiUrl: api.url,
      githubToken: GITHUB_TOKEN,
      inputs: { mode: 'merge', reports: `${shards}-*.json`, 'markdown-path': 'merged.md' },
    });
    expect(r.code).toBe(1);
    expect(r.summary).toContain('HTTP 503: denied for \\*\\*\\*');
    expectNoSecret(outputsOf(r, { markdown: readFileSync(join(r.workspace, 'merged.md'), 'utf8') }));
  }, 60_000);
});

describe('the CLI', () => {
  // The monitor and log commands inherit the process's environment, as in a shell.
  beforeAll(() => Object.assign(process.env, env));
  afterAll(() => {
    for (const k of Object.keys(env)) delete process.env[k];
  });

  test.each([0, 1, 2])(
    'channel set %i: no secret reaches the terminal, the report or the markdown file',
    async (i) => {
      const [, inputs] = channels()[i]!;
      const since = server.requests.length;
      const argv = Object.entries({ method: 'GET', stages: '1x1', cooldown: '0', ...inputs, 'report-path': join(dir, `cli-${i}.json`), 'markdown-path': `cli-${i}.md` }).flatMap(
        ([k, v]) => [`--${k}`, v],
      );
      const r = await runCli(argv, { cwd: dir, env });
      expect({ code: r.code, err: r.err }).toMatchObject({ code: 1, err: '' });
      expectEchoed(since, [TOKEN, ENV_KEY]);
      expectNoSecret({
        terminal: `${r.out}\n${r.err}`,
        report: readFileSync(join(dir, `cli-${i}.json`), 'utf8'),
        markdown: readFileSync(join(dir, `cli-${i}.md`), 'utf8'),
      });
    },
    60_000,
  );
});
