// The client's own overhead per request, found by time alone among one socket's writes and reads.
import { describe, expect, test } from '@jest/globals';
import { overhead } from '../../bench/overhead.js';

describe('overhead', () => {
  test('each request: issue → its first write, its last read → its stamp', () => {
    const o = overhead(
      [
        { issued: 10, stamped: 20 },
        { issued: 30, stamped: 45 },
      ],
      [12, 31], // one write per request
      [15, 19, 33, 44], // the head's read, then the first event's
    );
    expect(o.toWrite).toEqual([2, 1]);
    expect(o.toStamp).toEqual([1, 1]);
  });

  test('a read at the very moment of the stamp counts; a write at the moment of the issue counts', () => {
    const o = overhead([{ issued: 10, stamped: 20 }], [10], [20]);
    expect(o.toWrite).toEqual([0]);
    expect(o.toStamp).toEqual([0]);
  });

  test("a request's spans never reach into another's: a write after its stamp or a read before its issue is not its own", () => {
    const o = overhead([{ issued: 10, stamped: 20 }], [25], [5]);
    expect(o.toWrite).toEqual([]);
    expect(o.toStamp).toEqual([]);
  });
});
