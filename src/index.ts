// The action entry (dist/index.js): all the work is in the adapter.
import { runAction } from './action/main.js';

await runAction();
