#!/usr/bin/env node
// npm run local-action [ENV-FILE]: the action run as the runner runs it (@github/local-action on
// src/action/main.ts), its inputs from ENV-FILE (default .env, as INPUT_<NAME> lines). Without the
// file that tool fails with a 20-line stack trace: here it is one line that says how to make one.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const envFile = process.argv[2] ?? '.env';

function fail(message) {
  console.error(`local-action: ${message}`);
  process.exit(1);
}

let stat = null;
try {
  stat = statSync(envFile);
} catch (err) {
  if (err.code !== 'ENOENT') fail(`cannot read ${envFile}: ${err.code}`);
}
if (stat === null) fail(`no ${envFile}: create it from the example (cp .env.example .env) and set INPUT_URL to your endpoint`);
if (!stat.isFile()) fail(`${envFile} is not a file`);

const cli = join(root, 'node_modules', '@github', 'local-action', 'bin', 'local-action.js');
// From the repository, where the tool finds its own tsx; the env file as the caller named it.
// The tool runs `npm exec tsx …`: an npm_config_call or npm_config_package inherited from an outer
// `npx -c …` (how CI runs the suite on Node 24) would be read by that inner npm exec as its own
// command (EUSAGE), so they are not passed on.
const env = { ...process.env };
for (const name of Object.keys(env)) if (/^npm_config_(call|package)$/i.test(name)) delete env[name];
const child = spawn(process.execPath, [cli, 'run', root, 'src/action/main.ts', resolve(envFile)], { cwd: root, stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal === 'SIGINT' ? 130 : 143);
});
