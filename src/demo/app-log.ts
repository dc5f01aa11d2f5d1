// The demo server's application log (--log FILE): an INFO line per request, and for a failed one an
// ERROR line and a traceback, as a Python service writes them (for logs-command tests).
import type { Ctx } from './state.js';

function stamp(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '');
}

export function appLog(ctx: Ctx, level: string, message: string): void {
  ctx.log?.write(`${stamp()} ${level} demo: ${message}\n`);
}

/** A failed request as a Python service logs it: an ERROR line and the traceback. */
export function logFailure(ctx: Ctx, type: string, message: string): void {
  if (!ctx.log) return;
  appLog(ctx, 'ERROR', `request failed: ${message}`);
  ctx.log.write(
    'Traceback (most recent call last):\n' + '  File "/app/api/chat.py", line 42, in completion\n' + '    answer = await pipeline.run(question)\n' + `${type}: ${message}\n`,
  );
}
