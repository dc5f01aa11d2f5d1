// `npm run readme:comment`: the example comment of README.md (its first screen) and docs/report.md
// (whole), written by the renderer from a real report — `npm run demo`'s blocking handler, loaded as
// the README's first workflow loads its API, the target shown as that workflow's. With --measure the
// load runs again and docs/examples/blocking-report.json is replaced; without, the stored report is
// rendered again (after a change of the renderer). __tests__/docs/example-comment.test.ts checks that
// both documents hold what the renderer writes for the stored report.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../cli/main.js';
import { writeReport } from '../core/report/json.js';
import { renderMarkdown } from '../core/report/markdown.js';
import type { Report } from '../core/report-types.js';
import { startDemoServer } from './spawn-server.js';

/** The stored report, the target and commit the README's workflow would show, the documents. */
export const EXAMPLE = {
  report: 'docs/examples/blocking-report.json',
  url: 'http://localhost:8000/api/chat',
  body: '{"message": "Hello from user {{user}}"}',
  commit: '3f9c2e1d8b7a60c4e5f1a2b3c4d5e6f708192a3b',
  readme: 'README.md',
  whole: 'docs/report.md',
  marker: 'example-comment',
} as const;

/** The comment as the Action renders it on a pull request (default comment-tag, report-path). */
export function exampleMarkdown(report: Report): string {
  return renderMarkdown(report, { tag: 'default', commit: report.target.commit, reportPath: 'ttfc-report.json' });
}

/** What a reviewer sees without opening anything: the comment up to its first collapsed section. */
export function firstScreen(markdown: string): string {
  const at = markdown.indexOf('\n<details>');
  return (at < 0 ? markdown : markdown.slice(0, at)).trimEnd();
}

/** `doc` with `text` between `<!-- NAME:start -->` and `<!-- NAME:end -->`; null when a marker is missing. */
export function between(doc: string, name: string, text?: string): string | null {
  const start = doc.indexOf(`<!-- ${name}:start -->\n`);
  const end = doc.indexOf(`\n<!-- ${name}:end -->`);
  if (start < 0 || end < start) return null;
  const from = start + `<!-- ${name}:start -->\n`.length;
  return text === undefined ? doc.slice(from, end) : doc.slice(0, from) + text + doc.slice(end);
}

async function measure(root: string): Promise<void> {
  const server = await startDemoServer();
  const out = join(tmpdir(), `ttfc-readme-example-${process.pid}.json`);
  const io = { out: (l: string) => process.stdout.write(`${l}\n`), err: (l: string) => process.stderr.write(`${l}\n`), env: process.env, cwd: root };
  try {
    const url = `${server.url}/api/chat?mode=blocking&delay=250&events=5&interval=20`;
    const code = await main(['--url', url, '--body', EXAMPLE.body, '--report-path', out], io);
    if (code !== 1) throw new Error(`the blocking handler was expected to fail the gate (exit 1), not exit ${code}`);
  } finally {
    server.stop();
  }
  const report = JSON.parse(readFileSync(out, 'utf8')) as Report & { config: { url: string } };
  report.target.url = report.config.url = EXAMPLE.url;
  report.target.commit = EXAMPLE.commit;
  writeReport(join(root, EXAMPLE.report), report, []);
}

async function run(): Promise<void> {
  const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
  if (process.argv.includes('--measure')) await measure(root);
  const markdown = exampleMarkdown(JSON.parse(readFileSync(join(root, EXAMPLE.report), 'utf8')) as Report);
  for (const [file, text] of [
    [EXAMPLE.readme, firstScreen(markdown)],
    [EXAMPLE.whole, markdown.trimEnd()],
  ] as const) {
    const doc = between(readFileSync(join(root, file), 'utf8'), EXAMPLE.marker, text);
    if (doc === null) throw new Error(`${file} has no <!-- ${EXAMPLE.marker}:start --> … <!-- ${EXAMPLE.marker}:end --> markers`);
    writeFileSync(join(root, file), doc);
    process.stdout.write(`${file}: the example comment written\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
