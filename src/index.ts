// The action entry (dist/index.js): all the work is in the adapter, whose run() is also what
// `npm run local-action` (@github/local-action) calls.
import { run } from './action/main.js';
import { exitWhenFlushed } from './core/cancel.js';

await run();
// The step ends with its work (exit code from core.setFailed): nothing left running may hold it.
await exitWhenFlushed();
