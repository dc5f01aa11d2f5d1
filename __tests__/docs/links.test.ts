// Every relative link of the README and of docs/ points at a file of the repository (tracked or to be
// committed, not ignored), and every anchor at a heading of its target, as GitHub makes the slugs.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const markdownFiles = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The text outside fenced code blocks and code spans, where links and headings are. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, (m) => m.replace(/[[\]()#]/g, ' '));
}

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens, repeats suffixed -1, -2. */
export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const noFences = text.replace(/^```[\s\S]*?^```$/gm, '');
  for (const [, heading] of noFences.matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const slug = heading!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

const ignored = (path: string): boolean => {
  try {
    execFileSync('git', ['check-ignore', '-q', path], { cwd: root });
    return true;
  } catch {
    return false;
  }
};

test.each(markdownFiles)('%s: every relative link and anchor resolves', (file) => {
  const text = readFileSync(join(root, file), 'utf8');
  const links = [...prose(text).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^(https?:|mailto:)/.test(t));
  for (const link of links) {
    const [path, anchor] = link.split('#') as [string, string | undefined];
    const target = path === '' ? file : normalize(join(dirname(file), path));
    const where = { file, link };
    expect({ ...where, exists: existsSync(join(root, target)), inRepo: !relative(root, join(root, target)).startsWith('..') && !ignored(target) }).toEqual({
      ...where,
      exists: true,
      inRepo: true,
    });
    if (statSync(join(root, target)).isDirectory()) expect({ ...where, empty: readdirSync(join(root, target)).length === 0 }).toEqual({ ...where, empty: false });
    if (anchor !== undefined) {
      expect({ ...where, markdown: target.endsWith('.md') }).toEqual({ ...where, markdown: true });
      expect({ ...where, found: anchorsOf(readFileSync(join(root, target), 'utf8')).has(anchor) }).toEqual({ ...where, found: true });
    }
  }
});

test('the check can fail: a missing file, a missing anchor and an ignored path are caught', () => {
  expect(anchorsOf('# A `b`: c (d)\n## Same\n## Same\n```\n# not a heading\n```\n')).toEqual(new Set(['a-b-c-d', 'same', 'same-1']));
  expect(existsSync(join(root, 'docs', 'no-such-page.md'))).toBe(false);
  expect(ignored('lib/src/index.js')).toBe(true);
  expect(ignored('docs/recipes.md')).toBe(false);
});

test('the docs index lists every page of docs/', () => {
  const index = readFileSync(join(root, 'docs', 'README.md'), 'utf8');
  for (const f of readdirSync(join(root, 'docs')).filter((p) => p.endsWith('.md') && p !== 'README.md'))
    expect({ f, listed: index.includes(`](${f})`) }).toEqual({ f, listed: true });
});
