// A request's record as the engine keeps it: its gaps in memory for the pooled itl figures, never in
// what is written from it (a report is the records themselves, not a copy), and a stage's records
// in the order their requests started, which is the order they were issued in.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LiveRecord } from '../../src/core/load/record.js';
import { getPreset } from '../../src/core/load/presets/index.js';
import { runLoad } from '../../src/core/run/run-load.js';

test('gaps and per-token gaps are read and set like fields, but no JSON or spread of the record holds them', () => {
  const r = new LiveRecord({ stage: 2, user: 3, iteration: 4 });
  expect(r.gaps).toEqual([]);
  r.gaps = [1.5, 2.5];
  r.tokenGaps = [0.5];
  r.ttfc = 12;
  expect(r.gaps).toEqual([1.5, 2.5]);
  expect(r.tokenGaps).toEqual([0.5]);
  const written = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
  expect(written).toMatchObject({ stage: 2, user: 3, iteration: 4, ttfc: 12, events: 0 });
  expect(Object.keys(written)).not.toContain('gaps');
  expect(Object.keys(written)).not.toContain('tokenGaps');
  expect(Object.keys({ ...r })).not.toContain('gaps');
  // Fields set only when they apply are no keys until then.
  expect(Object.keys(written)).not.toContain('lateness');
  r.tokenGaps = undefined;
  expect(r.tokenGaps).toBeUndefined();
});

test('a record with fewer than two events shares one empty, frozen gaps array: nobody can write into it', () => {
  const a = new LiveRecord({ stage: 1, user: 1, iteration: 1 });
  const b = new LiveRecord({ stage: 1, user: 2, iteration: 1 });
  expect(a.gaps).toBe(b.gaps);
  expect(() => a.gaps!.push(1)).toThrow(TypeError);
  expect(b.gaps).toEqual([]);
});

describe('the records of a stage', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    // Answers in a random order of delays: requests finish in another order than they started.
    server = createServer((req, res) => {
      setTimeout(
        () => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: 1\n\n');
          setTimeout(() => res.end('data: 2\n\ndata: 3\n\n'), 2);
        },
        Math.floor(Math.random() * 15),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('are in the order their requests started, each with one gap fewer than its events, kept at their size', async () => {
    const run = await runLoad(
      { spec: { origin, path: '/', method: 'GET', timeoutMs: 5000, format: 'auto', preset: getPreset('generic') }, render: () => ({ headers: {}, body: null }) },
      { stages: [{ users: 8, requestsPerUser: 6 }], cooldownMs: 0 },
    );
    const recs = run.requests;
    expect(recs).toHaveLength(48);
    for (let i = 1; i < recs.length; i++) expect(recs[i]!.startedAt).toBeGreaterThanOrEqual(recs[i - 1]!.startedAt);
    for (const r of recs) {
      expect(r.ok).toBe(true);
      expect(r.gaps).toHaveLength(r.events - 1);
      expect(Math.max(...r.gaps!)).toBe(r.stall);
    }
    // Each user's iterations in order, and not every user's requests back to back: the stage's order, not a user's.
    for (let u = 1; u <= 8; u++) expect(recs.filter((r) => r.user === u).map((r) => r.iteration)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
