// The command-line adapter: flags, exit codes, one-line errors, the terminal report.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORE_INPUTS } from '../../src/core/config/inputs.js';
import { VERSION } from '../../src/core/version.js';
import { renderMarkdown } from '../../src/core/report/markdown.js';
import type { Report } from '../../src/core/report-types.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { spawnDemo, type SpawnedDemo } from '../helpers/demo.js';

let demo: SpawnedDemo;
let dir: string;
beforeAll(async () => {
  demo = await spawnDemo();
  dir = mkdtempSync(join(tmpdir(), 'ttfc-cli-'));
});
afterAll(async () => {
  await demo.close();
});

const cli = (...argv: string[]): Promise<CliRun> => runCli(argv, { env: { SECRET_ENV: 'from-env' }, cwd: dir });

describe('bad input exits 2 with one line that names the input', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['stages 0x1', ['--stages', '0x1'], /^ttfc-gate: stages: stage 1 "0x1": users must be at least 1$/],
    ['stages 10x', ['--stages', '10x'], /^ttfc-gate: stages: stage 1 "10x" is not USERSxREQUESTS/],
    ['stages x3', ['--stages', 'x3'], /^ttfc-gate: stages: stage 1 "x3" is not USERSxREQUESTS/],
    ['stages abc', ['--stages', '1x1, abc'], /^ttfc-gate: stages: stage 2 "abc" is not USERSxREQUESTS/],
    ['missing url', [], /^ttfc-gate: url: is required/],
    ['invalid url', ['--url', 'http//nope'], /^ttfc-gate: url: "http\/\/nope" is not a valid URL/],
    ['ftp scheme', ['--url', 'ftp://127.0.0.1/x'], /^ttfc-gate: url: scheme "ftp" is not supported/],
    ['negative timeout', ['--timeout', '-1'], /^ttfc-gate: timeout: "-1" is not a duration/],
    ['unknown flag', ['--users', '10'], /^ttfc-gate: --users: unknown flag/],
    ['missing body file', ['--body-file', 'nope.json'], /^ttfc-gate: body-file: cannot read "nope.json": no such file$/],
    ['malformed header', ['--headers', 'X-Ok: 1\nBearer abcdefghijklmnop'], /^ttfc-gate: headers: line 2 is not "Name: value" \(got "Bearer abcde…"\)$/],
    ['unknown metric', ['--criteria', 'success_rate > 95%\nttfx.p95 < 3s'], /^ttfc-gate: criteria: line 2, column 1: unknown metric "ttfx.p95"/],
    ['unknown unit', ['--criteria', 'ttfc.p95 < 3sec'], /^ttfc-gate: criteria: line 1, column 12: unknown unit/],
    ['unknown placeholder', ['--body', '{"q":"{{nope}}"}'], /^ttfc-gate: body: unknown placeholder \{\{nope\}\}/],
    ['bad boolean', ['--fail-on-criteria', 'maybe'], /^ttfc-gate: fail-on-criteria: "maybe" is not true or false$/],
    ['path without base-url', ['--url', '/v1/chat'], /^ttfc-gate: url: "\/v1\/chat" is a path: set base-url/],
    ['flag without value', ['--stages'], /^ttfc-gate: --stages: needs a value$/],
    ['repeat 0', ['--repeat', '0'], /^ttfc-gate: repeat: 0 is out of range: 1 to 10$/],
    ['repeat 11', ['--repeat', '11'], /^ttfc-gate: repeat: 11 is out of range: 1 to 10$/],
    ['repeat not a number', ['--repeat', 'twice'], /^ttfc-gate: repeat: "twice" is not a whole number \(1 to 10\)$/],
    ['repeat fraction', ['--repeat', '1.5'], /^ttfc-gate: repeat: "1.5" is not a whole number/],
    ['warmup negative', ['--warmup', '-1'], /^ttfc-gate: warmup: "-1" is not a whole number \(0 to 50\)$/],
    ['warmup too many', ['--warmup', '51'], /^ttfc-gate: warmup: 51 is out of range: 0 to 50$/],
    ['unknown verdict', ['--verdict', 'lenient'], /^ttfc-gate: verdict: "lenient" is not one of strict, confident$/],
    ['bad regression-threshold', ['--regression-threshold', 'a lot'], /^ttfc-gate: regression-threshold: "a lot" is not a percentage \(e\.g\. 20%\)$/],
    ['zero regression-threshold', ['--regression-threshold', '0%'], /^ttfc-gate: regression-threshold: "0%" must be more than 0%$/],
    ['ambiguous regression-threshold', ['--regression-threshold', '20'], /^ttfc-gate: regression-threshold: "20" is ambiguous: write a percentage, e\.g\. 20%$/],
    ['baseline given twice', ['--baseline', 'a.json', '--baseline', 'b.json'], /^ttfc-gate: --baseline: given more than once$/],
  ];
  test.each(cases)('%s', async (_name, argv, message) => {
    // url first so that the input under test is the one that is wrong
    const args = argv.includes('--url') || _name === 'missing url' ? argv : ['--url', `${demo.url}/chat`, ...argv];
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.out).toBe(''); // nothing was sent, nothing printed
  });
});

test('passing run: exit 0, progress per stage, tables, verdict and a report file', async () => {
  const report = join(dir, 'pass.json');
  const r = await cli(
    '--url',
    `${demo.url}/chat?mode=async&delay=30&events=3&interval=5`,
    '--stages',
    '1x1, 4x2',
    '--cooldown',
    '10ms',
    '--criteria',
    '@4: ttfc.avg < 2s',
    '--report-path',
    report,
  );
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/stage 1\/2: 1 user x 1 request…/);
  expect(r.out).toMatch(/stage 2\/2: 4 users x 2 requests/);
  expect(r.out).toMatch(/^2 +4 x 2 +8\/8 /m);
  expect(r.out).toMatch(/^PASS +@4: ttfc\.avg < 2s +4 users +actual \d+ ms vs 2 s \(95% CI \d+ ms – \d+ ms\)$/m);
  expect(r.out).toMatch(/^PASSED$/m);
  const json = JSON.parse(readFileSync(report, 'utf8'));
  expect(json.schemaVersion).toBe(1);
  expect(json.stages[1].issued).toBe(8);
  expect(json.requests).toHaveLength(9);
  expect(json.requests[0]).not.toHaveProperty('gaps');
  expect(json.environment.cpus).toBeGreaterThan(0);
});

test('failing criterion: exit 1 and the failed criterion with its value; fail-on-criteria false reports only', async () => {
  const args = [
    '--url',
    `${demo.url}/chat?mode=async&delay=60&events=1`,
    '--stages',
    '2x1',
    '--criteria',
    'ttfc.avg < 10ms\nttfc.max < 1ms warn',
    '--report-path',
    join(dir, 'f.json'),
  ];
  const r = await cli(...args);
  expect(r.code).toBe(1);
  // 2 samples: too few for an interval (fewer than 5), so none is shown; strict fails on the value.
  expect(r.out).toMatch(/^FAIL +ttfc\.avg < 10ms +2 users +actual \d+ ms vs 10 ms$/m);
  expect(r.out).toMatch(/^WARN +ttfc\.max < 1ms warn/m);
  expect(r.out).toMatch(/^FAILED: 1 criterion missed, 1 warning$/m);
  expect((await cli(...args, '--fail-on-criteria', 'false')).code).toBe(0);
});

test('a missing baseline is a message, not a failure; --help lists the new flags', async () => {
  const r = await cli(
    '--url',
    `${demo.url}/chat?mode=async&delay=10&events=2&interval=20`,
    '--stages',
    '1x1',
    '--baseline',
    'nightly/ttfc-report.json',
    '--criteria',
    'errors == 0\nttfc.p95 < 1.2 * baseline.ttfc.p95',
    '--report-path',
    join(dir, 'nobase.json'),
  );
  expect(r.code).toBe(0);
  expect(r.out).toContain('baseline: baseline nightly/ttfc-report.json not found: nothing to compare against (normal on a first run) — not compared (the run goes on)');
  expect(r.out).toMatch(/^baseline NOT compared: baseline nightly\/ttfc-report\.json not found/m);
  expect(r.out).toMatch(/^SKIP +ttfc\.p95 < 1\.2 \* baseline\.ttfc\.p95 +1 user +no baseline stage with 1 user \(the baseline could not be read\)$/m);
  const help = await cli('--help');
  for (const flag of ['--baseline', '--regression-threshold', '--repeat', '--verdict', '--warmup']) expect(help.out).toContain(flag);
});

test('--help lists every flag the CLI accepts; --version prints the version', async () => {
  const help = await cli('--help');
  expect(help.code).toBe(0);
  const listed = [...help.out.matchAll(/^ {2}--([a-z-]+) /gm)].map((m) => m[1]);
  expect(listed).toEqual([...Object.keys(CORE_INPUTS), 'help', 'version']);
  const version = await cli('--version');
  expect(version).toEqual({ code: 0, out: `ttfc-gate ${VERSION}`, err: '' });
});

test('--markdown-path writes the markdown report, the same document as the PR comment', async () => {
  const json = join(dir, 'md.json');
  const r = await cli(
    '--url',
    `${demo.url}/chat?mode=async&delay=10&events=2&interval=5`,
    '--stages',
    '1x1, 2x1',
    '--criteria',
    'errors == 0',
    '--report-path',
    json,
    '--markdown-path',
    'preview/comment.md',
  );
  expect(r.code).toBe(0);
  expect(r.out).toContain('markdown: preview/comment.md');
  const md = readFileSync(join(dir, 'preview/comment.md'), 'utf8');
  expect(md).toBe(renderMarkdown(JSON.parse(readFileSync(json, 'utf8')) as Report, { reportPath: json }));
  expect(md).toMatch(/^## ✅ TTFC gate passed/);
});

test('secrets never reach the output or the report', async () => {
  const token = 'sk-live-TOPSECRET-123456';
  const report = join(dir, 'secret.json');
  writeFileSync(join(dir, 'body.json'), '{"q":"hi {{user}}","k":"{{token}}"}');
  const r = await cli(
    '--url',
    `https://user:hunter22@127.0.0.1:1/chat?api_key=KEYVALUE123`,
    '--token',
    token,
    '--headers',
    'Cookie: session=COOKIEVALUE\nX-Api-Key: HEADERKEY99',
    '--body-file',
    'body.json',
    '--stages',
    '1x1',
    '--timeout',
    '1s',
    '--report-path',
    report,
  );
  expect(r.code).toBe(1); // nothing listens on port 1: the smoke test fails
  const all = `${r.out}\n${r.err}\n${readFileSync(report, 'utf8')}`;
  for (const secret of [token, 'hunter22', 'KEYVALUE123', 'COOKIEVALUE', 'HEADERKEY99']) expect(all).not.toContain(secret);
  expect(all).toContain('connection');
});

test('the compiled CLI runs as a process with real exit codes', async () => {
  const bin = fileURLToPath(new URL('../../lib/src/cli/index.js', import.meta.url));
  const run = (args: string[]): Promise<{ code: number; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [bin, ...args], { cwd: dir }, (err, _stdout, stderr) => resolve({ code: err ? (err.code as number) : 0, stderr }));
    });
  expect((await run(['--stages', '0x1', '--url', demo.url])).code).toBe(2);
  const ok = await run(['--url', `${demo.url}/chat?delay=0&events=1`, '--stages', '1x1', '--criteria', 'errors == 0']);
  expect(ok.code).toBe(0);
  const bad = await run(['--url', `${demo.url}/chat?mode=status&code=500&delay=0`, '--stages', '1x1', '--criteria', 'errors == 0']);
  expect(bad.code).toBe(1);
});

test('a stage larger than the open-file limit allows fails before any request, saying how many users fit', async () => {
  if (process.platform !== 'linux') return; // the limit is read from /proc
  const bin = fileURLToPath(new URL('../../lib/src/cli/index.js', import.meta.url));
  // `ulimit -n` in the shell sets the soft and hard limit the CLI process inherits
  const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      'sh',
      ['-c', `ulimit -n 300 && exec "$0" "$@"`, process.execPath, bin, '--url', `${demo.url}/chat?delay=0&events=1`, '--stages', '1x1, 1000x1'],
      { cwd: dir },
      (err, _o, stderr) => resolve({ code: err ? (err.code as number) : 0, stderr }),
    );
  });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/stages: a stage of 1000 users needs 1000 connections open at once, but this process may open 300 files .*: at most \d+ users fit/);
});
