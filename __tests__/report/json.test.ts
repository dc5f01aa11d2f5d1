// The JSON report file: valid JSON at any size, one request a line, the records written as they are
// (no in-memory gaps), secrets redacted.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReport } from '../../src/core/report/json.js';
import type { RequestRecord } from '../../src/core/types.js';
import type { Report } from '../../src/core/report-types.js';

function record(i: number): RequestRecord {
  const r: RequestRecord = {
    stage: 1,
    user: i,
    iteration: 1,
    startedAt: 1764345600123.4 + i,
    status: 200,
    ok: i % 7 !== 0,
    category: i % 7 === 0 ? 'http_5xx' : null,
    error: i % 7 === 0 ? 'HTTP 500: key sk-SECRET-123 rejected' : null,
    connect: 0,
    ttfb: 1,
    ttfc: 2 + i / 10,
    ttft: 2,
    total: 3,
    stall: null,
    events: 1,
    bytes: 10,
    gaps: [1, 2],
  };
  Object.defineProperty(r, 'gaps', { enumerable: false });
  return r;
}

test.each([0, 1, 4001])('%s requests: valid JSON, one request a line, no gaps, secrets redacted', (n) => {
  const path = join(mkdtempSync(join(tmpdir(), 'ttfc-json-')), 'sub', 'report.json');
  const requests = Array.from({ length: n }, (_, i) => record(i + 1));
  const report = { schemaVersion: 1, passed: true, stages: [], requests } as unknown as Report;
  writeReport(path, report, ['sk-SECRET-123']);
  const text = readFileSync(path, 'utf8');
  const parsed = JSON.parse(text) as { schemaVersion: number; requests: Array<Record<string, unknown>> };
  expect(parsed.schemaVersion).toBe(1);
  expect(parsed.requests).toHaveLength(n);
  expect(parsed.requests.map((r) => r.user)).toEqual(requests.map((r) => r.user));
  expect(parsed.requests.every((r) => !('gaps' in r))).toBe(true);
  expect(text).not.toContain('sk-SECRET-123');
  if (n >= 7) expect(parsed.requests[6]!.error).toBe('HTTP 500: key *** rejected');
  expect(text.split('\n').filter((l) => l.startsWith('    {"stage"'))).toHaveLength(n);
});
