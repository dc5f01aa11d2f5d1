// The bench's recording server (lib/bench/server.js, compiled by the global setup), over real
// connections: what it records per request is what every figure of `npm run bench` is taken from.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import type { ServerTimeline } from '../../bench/server.js';

const SERVER_JS = fileURLToPath(new URL('../../lib/bench/server.js', import.meta.url));
let child: ChildProcess;
let base = '';

beforeAll(async () => {
  child = spawn(process.execPath, [SERVER_JS], { stdio: ['ignore', 'pipe', 'inherit'] });
  base = await new Promise<string>((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`bench server exited ${c}`)));
    child.stdout!.setEncoding('utf8').once('data', (d: string) => resolve(/listening (\S+)/.exec(d)![1]!));
  });
});
afterAll(() => {
  child.kill('SIGTERM');
});

/** One request; resolves with the status and body once the response ends, or with the error. */
function get(path: string, opts: http.RequestOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, opts, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}
const timeline = async (): Promise<ServerTimeline> => JSON.parse((await get('/__timeline', { agent: false })).body) as ServerTimeline;
const byId = (t: ServerTimeline, id: string): [string, number, bigint, bigint, bigint] => {
  const r = t.requests.find((x) => x[0] === id);
  if (r === undefined) throw new Error(`no record of ${id}`);
  return [r[0], r[1], BigInt(r[2]), BigInt(r[3]), BigInt(r[4])];
};

describe('bench server', () => {
  test('a client that goes away mid-stream: its request has no end, and the server answers the next one', async () => {
    await get('/__timeline', { method: 'DELETE', agent: false });
    await new Promise<void>((resolve) => {
      const req = http.get(`${base}/chat?delay=5000`, { agent: false, headers: { 'x-request-id': 'gone' } }, (res) => {
        res.resume();
        req.destroy(); // headers came at once; leave before the first event
      });
      req.on('close', resolve).on('error', () => undefined);
    });
    const ok = await get('/chat?delay=0&events=2&interval=0', { agent: false, headers: { 'x-request-id': 'after' } });
    expect(ok.status).toBe(200);
    const t = await timeline();
    const gone = byId(t, 'gone');
    expect(gone[3]).toBe(0n); // never written
    expect(gone[4]).toBe(0n); // never ended
    expect(byId(t, 'after')[4]).toBeGreaterThan(0n);
  });

  test('per request: its connection, arrival ≤ first write ≤ end, the delay before the first event; DELETE clears', async () => {
    await get('/__timeline', { method: 'DELETE', agent: false });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const a = await get('/chat?delay=30&events=3&interval=5', { agent, headers: { 'x-request-id': 'a' } });
      await get('/chat?delay=0&events=3&interval=0', { agent, headers: { 'x-request-id': 'b' } });
      expect(a.status).toBe(200);
      expect(a.body.match(/^data: /gm)).toHaveLength(3);
    } finally {
      agent.destroy();
    }
    await get('/chat?delay=0', { agent: false }); // untagged, on a connection of its own
    const missing = await get('/nope', { agent: false, headers: { 'x-request-id': 'nope' } });
    expect(missing.status).toBe(404);
    const t = await timeline();
    const [, connA, arrA, writeA, endA] = byId(t, 'a');
    const [, connB, arrB, writeB, endB] = byId(t, 'b');
    expect(connB).toBe(connA); // the same keep-alive connection
    expect(arrA).toBeLessThan(writeA);
    expect(writeA).toBeLessThanOrEqual(endA);
    expect(Number(writeA - arrA) / 1e6).toBeGreaterThanOrEqual(25); // the 30 ms delay, less the timer's coarse clock
    expect(endA).toBeLessThanOrEqual(arrB);
    expect(arrB).toBeLessThanOrEqual(writeB);
    expect(writeB).toBeLessThanOrEqual(endB);
    const untagged = t.requests.filter((r) => r[0].startsWith('untagged-'));
    expect(untagged).toHaveLength(1);
    expect(untagged[0]![1]).not.toBe(connA);
    const nope = byId(t, 'nope');
    expect(nope[3]).toBe(0n); // no event written
    expect(nope[4]).toBeGreaterThan(0n);
    // a+b, the untagged one, the 404 and this GET: four connections since the DELETE
    expect(t.connections).toBe(4);
    await get('/__timeline', { method: 'DELETE', agent: false });
    expect((await timeline()).requests).toEqual([]);
  });
});
