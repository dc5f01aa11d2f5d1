// The stream rate of a stage without token usage: events after the first chunk per second of streaming.
import { summarizeStage } from '../../src/core/analysis/stats.js';
import type { RequestRecord } from '../../src/core/types.js';
import { record } from '../helpers/records.js';

function rec(user: number, ttfc: number, total: number, events: number, extra: Partial<RequestRecord> = {}): RequestRecord {
  return record({ user, ttfb: 2, ttfc, ttft: ttfc, total, events, bytes: 100, ...extra });
}

test('per request: (events − 1) / (total − ttfc) in events/s; single-event and failed requests do not count', () => {
  const s = summarizeStage(
    1,
    { users: 4, requestsPerUser: 1 },
    [
      rec(1, 200, 1200, 21), // 20 events in 1 s
      rec(2, 200, 700, 21), // 20 in 0.5 s
      rec(3, 200, 200, 1), // one event: no rate
      { ...rec(4, 200, 300, 50), ok: false, category: 'timeout' },
    ],
    1500,
  );
  expect(s.streamRate).toEqual({ unit: 'events/s', perRequest: expect.objectContaining({ n: 2, min: 20, max: 40, avg: 30 }) });
  expect(s.tokens).toBeUndefined();
});

test('with token usage there is tokens/s instead, and no stream rate', () => {
  const s = summarizeStage(1, { users: 1, requestsPerUser: 1 }, [rec(1, 200, 1200, 21, { tokens: 40 })], 1500);
  expect(s.tokens).toBeDefined();
  expect(s.streamRate).toBeUndefined();
});
