import { InputError } from '../errors.js';
import type { Stage } from '../types.js';

export const DEFAULT_STAGES = '1x1, 10x3, 20x2';
/** The most users a stage (or a capacity probe) may have. */
export const MAX_USERS = 10_000;
const MAX_REQUESTS = 100_000;

/** `USERSxREQUESTS`, comma-separated: that many concurrent users, each sending that many requests in a row. */
export function parseStages(text: string, input = 'stages'): Stage[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.every((p) => p === '')) throw new InputError(input, 'is empty (expected e.g. "1x1, 10x3, 20x2")');
  let total = 0;
  return parts.map((part, i) => {
    const m = /^(\d+)\s*[xX×]\s*(\d+)$/.exec(part);
    if (!m) {
      throw new InputError(input, `stage ${i + 1} "${part}" is not USERSxREQUESTS (e.g. 10x3)`);
    }
    const users = Number(m[1]);
    const requestsPerUser = Number(m[2]);
    if (users < 1) throw new InputError(input, `stage ${i + 1} "${part}": users must be at least 1`);
    if (requestsPerUser < 1) throw new InputError(input, `stage ${i + 1} "${part}": requests per user must be at least 1`);
    if (users > MAX_USERS) throw new InputError(input, `stage ${i + 1} "${part}": at most ${MAX_USERS} users`);
    total += users * requestsPerUser;
    if (total > MAX_REQUESTS) throw new InputError(input, `more than ${MAX_REQUESTS} requests in all; a gate should be bounded`);
    return { users, requestsPerUser };
  });
}

export function formatStages(stages: Stage[]): string {
  return stages.map((s) => `${s.users}x${s.requestsPerUser}`).join(', ');
}
