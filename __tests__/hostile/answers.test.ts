// Wrong answers from a preview are never a success, and a stream that never ends an event is
// capped: the request fails as protocol and the client's memory stays bounded.
import { gate } from '../helpers/gate.js';
import { startHostileServer, type HostileServer } from './hostile-server.js';

let server: HostileServer;
beforeAll(async () => {
  server = await startHostileServer();
});
afterAll(async () => {
  await server.close();
});

const one = async (path: string, extra: Record<string, string> = {}) => {
  const report = await gate({ url: `${server.url}${path}`, method: 'GET', stages: '1x1', ...extra });
  return { report, req: report.requests[0]! };
};

describe('a page where a stream was expected', () => {
  test.each(['generic', 'openai', 'ragflow'])('200 text/html is protocol under preset %s, with the content type', async (preset) => {
    const { req, report } = await one('/html', { preset });
    expect(req.ok).toBe(false);
    expect(req.category).toBe('protocol');
    expect(req.error).toContain('text/html');
    expect(report.passed).toBe(false);
  });

  test.each(['sse', 'ndjson', 'auto'])('format %s does not accept HTML either', async (format) => {
    const { req } = await one('/html', { format });
    expect(req.category).toBe('protocol');
  });

  test('format: raw set explicitly accepts any body', async () => {
    const { req } = await one('/html', { format: 'raw' });
    expect(req.ok).toBe(true);
  });
});

describe('an event stream that is not one', () => {
  test('text/event-stream full of non-SSE text is protocol: no SSE event in N bytes', async () => {
    const { req } = await one('/garbage-sse');
    expect(req.category).toBe('protocol');
    expect(req.error).toMatch(/^no SSE event in \d+ bytes/);
  });

  test('a stream of keep-alive comments only is still empty, not protocol', async () => {
    const { req } = await one('/pings');
    expect(req.category).toBe('empty');
  });

  test('a stream cut right after the 200 headers says so', async () => {
    const { req } = await one('/cut');
    expect(req.category).toBe('connection');
    expect(req.error).toContain('stream cut after the headers');
    expect(req.error).not.toMatch(/connection failed/);
  });
});

describe('one event of 1 GiB', () => {
  test.each([
    ['sse', '/huge'],
    ['ndjson', '/huge?format=ndjson'],
  ])('%s: fails as protocol at max-event-size, read lazily, never held whole', async (_f, path) => {
    const before = server.hugeBytesSent();
    const { req } = await one(path, { 'max-event-size': '1MiB' });
    expect(req.category).toBe('protocol');
    expect(req.error).toContain('max-event-size');
    // The client stopped reading soon after the cap: far from the 1 GiB the server would send.
    const sent = server.hugeBytesSent() - before;
    expect(sent).toBeGreaterThan(1024 * 1024);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  test('the default cap (16 MiB) holds with 4 users: bounded bytes and memory', async () => {
    const before = server.hugeBytesSent();
    const rssBefore = process.memoryUsage().rss;
    const report = await gate({ url: `${server.url}/huge`, method: 'GET', stages: '4x1' });
    expect(report.requests.map((r) => r.category)).toEqual(['protocol', 'protocol', 'protocol', 'protocol']);
    const sent = server.hugeBytesSent() - before;
    expect(sent).toBeLessThan(4 * 80 * 1024 * 1024);
    // 4 × 1 GiB would be 4 GiB (and "Invalid string length"); the cap keeps it to a few times 16 MiB.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(1024 * 1024 * 1024);
  });
});
