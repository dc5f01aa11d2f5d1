// Tests spawn real processes (the demo server, the bundled action): compile src/ to lib/ once first.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

export default async function globalSetup(): Promise<void> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  } catch (err) {
    // Type errors are reported by `npm run typecheck`; tsc still emits, which is all the tests need.
    if (!existsSync(fileURLToPath(new URL('../../lib/src/demo/server.js', import.meta.url)))) {
      const out = (err as { stdout?: Buffer }).stdout?.toString() ?? String(err);
      throw new Error(`global setup: tsc -p tsconfig.build.json emitted nothing:\n${out}`, { cause: err });
    }
  }
}
