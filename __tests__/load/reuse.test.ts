// What a user's connection carries from one request to the next so that no request pays for it
// again: its stream parser and its deadline timer. Nothing of one response may reach the next: a
// response cut mid-event, mid-character or past the event-size cap leaves the parser clean, a
// deadline belongs to the request that armed it, and a finished stage leaves no timer behind.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ParserSlot, type EventReceiver, type ParserLimits } from '../../src/core/load/stream-parser.js';
import { getPreset } from '../../src/core/load/presets/index.js';
import { runLoad, type LoadTarget } from '../../src/core/run/run-load.js';

type Ev = [data: string, name: string | undefined];

/** A sink and limits as a request gives them: the events it got, the overflow it was told of. */
function receiver(maxEventBytes = Infinity): EventReceiver & ParserLimits & { events: Ev[]; overflows: string[] } {
  const events: Ev[] = [];
  const overflows: string[] = [];
  return { events, overflows, maxEventBytes, event: (data, name) => void events.push([data, name]), onOverflow: (m) => void overflows.push(m) };
}

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('a parser taken over by the next response', () => {
  test('SSE: an event and a character cut by the end of a response do not reach the next one', () => {
    const slot = new ParserSlot();
    const first = receiver();
    const p1 = slot.take('sse', false, first, first);
    p1.feed(bytes('data: one\n\n'), 1);
    // Cut: half an event, and the first byte of a two-byte character (é = C3 A9); no end().
    p1.feed(Buffer.concat([bytes('event: x\ndata: caf'), Buffer.from([0xc3])]), 2);
    const second = receiver();
    const p2 = slot.take('sse', false, second, second);
    expect(p2).toBe(p1); // reused, not made again
    p2.feed(bytes('data: é\n\n'), 3);
    p2.end(4);
    expect(first.events).toEqual([['one', undefined]]);
    expect(second.events).toEqual([['é', undefined]]);
  });

  test('SSE: a response past the event-size cap leaves no overflow behind; its comments and stray lines are its own', () => {
    const slot = new ParserSlot();
    const first = receiver(16);
    const p1 = slot.take('sse', false, first, first);
    p1.feed(bytes('what is this\n'), 1);
    p1.feed(bytes('data: ' + 'x'.repeat(40)), 2);
    expect(first.overflows).toHaveLength(1);
    expect(p1.noEventReason?.(60)).toMatch(/not an event stream/);
    const second = receiver(16);
    const p2 = slot.take('sse', false, second, second);
    expect(p2).toBe(p1);
    p2.feed(bytes(': ping\n\ndata: ok\n\n'), 3);
    p2.end(4);
    expect(second.overflows).toEqual([]);
    expect(second.events).toEqual([['ok', undefined]]);
    expect(p2.noEventReason?.(20)).toBeNull();
  });

  test('NDJSON: a line cut by the end of a response is not the start of the next one', () => {
    const slot = new ParserSlot();
    const first = receiver();
    slot.take('ndjson', true, first, first).feed(Buffer.concat([bytes('{"a":1}\n{"b":"caf'), Buffer.from([0xc3])]), 1);
    const second = receiver();
    const p = slot.take('ndjson', true, second, second);
    p.feed(bytes('{"c":3}\n'), 2);
    p.end(3);
    expect(first.events).toEqual([['{"a":1}', undefined]]);
    expect(second.events).toEqual([['{"c":3}', undefined]]);
  });

  test('another format, or another text need or cap, gets a parser of its own', () => {
    const slot = new ParserSlot();
    const r = receiver();
    const sse = slot.take('sse', false, r, r);
    expect(slot.take('sse', false, r, r)).toBe(sse);
    expect(slot.take('ndjson', false, r, r)).not.toBe(sse);
    const ndjson = slot.take('ndjson', false, r, r);
    expect(slot.take('ndjson', true, r, r)).not.toBe(ndjson);
    const capped = receiver(64);
    const ndjsonText = slot.take('ndjson', true, r, r);
    expect(slot.take('ndjson', true, capped, capped)).not.toBe(ndjsonText);
  });
});

describe("a connection's deadline timer", () => {
  let server: Server;
  let origin: string;
  let served = 0;
  beforeAll(async () => {
    // Answers at once, except every third request, which it never answers.
    server = createServer((req, res) => {
      served++;
      if (served % 3 === 0) return;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: a\n\ndata: b\n\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const target = (timeoutMs: number): LoadTarget => ({
    spec: { origin, path: '/', method: 'GET', timeoutMs, format: 'auto', preset: getPreset('generic') },
    render: () => ({ headers: {}, body: null }),
  });
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  test("times out the request in flight, counted from that request's own start, after others on the connection finished", async () => {
    served = 0;
    const before = timers();
    const run = await runLoad(target(300), { stages: [{ users: 1, requestsPerUser: 3 }], cooldownMs: 0 });
    const [a, b, c] = run.requests;
    expect([a!.ok, b!.ok, c!.category]).toEqual([true, true, 'timeout']);
    expect([a!.events, b!.events]).toEqual([2, 2]);
    // A timer fires no earlier than its time (libuv's clock is whole milliseconds: 1 ms of slack).
    expect(c!.total!).toBeGreaterThanOrEqual(299);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  test('a stage whose last requests succeeded leaves no armed timer behind to hold the process open', async () => {
    served = 0; // requests 1 and 2 are answered
    const before = timers();
    const run = await runLoad(target(60_000), { stages: [{ users: 1, requestsPerUser: 2 }], cooldownMs: 0 });
    expect(run.requests.map((r) => r.ok)).toEqual([true, true]);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  test('every request of a long run of them gets its whole deadline, none of its predecessors', async () => {
    served = 1; // the third request from here hangs: the 2nd of this run
    const run = await runLoad(target(200), { stages: [{ users: 1, requestsPerUser: 5 }], cooldownMs: 0 });
    expect(run.requests.map((r) => r.category)).toEqual([null, 'timeout', null, null, 'timeout']);
    for (const r of run.requests.filter((q) => q.category === 'timeout')) expect(r.total!).toBeGreaterThanOrEqual(199);
  });
});
