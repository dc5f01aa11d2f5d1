// Runs the bundled action (dist/index.js) in a child process the way a GitHub runner does: inputs
// as INPUT_* variables (hyphens kept, defaults from action.yml), the event payload in a file at
// GITHUB_EVENT_PATH, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, GITHUB_API_URL at a stand-in.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DIST = join(ROOT, 'dist', 'index.js');

// ---------------------------------------------------------------------------------------------
// action.yml, read with a small line-based parser (the file's own subset of YAML)

export interface ActionYmlInput {
  description: string;
  required: boolean;
  default: string | undefined;
}
export interface ActionYml {
  inputs: Map<string, ActionYmlInput>;
  outputs: Map<string, { description: string }>;
  top: Map<string, string>;
  runs: Map<string, string>;
  branding: Map<string, string>;
}

function scalar(raw: string, where: string): string {
  const t = raw.trim();
  if (t.startsWith("'")) {
    if (!t.endsWith("'") || t.length < 2) throw new Error(`${where}: unterminated single-quoted scalar`);
    return t.slice(1, -1).replace(/''/g, "'");
  }
  if (t.startsWith('"')) {
    if (!t.endsWith('"') || t.length < 2) throw new Error(`${where}: unterminated double-quoted scalar`);
    return JSON.parse(t) as string;
  }
  // Plain scalars: the constructs that would make real YAML read something else are errors here.
  if (/: |\s#/.test(t) || /^[[{&*!|>%@`]/.test(t)) throw new Error(`${where}: plain scalar "${t}" needs quotes`);
  return t;
}

/** Parses action.yml: top-level scalars, `branding`, `runs`, `inputs` and `outputs` maps (block scalars `|` supported). */
export function parseActionYml(text: string): ActionYml {
  const out: ActionYml = { inputs: new Map(), outputs: new Map(), top: new Map(), runs: new Map(), branding: new Map() };
  const lines = text.split('\n');
  let section = '';
  let item: Record<string, string> | null = null;
  const items: Array<[string, string, Record<string, string>]> = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const where = `action.yml line ${i + 1}`;
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    if (/\t/.test(line)) throw new Error(`${where}: tab`);
    const indent = line.length - line.trimStart().length;
    const m = /^(\s*)([A-Za-z0-9_-]+):(?:\s+(.*))?$/.exec(line);
    if (!m) throw new Error(`${where}: cannot parse "${line}"`);
    const name = m[2]!;
    const rest = m[3] ?? '';
    if (indent === 0) {
      section = name;
      item = null;
      if (rest) out.top.set(name, scalar(rest, where));
      continue;
    }
    if (indent === 2) {
      if (section === 'inputs' || section === 'outputs') {
        if (rest) throw new Error(`${where}: ${section}.${name} must be a map`);
        item = {};
        items.push([section, name, item]);
      } else if (section === 'runs' || section === 'branding') {
        out[section].set(name, scalar(rest, where));
      } else throw new Error(`${where}: unexpected key under ${section}`);
      continue;
    }
    if (indent === 4 && item) {
      if (rest === '|' || rest === '|-') {
        const block: string[] = [];
        while (i + 1 < lines.length && (lines[i + 1]!.startsWith('      ') || lines[i + 1]!.trim() === '')) {
          block.push(lines[++i]!.slice(6));
        }
        while (block.length && block[block.length - 1] === '') block.pop();
        item[name] = block.join('\n') + (rest === '|' ? '\n' : '');
      } else item[name] = scalar(rest, where);
      continue;
    }
    throw new Error(`${where}: unexpected indentation`);
  }
  for (const [section, name, fields] of items) {
    if (out[section as 'inputs'].has(name)) throw new Error(`action.yml: duplicate ${section}.${name}`);
    if (section === 'inputs') {
      out.inputs.set(name, { description: fields.description ?? '', required: fields.required === 'true', default: fields.default });
    } else out.outputs.set(name, { description: fields.description ?? '' });
  }
  return out;
}

export function readActionYml(): ActionYml {
  return parseActionYml(readFileSync(join(ROOT, 'action.yml'), 'utf8'));
}

// ---------------------------------------------------------------------------------------------
// event payloads (the fields GitHub sends that matter, in their real shape)

export const REPO = { owner: 'octo-org', repo: 'chat-app' };
const repository = {
  id: 123456,
  node_id: 'R_kgDOA',
  name: REPO.repo,
  full_name: `${REPO.owner}/${REPO.repo}`,
  private: false,
  owner: { login: REPO.owner, id: 9919, type: 'Organization' },
  html_url: `https://github.example/${REPO.owner}/${REPO.repo}`,
  fork: false,
  default_branch: 'main',
};
const sender = { login: 'dev-user', id: 4242, type: 'User' };

export function pullRequestEvent(o: { number: number; headSha: string; fork?: boolean; action?: string }): Record<string, unknown> {
  const headRepo = o.fork
    ? { ...repository, id: 777, name: REPO.repo, full_name: `forker/${REPO.repo}`, owner: { login: 'forker', id: 777, type: 'User' }, fork: true }
    : repository;
  return {
    action: o.action ?? 'synchronize',
    number: o.number,
    pull_request: {
      url: `https://api.github.example/repos/${REPO.owner}/${REPO.repo}/pulls/${o.number}`,
      id: 5550000 + o.number,
      number: o.number,
      state: 'open',
      title: 'Stream answers from the vector search',
      user: sender,
      head: { label: `${headRepo.owner.login}:feature`, ref: 'feature', sha: o.headSha, repo: headRepo, user: headRepo.owner },
      base: { label: `${REPO.owner}:main`, ref: 'main', sha: 'b'.repeat(40), repo: repository, user: repository.owner },
      draft: false,
      merged: false,
    },
    repository,
    sender,
  };
}

export function deploymentStatusEvent(o: { state: string; environmentUrl?: string; sha: string; environment?: string }): Record<string, unknown> {
  const environment = o.environment ?? 'Preview';
  return {
    deployment_status: {
      url: `https://api.github.example/repos/${REPO.owner}/${REPO.repo}/deployments/42/statuses/99`,
      id: 99,
      state: o.state,
      description: o.state === 'success' ? 'Deployment has completed' : 'Deployment is in progress',
      environment,
      target_url: 'https://vercel.example/octo-org/chat-app/inspect/abc',
      ...(o.environmentUrl ? { environment_url: o.environmentUrl } : {}),
      creator: { login: 'vercel[bot]', id: 35613825, type: 'Bot' },
    },
    deployment: {
      url: `https://api.github.example/repos/${REPO.owner}/${REPO.repo}/deployments/42`,
      id: 42,
      sha: o.sha,
      ref: 'feature',
      task: 'deploy',
      payload: {},
      environment,
      creator: { login: 'vercel[bot]', id: 35613825, type: 'Bot' },
    },
    repository,
    sender: { login: 'vercel[bot]', id: 35613825, type: 'Bot' },
  };
}

export function scheduleEvent(): Record<string, unknown> {
  return { schedule: '17 3 * * *' };
}

// ---------------------------------------------------------------------------------------------
// running

export interface RunActionOptions {
  inputs: Record<string, string>;
  event: { name: string; payload: Record<string, unknown> };
  /** GITHUB_API_URL (the stand-in); unset means an address nothing listens on. */
  apiUrl?: string;
  /** What the runner substitutes for `${{ github.token }}`. */
  githubToken?: string;
  sha?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Run in this workspace (kept between runs, as a cache restores files into it) instead of a new one. */
  workspace?: string;
  /** Called with the stdout so far on every write: e.g. to signal the process as a cancelling runner would. */
  onStdout?: (stdoutSoFar: string, child: import('node:child_process').ChildProcess) => void;
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout without the ::add-mask:: commands (what would reach the log besides masking). */
  log: string;
  masks: string[];
  annotations: Annotation[];
  outputs: Record<string, string>;
  summary: string;
  workspace: string;
  /** The JSON report file's text, if written. */
  reportText: string | null;
}

const unescapeData = (s: string): string => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');

/** Parses a GITHUB_OUTPUT file (`name<<DELIM` … `DELIM` blocks and `name=value` lines). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const delim = heredoc[2]!;
      const value: string[] = [];
      while (i + 1 < lines.length && lines[i + 1] !== delim) value.push(lines[++i]!);
      i++;
      out[heredoc[1]!] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

const tempDirs: string[] = [];

/** Removes the temporary runner directories of every run so far. */
export function cleanupRuns(): void {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export async function runAction(opts: RunActionOptions): Promise<ActionRun> {
  const runner = mkdtempSync(join(tmpdir(), 'ttfc-action-'));
  tempDirs.push(runner);
  const workspace = opts.workspace ?? join(runner, 'workspace');
  if (!opts.workspace) mkdirSync(workspace);
  const eventPath = join(runner, 'event.json');
  const outputPath = join(runner, 'output');
  const summaryPath = join(runner, 'step-summary.md');
  writeFileSync(eventPath, JSON.stringify(opts.event.payload, null, 2));
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');

  const githubToken = opts.githubToken ?? 'ghs_fakeGithubToken0123456789';
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? workspace,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: runner,
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_NAME: opts.event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_REPOSITORY: `${REPO.owner}/${REPO.repo}`,
    GITHUB_REPOSITORY_OWNER: REPO.owner,
    GITHUB_SHA: opts.sha ?? 'c'.repeat(40),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_API_URL: opts.apiUrl ?? 'http://127.0.0.1:9',
    GITHUB_GRAPHQL_URL: `${opts.apiUrl ?? 'http://127.0.0.1:9'}/graphql`,
    GITHUB_RUN_ID: '987654321',
    GITHUB_RUN_NUMBER: '12',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW: 'ttfc',
    GITHUB_JOB: 'gate',
    GITHUB_ACTION: 'ttfc-gate',
    GITHUB_ACTOR: 'dev-user',
    ...opts.env,
  };
  // Inputs as the runner passes them: every input of action.yml, the default when not given.
  const yml = readActionYml();
  for (const [name, input] of yml.inputs) {
    const given = opts.inputs[name];
    const value = given ?? (input.default ?? '').replace(/\$\{\{\s*github\.token\s*\}\}/g, githubToken);
    env[`INPUT_${name.toUpperCase()}`] = value;
  }
  for (const name of Object.keys(opts.inputs)) if (!yml.inputs.has(name)) throw new Error(`runAction: "${name}" is not an input of action.yml`);

  const child = spawn(process.execPath, [DIST], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    opts.onStdout?.(stdout, child);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the action did not finish within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });

  const masks: string[] = [];
  const annotations: Annotation[] = [];
  const logLines: string[] = [];
  for (const line of stdout.split('\n')) {
    const mask = /^::add-mask::(.*)$/.exec(line);
    if (mask) {
      masks.push(unescapeData(mask[1]!));
      continue;
    }
    const ann = /^::(error|warning|notice)(?: [^:]*)?::(.*)$/.exec(line);
    if (ann) annotations.push({ level: ann[1] as Annotation['level'], message: unescapeData(ann[2]!) });
    logLines.push(line);
  }
  const reportFile = join(workspace, opts.inputs['report-path'] ?? 'ttfc-report.json');
  return {
    code,
    stdout,
    stderr,
    log: logLines.join('\n'),
    masks,
    annotations,
    outputs: parseOutputFile(readFileSync(outputPath, 'utf8')),
    summary: readFileSync(summaryPath, 'utf8'),
    workspace,
    reportText: existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : null,
  };
}

// ---------------------------------------------------------------------------------------------
// the bundle under test

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.isFile()) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Makes sure dist/index.js is built from the current sources: when it is older than src/ or the
 * lockfile, the action entry is rebuilt exactly as `npm run bundle` builds it (ncc, in a temporary
 * directory, then moved into dist/ so dist/cli and concurrent readers are never disturbed).
 * Returns whether it rebuilt. CI separately checks that the committed dist/ is fresh.
 */
export function ensureActionBundle(): boolean {
  const built = existsSync(DIST) ? statSync(DIST).mtimeMs : 0;
  const sources = Math.max(newestMtime(join(ROOT, 'src')), statSync(join(ROOT, 'package-lock.json')).mtimeMs);
  if (built >= sources) return false;
  mkdirSync(join(ROOT, 'lib'), { recursive: true });
  const out = mkdtempSync(join(ROOT, 'lib', '.action-bundle-'));
  try {
    const ncc = join(ROOT, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
    execFileSync(process.execPath, [ncc, 'build', 'src/index.ts', '-o', out, '--license', 'licenses.txt', '--quiet'], { cwd: ROOT, stdio: 'pipe' });
    mkdirSync(join(ROOT, 'dist'), { recursive: true });
    for (const f of ['licenses.txt', 'package.json', 'index.js']) renameSync(join(out, f), join(ROOT, 'dist', f));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return true;
}
