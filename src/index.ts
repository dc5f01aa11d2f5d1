// The action entry (dist/index.js): all the work is in the adapter, whose run() is also what
// `npm run local-action` (@github/local-action) calls.
import { run } from './action/main.js';

await run();
