// Server text never becomes a link or a mention: URLs, www. hosts, mail addresses and @names sent
// by a hostile preview (error bodies, the diagnoses that quote them, the stream, the compare
// target, monitor output, log lines, health errors) or written into a shard report, rendered as
// GitHub renders the comment. Checked with marked (GFM autolinks on) and against cmark-gfm's own
// autolink triggers on the text outside code: `scheme://` in a row, `www.`, `@` before a letter or digit.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { marked } from 'marked';
import { runCli } from '../helpers/cli.js';
import { validShardReport, writeJson } from '../helpers/shard-report.js';
import type { TestServer } from '../helpers/servers/http.js';
import { startEchoServer } from './echo-server.js';

const LINKS = 'see https://evil.example/login or www.evil.example, ftp://evil.example/x, mail admin@evil.example, ping @octocat @org/team';

let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startEchoServer();
  dir = mkdtempSync(join(tmpdir(), 'ttfc-links-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The text a reader sees outside code (GFM never autolinks inside code spans or blocks): tags dropped, entities decoded. */
function proseText(html: string): string {
  return html
    .replace(/<pre[\s\S]*?<\/pre>/g, ' ')
    .replace(/<code>[\s\S]*?<\/code>/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function expectNoLinkOrMention(markdown: string): void {
  const html = marked.parse(markdown, { gfm: true, async: false });
  expect(html).not.toMatch(/<a\b/);
  const text = proseText(html);
  expect(text).not.toMatch(/[A-Za-z][A-Za-z0-9+.-]*:\/\//); // cmark-gfm url autolink: scheme then :// in a row
  expect(text).not.toMatch(/www\./i); // www autolink
  expect(text).not.toMatch(/@[A-Za-z0-9]/); // a mention or a mail autolink
  // The server's text is there to read, only inert.
  expect(text.replace(/\u200B/g, '')).toContain('evil.example/login');
}

async function markdownOf(argv: string[], name: string): Promise<string> {
  const r = await runCli([...argv, '--report-path', join(dir, `${name}.json`), '--markdown-path', `${name}.md`], { cwd: dir, env: {} });
  expect({ code: r.code, err: r.err }).toEqual({ code: 1, err: '' });
  return readFileSync(join(dir, `${name}.md`), 'utf8');
}

const load = (url: string, extra: string[] = []): string[] => ['--url', url, '--method', 'GET', '--stages', '1x1', '--cooldown', '0', '--headers', `X-Echo: ${LINKS}`, ...extra];

test('error body and the smoke diagnosis quoting it, the compare answer, monitor output, log lines, health errors', async () => {
  const md = await markdownOf(
    load(`${server.url}/error-body`, [
      '--compare-url',
      `${server.url}/error-body?side=base`,
      '--health-url',
      '/health',
      '--monitor',
      `links: echo "no figure: ${LINKS}"`,
      '--logs-command',
      `sh -c 'echo "ERROR ${LINKS}"; exec sleep 30'`,
    ]),
    'server',
  );
  // Every channel reached the document.
  expect(md).toMatch(/### Diagnoses\n\n- \*\*smoke\*\*.*evil\.example/);
  expect(md).toMatch(/### Server[\s\S]*Log errors[\s\S]*ERROR see https/);
  expect(md).toMatch(/monitor links: printed no number/);
  expect(md).toMatch(/1 \(base\) \| HTTP 500: .*rejected see https/);
  expectNoLinkOrMention(md);
}, 60_000);

test('an in-band error in the stream', async () => {
  expectNoLinkOrMention(await markdownOf(load(`${server.url}/stream-error`, ['--preset', 'openai']), 'stream'));
});

test("a shard report's host and error messages", async () => {
  writeJson(dir, 's1.json', validShardReport({ index: 1, count: 2, host: LINKS, fail: () => `HTTP 503: ${LINKS}` }));
  writeJson(dir, 's2.json', validShardReport({ index: 2, count: 2, host: LINKS }));
  const md = await markdownOf(['merge', 's1.json', 's2.json'], 'merged');
  expect(md).toMatch(/### Shards[\s\S]*evil/);
  expectNoLinkOrMention(md);
});
