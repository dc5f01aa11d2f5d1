// The example comment of README.md (its first screen) and docs/report.md (whole) is what the renderer
// writes today for the stored report of a real run (npm run readme:comment writes both again).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { between, EXAMPLE, exampleMarkdown, firstScreen } from '../../src/demo/readme-example.js';
import type { Report } from '../../src/core/report-types.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const report = JSON.parse(readFileSync(join(root, EXAMPLE.report), 'utf8')) as Report;
const markdown = exampleMarkdown(report);

test('the README shows the first screen of the comment the renderer writes for the stored report', () => {
  const shown = between(readFileSync(join(root, EXAMPLE.readme), 'utf8'), EXAMPLE.marker);
  expect(shown).toBe(firstScreen(markdown));
  expect(shown).toMatch(/^<!-- ttfc-gate:default -->\n\n## ❌ TTFC gate failed/);
  expect(shown).toContain('**serialized** at 10 and 20 users');
  expect(shown).toMatch(/\| 20\s×\s2 \| 40\/40 \|/);
  expect(shown).not.toContain('<details>');
});

test('docs/report.md shows the whole comment', () => {
  expect(between(readFileSync(join(root, EXAMPLE.whole), 'utf8'), EXAMPLE.marker)).toBe(markdown.trimEnd());
  expect(markdown).toContain('<details>');
});

test("the stored report is a real run of the blocking handler, shown with the workflow's target", () => {
  expect(report).toMatchObject({ schemaVersion: 1, tool: { name: 'ttfc-gate' }, passed: false, target: { url: EXAMPLE.url, commit: EXAMPLE.commit } });
  expect(report.stages.map((s) => [s.users, s.requestsPerUser, s.succeeded])).toEqual([
    [1, 1, 1],
    [10, 3, 30],
    [20, 2, 40],
  ]);
  expect(report.requests).toHaveLength(71);
  expect(report.diagnoses.map((d) => d.kind)).toContain('serialized');
});

test('between() finds and replaces the marked text, and says when the markers are missing', () => {
  const doc = 'a\n<!-- x:start -->\nold\n<!-- x:end -->\nb';
  expect(between(doc, 'x')).toBe('old');
  expect(between(doc, 'x', 'new')).toBe('a\n<!-- x:start -->\nnew\n<!-- x:end -->\nb');
  expect(between('no markers', 'x')).toBeNull();
});
