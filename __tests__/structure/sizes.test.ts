// Files under ~400 lines and functions under 80, along their own seams (docs/architecture.md): a file
// or function that grows past them fails here, so it is split when it grows, not in a later round.
// The one file allowed past 400 lines is the table of inputs: 66 rows of four texts, data only.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const src = fileURLToPath(new URL('../../src', import.meta.url));
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;
const LONG_FILES_ALLOWED = new Set(['core/config/inputs.ts']);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every function longer than `max` lines in a source text: "name (N lines)". */
export function longFunctions(text: string, max = MAX_FUNCTION_LINES): string[] {
  const sf = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && n.body) {
      const lines = sf.getLineAndCharacterOfPosition(n.end).line - sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
      const name = n.name?.getText() ?? (ts.isVariableDeclaration(n.parent) ? n.parent.name.getText() : '(anonymous)');
      if (lines > max) out.push(`${name} (${lines} lines)`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

const sources = files(src).map((f) => ({ path: relative(src, f), text: readFileSync(f, 'utf8') }));

test('the scan sees the sources', () => {
  expect(sources.length).toBeGreaterThan(100);
});

test(`no function over ${MAX_FUNCTION_LINES} lines`, () => {
  expect(sources.flatMap((s) => longFunctions(s.text).map((f) => `${s.path}: ${f}`))).toEqual([]);
});

test(`no file over ${MAX_FILE_LINES} lines but the table of inputs`, () => {
  const long = sources.filter((s) => s.text.split('\n').length > MAX_FILE_LINES && !LONG_FILES_ALLOWED.has(s.path)).map((s) => s.path);
  expect(long).toEqual([]);
  for (const f of LONG_FILES_ALLOWED) expect(sources.some((s) => s.path === f)).toBe(true);
});

test('the checks can fail: a planted long function is found', () => {
  const body = Array.from({ length: 90 }, (_, i) => `  const x${i} = ${i};`).join('\n');
  expect(longFunctions(`function planted() {\n${body}\n}\n`)).toEqual(['planted (92 lines)']);
  expect(longFunctions(`const f = () => {\n  return 1;\n};\n`)).toEqual([]);
});
