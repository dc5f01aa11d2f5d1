// `npm run inputs`: writes action.yml's inputs and the README's input tables from the one table of
// inputs (src/core/config/inputs.ts). `--check` only says whether they are up to date (exit 1 if not).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withGeneratedReadme, withGeneratedYml } from '../lib/src/core/config/inputs-docs.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');
let stale = 0;
for (const [file, render] of [
  ['action.yml', withGeneratedYml],
  ['README.md', withGeneratedReadme],
]) {
  const path = `${root}${file}`;
  const before = readFileSync(path, 'utf8');
  const after = render(before);
  if (after === before) continue;
  stale++;
  if (check) console.error(`${file}: its inputs differ from src/core/config/inputs.ts (run npm run inputs)`);
  else {
    writeFileSync(path, after);
    console.log(`${file}: inputs written`);
  }
}
process.exit(check && stale > 0 ? 1 : 0);
