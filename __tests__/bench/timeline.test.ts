// The bench's reading of its server's timeline: start spread, requests in flight, each connection's
// first request, the last response. Made-up timelines, so each figure is known in advance.
import { describe, expect, test } from '@jest/globals';
import type { ServerRequest } from '../../bench/server.js';
import { legs, see } from '../../bench/timeline.js';

const MS = 1_000_000n;
/** [id, connection, arrival ms, first write ms, end ms] (0 = never), as the server writes them in ns. */
const req = (id: string, conn: number, a: number, w: number, e: number): ServerRequest => [id, conn, String(BigInt(a) * MS), String(BigInt(w) * MS), String(BigInt(e) * MS)];

describe('see', () => {
  test('start spread: from the stage start to the last connection’s first arrival, not to its later requests', () => {
    const s = see(
      {
        connections: 2,
        requests: [req('1-1', 1, 110, 160, 200), req('1-2', 1, 205, 255, 300), req('2-1', 2, 150, 200, 240), req('2-2', 2, 245, 295, 330)],
      },
      100n * MS,
    );
    expect(s.spreadMs).toBe(50);
    expect(s.firsts.sort()).toEqual(['1-1', '2-1']);
    expect(s.serverMs.get('1-2')).toBe(50);
    expect(s.completed).toBe(4);
    expect(s.lastEndNs).toBe(330n * MS);
    expect(s.connections).toBe(2);
  });

  test('the first request of a connection is the earliest arrival on it, in whatever order the log lists them', () => {
    const s = see({ connections: 1, requests: [req('b', 7, 300, 310, 320), req('a', 7, 120, 130, 140)] }, 100n * MS);
    expect(s.firsts).toEqual(['a']);
    expect(s.spreadMs).toBe(20);
  });

  test('peak in flight counts overlaps between arrival and end; one ending as another arrives is not an overlap', () => {
    const s = see(
      {
        connections: 3,
        requests: [req('a', 1, 0, 5, 10), req('b', 2, 10, 15, 20), req('c', 3, 2, 4, 12)],
      },
      0n,
    );
    expect(s.peak).toBe(2); // a and c, then c and b: b arrives as a ends
    // busy time 10 + 10 + 10 over the 20 ms from the first arrival to the last end
    expect(s.mean).toBeCloseTo(30 / 20, 10);
  });

  test('a request never answered counts for the spread but not in flight, nor as completed, nor in the server times', () => {
    const s = see({ connections: 2, requests: [req('a', 1, 5, 10, 20), req('b', 2, 40, 0, 0)] }, 0n);
    expect(s.completed).toBe(1);
    expect(s.peak).toBe(1);
    expect(s.spreadMs).toBe(40);
    expect(s.serverMs.has('b')).toBe(false);
    expect(s.lastEndNs).toBe(20n * MS);
  });

  test('an empty timeline: nothing in flight, no spread, no mean', () => {
    const s = see({ connections: 0, requests: [] }, 100n * MS);
    expect([s.peak, s.mean, s.spreadMs, s.completed, s.firsts.length]).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('turnaround', () => {
  test('each request after a connection’s first: its arrival less the end of the response before it on that connection', () => {
    const s = see(
      {
        connections: 2,
        // listed out of order; connection 2's responses end later than connection 1's next arrival
        requests: [req('1-2', 1, 203, 253, 300), req('2-1', 2, 150, 200, 240), req('1-1', 1, 110, 160, 200), req('2-2', 2, 246, 296, 330), req('1-3', 1, 301, 351, 400)],
      },
      100n * MS,
    );
    expect([...s.turnaround].sort()).toEqual([
      ['1-2', 3],
      ['1-3', 1],
      ['2-2', 6],
    ]);
  });

  test('none after a response that never ended (the connection was cut), and none for a first request', () => {
    const s = see({ connections: 1, requests: [req('a', 1, 0, 5, 0), req('b', 1, 50, 55, 60), req('c', 1, 62, 0, 0)] }, 0n);
    expect([...s.turnaround]).toEqual([['c', 2]]);
  });
});

describe('wave spread', () => {
  // 10 connections; connection c's k-th request arrives at 1000·k + spread·c ms (listed out of order).
  const waves = (spreads: number[]): ServerRequest[] =>
    spreads.flatMap((spread, k) => Array.from({ length: 10 }, (_, c) => req(`${c}-${k}`, c, 1000 * (k + 1) + spread * c, 0, 0))).reverse();

  test('the median over waves of the p10–p90 span of the k-th requests of every connection', () => {
    // p10 of 10 is the 2nd earliest (index round(0.9) = 1), p90 the 9th (index round(8.1) = 8): 7 steps apart
    const s = see({ connections: 10, requests: waves([1, 3, 2]) }, 0n);
    expect(s.waveSpreadMs).toBe(2 * 7);
  });

  test('a wave of fewer than 10 requests is left out: the last requests of connections that made more', () => {
    const extra = [req('x', 0, 9000, 0, 0), req('y', 1, 9500, 0, 0)];
    const s = see({ connections: 10, requests: [...waves([4]), ...extra] }, 0n);
    expect(s.waveSpreadMs).toBe(4 * 7);
  });

  test('no wave of 10: 0', () => {
    const s = see({ connections: 2, requests: [req('a', 1, 5, 10, 20), req('b', 2, 40, 0, 0)] }, 0n);
    expect(s.waveSpreadMs).toBe(0);
  });
});

describe('legs', () => {
  test('out = issue → arrival, back = first write → stamp; together they are the lag', () => {
    // issued 10 ms after the stage start, arrived at 12, first write at 62, stamped at 65 (ttfc 55)
    const s = see({ connections: 1, requests: [req('a', 1, 112, 162, 200), req('b', 1, 205, 0, 0)] }, 100n * MS);
    const { out, back } = legs(s, { a: 55, b: 9 }, { a: 65, b: 120 });
    expect(out).toEqual([2]);
    expect(back).toEqual([3]);
    expect(out[0]! + back[0]!).toBeCloseTo(55 - s.serverMs.get('a')!, 10);
  });

  test('a request the server never saw, or the client never stamped, has no legs', () => {
    const s = see({ connections: 1, requests: [req('a', 1, 112, 162, 200)] }, 100n * MS);
    const none = { out: [], back: [], toWire: [], queue: [], wire: new Map() };
    expect(legs(s, { x: 5 }, { x: 7 }, { x: 1 })).toEqual(none);
    expect(legs(s, {}, { a: 65 }, { a: 11 })).toEqual(none);
  });

  test("the head on the wire splits out: issue → wire is the client's, wire → arrival the server's wait to read it", () => {
    // issued at 10, head to the kernel at 10.5, read by the server at 12, first write at 62, stamped at 65
    const s = see({ connections: 1, requests: [req('a', 1, 112, 162, 200)] }, 100n * MS);
    const { out, back, toWire, queue, wire } = legs(s, { a: 55 }, { a: 65 }, { a: 10.5 });
    expect(toWire).toEqual([0.5]);
    expect(queue).toEqual([1.5]);
    expect(toWire[0]! + queue[0]!).toBeCloseTo(out[0]!, 10);
    expect(wire.get('a')).toBe(10.5);
    // against the wire the lag is toWire + back: 55 − (62 − 10.5)
    expect(55 - (62 - wire.get('a')!)).toBeCloseTo(toWire[0]! + back[0]!, 10);
  });

  test("no split without the head, or with a head written before the issue or after the server read it (a retry's)", () => {
    const s = see({ connections: 1, requests: [req('a', 1, 112, 162, 200)] }, 100n * MS);
    for (const onWire of [{}, { a: 9 }, { a: 12.5 }] as Array<Record<string, number>>) {
      const r = legs(s, { a: 55 }, { a: 65 }, onWire);
      expect(r.out).toEqual([2]);
      expect(r.toWire).toEqual([]);
      expect(r.queue).toEqual([]);
      expect(r.wire.size).toBe(0);
    }
  });
});
