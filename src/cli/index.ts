#!/usr/bin/env node
import { cancelOnSignals, exitWhenFlushed, signalExitCode } from '../core/cancel.js';
import { main } from './main.js';

// Ctrl-C (or SIGTERM) once: stop the load and write the partial report; twice: exit at once.
const cancel = cancelOnSignals((sig) => process.stderr.write(`ttfc-gate: ${sig}: stopping, writing the partial report (again to exit at once)\n`));
const code = await main(process.argv.slice(2), {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  env: process.env,
  cwd: process.cwd(),
  signal: cancel.signal,
});
cancel.dispose();
// A cancelled run exits as a signalled process would (130 for SIGINT, 143 for SIGTERM), and the
// process ends now: nothing left running (a socket, a command's stray child) may keep it alive.
await exitWhenFlushed(cancel.by !== null ? signalExitCode(cancel.by) : code);
