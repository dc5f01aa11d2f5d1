// A request record for analysis and report tests: a successful request, its fields overridden.
import type { RequestRecord } from '../../src/core/types.js';

export function record(over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    stage: 1,
    user: 1,
    iteration: 1,
    startedAt: 0,
    status: 200,
    ok: true,
    category: null,
    error: null,
    connect: 1,
    ttfb: 1,
    ttfc: 100,
    ttft: 100,
    total: 110,
    stall: null,
    events: 1,
    bytes: 1,
    ...over,
  };
}
