// When each request's head goes to the kernel, in any client: the same wrapper on the one method
// every socket write of Node passes through (`_writeGeneric`, for write and writev alike), the
// request found by its `x-request-id` header. Only once the socket is connected: while it
// connects, Node keeps the data and calls the method again on 'connect', the moment it is sent.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

type Generic = (this: net.Socket, writev: boolean, data: unknown, encoding: string, cb: unknown) => unknown;
const REQUEST_ID = /x-request-id: *([^\r\n]+)/gi;

/** The request ids in what one write call carries (a chunk, or writev's list of chunks). */
export function requestIds(writev: boolean, data: unknown): string[] {
  const chunks = writev && Array.isArray(data) ? data.map((c: unknown) => (typeof c === 'object' && c !== null && 'chunk' in c ? c.chunk : c)) : [data];
  const ids: string[] = [];
  for (const c of chunks) {
    const text = typeof c === 'string' ? c : Buffer.isBuffer(c) ? c.toString('latin1', 0, 8192) : '';
    for (const m of text.matchAll(REQUEST_ID)) ids.push(m[1]!.trim());
  }
  return ids;
}

/**
 * From now on, `into` gets each request id → performance.now() of the write that put its head on
 * the wire (the last such write: a request sent again is answered on that one). The time is taken
 * before the write and the ids found after it, so the wrapper adds nothing to the write's own
 * moment. Returns the undo.
 */
export function watchHeads(into: Map<string, number>): () => void {
  const proto = net.Socket.prototype as unknown as { _writeGeneric: Generic };
  const write = proto._writeGeneric;
  proto._writeGeneric = function (this: net.Socket, writev, data, encoding, cb) {
    if (this.connecting) return write.call(this, writev, data, encoding, cb);
    const t = performance.now();
    const r = write.call(this, writev, data, encoding, cb);
    for (const id of requestIds(writev, data)) into.set(id, t);
    return r;
  };
  return () => {
    proto._writeGeneric = write;
  };
}
