// Builds the committed bundles with ncc: dist/index.js (the action) and dist/cli/index.js (the CLI).
import { execFileSync } from 'node:child_process';
import { rmSync, statSync, readdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

const ncc = join('node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
const builds = [
  ['src/index.ts', 'dist'],
  ['src/cli/index.ts', 'dist/cli'],
];
rmSync('dist', { recursive: true, force: true });
for (const [entry, out] of builds) {
  execFileSync(process.execPath, [ncc, 'build', entry, '-o', out, '--license', 'licenses.txt', '--quiet'], { stdio: 'inherit' });
}
chmodSync('dist/cli/index.js', 0o755);
const size = (dir) =>
  readdirSync(dir, { recursive: true }).reduce((n, f) => {
    const s = statSync(join(dir, String(f)));
    return s.isFile() ? n + s.size : n;
  }, 0);
for (const [, out] of builds) console.log(`${out}/index.js  ${(statSync(join(out, 'index.js')).size / 1024).toFixed(0)} KiB`);
console.log(`dist/ total ${(size('dist') / 1024).toFixed(0)} KiB`);
