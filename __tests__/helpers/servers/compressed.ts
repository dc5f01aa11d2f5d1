// SSE compressed on the fly (Content-Encoding gzip, br or deflate), flushed after every event as a
// streaming server behind a compressing proxy does: GET /sse?enc=gzip&delay=150&interval=40&events=4
import { constants, createBrotliCompress, createDeflate, createGzip, type BrotliCompress, type Deflate, type Gzip } from 'node:zlib';
import { listen, writeTimed, type TestServer } from './http.js';

export async function startCompressedServer(): Promise<TestServer> {
  return listen(async (req, res) => {
    const q = new URL(req.path, 'http://x').searchParams;
    const enc = q.get('enc') ?? 'gzip';
    const delay = Number(q.get('delay') ?? 150);
    const interval = Number(q.get('interval') ?? 40);
    const events = Number(q.get('events') ?? 4);
    const status = Number(q.get('status') ?? 200);
    let z: Gzip | Deflate | BrotliCompress;
    let flush: () => void;
    if (enc === 'br') {
      const b = createBrotliCompress();
      z = b;
      flush = () => b.flush(constants.BROTLI_OPERATION_FLUSH);
    } else {
      const g = enc === 'deflate' ? createDeflate() : createGzip();
      z = g;
      flush = () => g.flush(constants.Z_SYNC_FLUSH);
    }
    res.writeHead(status, { 'Content-Type': status === 200 ? 'text/event-stream' : 'text/plain', 'Content-Encoding': enc });
    z.pipe(res);
    if (status !== 200) {
      z.end('upstream exploded: database is locked');
      return;
    }
    const parts: Array<[number, string]> = [];
    for (let i = 1; i <= events; i++) parts.push([i === 1 ? delay : interval, `data: {"n":${i},"text":"${'token '.repeat(20)}"}\n\n`]);
    await writeTimed(res, parts, (text) => {
      z.write(text);
      flush();
    });
    z.end();
  });
}
