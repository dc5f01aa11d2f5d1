#!/usr/bin/env node
// Parses every ```mermaid block of the markdown on stdin with the `mermaid` package (the renderer
// GitHub uses) and prints one JSON line: { blocks, types, errors: [{ index, message }] }. Mermaid needs a
// DOM even to parse (it sanitizes labels with DOMPurify), so jsdom provides one. Used by the tests.
import { JSDOM } from 'jsdom';

const { window } = new JSDOM('');
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import('mermaid');

let input = '';
for await (const chunk of process.stdin) input += chunk;
const blocks = [...input.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
const errors = [];
const types = [];
for (const [index, text] of blocks.entries()) {
  try {
    const res = await mermaid.parse(text);
    types.push(res ? res.diagramType : null);
    if (!res) errors.push({ index, message: 'not a diagram mermaid knows' });
  } catch (err) {
    errors.push({ index, message: err instanceof Error ? err.message : String(err) });
  }
}
process.stdout.write(`${JSON.stringify({ blocks: blocks.length, types, errors })}\n`);
