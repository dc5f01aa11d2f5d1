// The client's own part of a request's time, free of the server's turn: from the moment it issued
// the request to the write that put it on the socket, and from the socket read that brought the
// first event (libuv's read handed to the stream) to the moment the client stamped it. With one user
// sending one request after another, the writes and reads of the client's one socket fall between
// its requests' stamps, so each request's are found by time alone: no hook inside any client.
// Pure, so a test can check it on made-up times.

/** One request as its client reported it: when it was issued and when it stamped its first event (ms, one clock). */
export interface Stamped {
  issued: number;
  stamped: number;
}

export interface Overhead {
  /** per request: issue → the first socket write at or after it */
  toWrite: number[];
  /** per request: the last socket read at or before its stamp → the stamp */
  toStamp: number[];
}

/** Requests, socket writes and socket reads (all in time order, one sequential user): each request's two spans. */
export function overhead(requests: readonly Stamped[], writes: readonly number[], reads: readonly number[]): Overhead {
  const out: Overhead = { toWrite: [], toStamp: [] };
  for (const r of requests) {
    const w = writes[countBelow(writes, r.issued, false)]; // the first write ≥ issued
    if (w !== undefined && w <= r.stamped) out.toWrite.push(w - r.issued);
    const read = reads[countBelow(reads, r.stamped, true) - 1]; // the last read ≤ stamped
    if (read !== undefined && read >= r.issued) out.toStamp.push(r.stamped - read);
  }
  return out;
}

/** How many elements of a sorted list are below t (or at it, with `orAt`). */
function countBelow(xs: readonly number[], t: number, orAt: boolean): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < t || (orAt && xs[mid] === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
