// preset: openai against a server that speaks the OpenAI chat completions stream exactly.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig, type Inputs } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import { openai } from '../../src/core/load/presets/openai.js';
import { EventKind } from '../../src/core/load/presets/types.js';
import type { Report } from '../../src/core/report-types.js';
import type { TestServer } from '../helpers/servers/http.js';
import { startOpenAiServer } from '../helpers/servers/openai.js';

const KEY = 'sk-test-9f8e7d6c5b4a3f2e1d0c';
let server: TestServer;
beforeAll(async () => {
  server = await startOpenAiServer({ apiKey: KEY, firstDelayMs: 50, contentDelayMs: 250, intervalMs: 10 });
  await run('ok', { stages: '1x1' }); // warm-up: the first request of a process pays for lazy loading
});
afterAll(async () => {
  await server.close();
});

const body = (model: string, extra = ''): string => `{"model": "${model}", "stream": true${extra}, "messages": [{"role": "user", "content": "Say hello ({{uuid}})"}]}`;

function run(model: string, inputs: Inputs = {}, extra = ''): Promise<Report> {
  const cfg = buildConfig(
    { url: `${server.url}/v1/chat/completions`, preset: 'openai', token: KEY, body: body(model, extra), stages: '1x1, 2x2', cooldown: '10ms', criteria: 'errors == 0', ...inputs },
    { env: {} },
  );
  return runGate(cfg, { noWrite: true });
}

test('role-only first chunk is ttfc, the first non-empty content is ttft; usage gives tokens', async () => {
  const r = await run('ok', {}, ', "stream_options": {"include_usage": true}');
  expect(r.requests).toHaveLength(5);
  for (const q of r.requests) {
    expect(q.ok).toBe(true);
    expect(q.ttfc!).toBeGreaterThanOrEqual(45);
    expect(q.ttfc!).toBeLessThan(50 + 150);
    expect(q.ttft!).toBeGreaterThanOrEqual(245);
    expect(q.ttft!).toBeLessThan(250 + 200);
    expect(q.ttft! - q.ttfc!).toBeGreaterThanOrEqual(150);
    expect(q.tokens).toBe(5);
    expect(q.ttfr).toBeUndefined();
    // role chunk + 5 deltas + finish chunk + usage chunk + [DONE]
    expect(q.events).toBe(9);
  }
  expect(r.stages[1]!.ttft.n).toBe(4);
  // tokens/s per stage: 4 requests x 5 tokens
  expect(r.stages[1]!.tokens!.total).toBe(20);
  expect(r.stages[1]!.tokens!.perSec).toBeGreaterThan(0);
  expect(r.stages[1]!.tokens!.perRequest.n).toBe(4);
  expect(r.stages[1]!.ttfr).toBeUndefined();
  expect(r.passed).toBe(true);
  // the key went as a Bearer token
  expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
});

test('a model that reasons first: ttft_reasoning (ttfr) on the first reasoning token, ttft on the first content token', async () => {
  const r = await run('reasoning', { stages: '2x1' });
  for (const q of r.requests) {
    expect(q.ok).toBe(true);
    expect(q.ttfr).toBeDefined();
    expect(q.ttfr!).toBeGreaterThanOrEqual(245);
    expect(q.ttfc!).toBeLessThan(q.ttfr! - 100);
    // five reasoning deltas 10 ms apart, then the content
    expect(q.ttft! - q.ttfr!).toBeGreaterThanOrEqual(45);
    // the body set no stream_options: the preset asked for usage
    expect(q.tokens).toBe(5);
  }
  expect(r.stages[0]!.ttfr!.n).toBe(2);
  expect(r.stages[0]!.ttft_reasoning).toEqual(r.stages[0]!.ttfr);
  expect(server.requests.at(-1)!.body).toContain('"stream_options":{"include_usage":true}');
});

test('a stream without [DONE] but with a finish_reason is complete', async () => {
  const r = await run('finish-only', { stages: '1x1' });
  expect(r.requests[0]!.ok).toBe(true);
});

const failures: Array<[string, string, RegExp]> = [
  ['error-chunk', 'stream_error', /^server_error: The server had an error while processing your request\. Sorry about that!$/],
  ['error-content', 'stream_error', /^LLM\(qwen-plus\) not found$/],
  ['cut', 'protocol', /^incomplete stream: it ended without data: \[DONE\] or a finish_reason$/],
];

test.each(failures)('%s → %s with the server message', async (model, category, message) => {
  const r = await run(model);
  expect(r.stages[0]!.issued).toBe(1);
  for (const q of r.requests) {
    expect(q.ok).toBe(false);
    expect(q.category).toBe(category);
    expect(q.error).toMatch(message);
  }
  expect(r.errorSamples[0]).toMatchObject({ category, message: expect.stringMatching(message) });
  expect(r.smokeFailed).toBe(true);
  expect(r.passed).toBe(false);
});

test('an in-band error after content keeps ttfc and ttft but fails the request', async () => {
  const r = await run('error-chunk', { stages: '1x1' });
  const q = r.requests[0]!;
  expect(q.ttfc).not.toBeNull();
  expect(q.ttft).not.toBeNull();
  expect(q.ok).toBe(false);
  expect(q.category).toBe('stream_error');
});

test('a wrong key is http_4xx with the API message', async () => {
  const r = await run('ok', { token: 'sk-wrong-key', stages: '1x1' });
  expect(r.requests[0]!.category).toBe('http_4xx');
  expect(r.requests[0]!.error).toMatch(/^HTTP 401: .*Incorrect API key provided/);
});

test('"stream": false answers one JSON document: a protocol failure that says so, not a success', async () => {
  const cfg = buildConfig(
    { url: `${server.url}/v1/chat/completions`, preset: 'openai', token: KEY, body: '{"model": "ok", "stream": false, "messages": []}', stages: '1x1', criteria: 'errors == 0' },
    { env: {} },
  );
  const r = await runGate(cfg, { noWrite: true });
  expect(r.requests[0]!.category).toBe('protocol');
  expect(r.requests[0]!.error).toMatch(/one JSON document, not a stream/);
});

test('the API key appears nowhere in the report file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ttfc-openai-'));
  try {
    const path = join(dir, 'report.json');
    const cfg = buildConfig(
      { url: `${server.url}/v1/chat/completions`, preset: 'openai', token: KEY, body: body('ok'), stages: '1x1', criteria: 'errors == 0', 'report-path': path },
      { env: {} },
    );
    const r = await runGate(cfg);
    expect(r.passed).toBe(true);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('"preset": "openai"');
    expect(text).not.toContain(KEY);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("the openai session on its own (other servers' spellings)", () => {
  const feed = (events: string[]) => {
    const s = openai.start();
    const kinds = events.map((e) => s.event(e, undefined));
    return { s, kinds, verdict: s.finish('text/event-stream') };
  };

  test('Python-style separators (LiteLLM): finish_reason and usage after the first content are still seen', () => {
    const { s, kinds, verdict } = feed([
      '{"choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": null}]}',
      '{"choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": null}], "usage": null}',
      '{"choices": [{"index": 0, "delta": {"content": " there"}, "finish_reason": null}], "usage": null}',
      '{"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": {"completion_tokens": 2, "prompt_tokens": 3}}',
    ]);
    expect(kinds).toEqual([EventKind.Chunk, EventKind.Content, EventKind.Content, EventKind.Chunk]);
    expect(s.tokens).toBe(2);
    expect(verdict).toBeNull();
  });

  test('Ollama "reasoning", tool calls and legacy completions text count as first output', () => {
    expect(feed(['{"choices":[{"delta":{"role":"assistant","content":"","reasoning":"Let me think"}}]}']).kinds).toEqual([EventKind.Reasoning]);
    expect(feed(['{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":""}}]}}]}']).kinds).toEqual([EventKind.Content]);
    expect(feed(['{"choices":[{"text":"Hello","index":0,"finish_reason":null}]}']).kinds).toEqual([EventKind.Content]);
  });

  test('error shapes: {"error": {...}} at any point, a top-level "object": "error", a plain string', () => {
    const late = feed(['{"choices":[{"delta":{"content":"a"}}]}', '{"error":{"message":"context length exceeded","type":"BadRequestError","code":400}}']);
    expect(late.kinds[1]).toBe(EventKind.Error);
    expect(late.s.error).toBe('BadRequestError: context length exceeded');
    const vllm = feed(['{"object":"error","message":"out of memory","type":"InternalServerError","code":500}']);
    expect(vllm.s.error).toBe('InternalServerError: out of memory');
    expect(feed(['{"error":"rate limited"}']).s.error).toBe('rate limited');
  });

  test('a non-JSON event is a protocol failure, named', () => {
    const { verdict } = feed(['{"choices":[{"delta":{"content":"a"}}]}', 'oops', '[DONE]']);
    expect(verdict).toEqual({ category: 'protocol', message: 'malformed event (not a JSON object): oops' });
  });
});
