// action.yml's inputs and the README's input tables are generated from the one table of inputs
// (src/core/config/inputs.ts): an input edited by hand in either, or added to the table without
// `npm run inputs`, fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INPUTS, CORE_INPUTS, ACTION_DEFAULTS } from '../../src/core/config/inputs.js';
import { withGeneratedReadme, withGeneratedYml } from '../../src/core/config/inputs-docs.js';
import { readActionYml } from '../helpers/run-action.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (f: string): string => readFileSync(join(root, f), 'utf8');

test('action.yml is what the table renders', () => {
  const text = read('action.yml');
  expect(withGeneratedYml(text)).toBe(text);
});

test('the README is what the table renders', () => {
  const text = read('README.md');
  expect(withGeneratedReadme(text)).toBe(text);
});

test('a hand edit is caught: a description changed in action.yml, a row dropped from the README', () => {
  const yml = read('action.yml').replace('description: HTTP method.', 'description: The HTTP method.');
  expect(withGeneratedYml(yml)).not.toBe(yml);
  const readme = read('README.md').replace(/^\| `method` .*\n/m, '');
  expect(withGeneratedReadme(readme)).not.toBe(readme);
  expect(() => withGeneratedReadme('# no markers')).toThrow(/markers/);
});

test('the rendered action.yml reads back as the table: names, descriptions, defaults', () => {
  const yml = readActionYml();
  expect([...yml.inputs.keys()]).toEqual(INPUTS.map((r) => r.name));
  for (const r of INPUTS) {
    const got = yml.inputs.get(r.name)!;
    expect(got.description).toBe(r.description);
    expect((got.default ?? '').trim()).toBe((r.default ?? '').trim());
  }
  // The CLI's flags are the core's inputs; the defaults the merge compares against are the non-empty ones.
  expect(Object.keys(CORE_INPUTS)).toEqual(INPUTS.filter((r) => !r.action).map((r) => r.name));
  expect(ACTION_DEFAULTS.stages).toBe(INPUTS.find((r) => r.name === 'stages')!.default);
  expect('url' in ACTION_DEFAULTS).toBe(false);
});

test('every input has its texts: a help line, a description, a README cell, in a known group', () => {
  for (const r of INPUTS) {
    expect(r.help.length).toBeGreaterThan(10);
    expect(r.description.length).toBeGreaterThan(10);
    expect(r.readme.length).toBeGreaterThan(10);
    expect(r.readme).not.toMatch(/(?<!\\)\|/); // a bare | would split the README's cell
  }
});
