// `npm run chaos -- [--runs N] [--seed S] [--minutes M]`: the property test of the fault matrix
// (__tests__/chaos/property.test.ts) with more random schedules than CI runs, for a nightly job, or
// one seed replayed. Every schedule drawn within the time bound must hold; a failure prints its seed
// and the shrunk schedule. Exits as jest does (0: every schedule held).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opts = { runs: '2000', seed: undefined, minutes: '30' };
for (let i = 0; i < args.length; i++) {
  const name = args[i].replace(/^--/, '');
  if (!(name in opts) || args[i + 1] === undefined || !/^\d+$/.test(args[i + 1])) {
    console.error(`chaos: usage: npm run chaos -- [--runs N] [--seed S] [--minutes M] (got "${args.slice(i).join(' ')}")`);
    process.exit(2);
  }
  opts[name] = args[++i];
}
const env = { ...process.env, CHAOS_RUNS: opts.runs, CHAOS_TIME_MS: String(Number(opts.minutes) * 60_000), NODE_OPTIONS: '--experimental-vm-modules' };
if (opts.seed !== undefined) env.CHAOS_SEED = opts.seed;
console.log(`chaos: up to ${opts.runs} schedules within ${opts.minutes} min${opts.seed !== undefined ? `, seed ${opts.seed}` : ''}`);
const jest = fileURLToPath(new URL('../node_modules/jest/bin/jest.js', import.meta.url));
const r = spawnSync(process.execPath, [jest, '--selectProjects', 'unit', '--runInBand', '__tests__/chaos/property.test.ts'], {
  env,
  stdio: 'inherit',
  cwd: fileURLToPath(new URL('..', import.meta.url)),
});
process.exit(r.status ?? 1);
