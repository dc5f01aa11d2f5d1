// An OpenAI-compatible chat completions server speaking the exact wire format: `data: {chunk}\n\n`
// events (compact JSON), a role-only first chunk with empty content, content deltas, a final chunk
// with finish_reason, an optional usage chunk, then `data: [DONE]`. The `model` of the request picks
// the behaviour:
//   ok            role chunk at firstDelayMs, content from contentDelayMs on, finish, [DONE]
//   reasoning     role chunk, reasoning_content deltas from contentDelayMs, then content deltas
//   error-chunk   role chunk, one content delta, then {"error": {...}} (as OpenAI / vLLM / LiteLLM)
//   error-content role chunk, then content "**ERROR**: …" (RAGFlow's OpenAI-compatible endpoint)
//   cut           role chunk, content deltas, then the stream ends: no finish_reason, no [DONE]
//   finish-only   as ok but without [DONE] (some servers): finish_reason suffices
// Non-streaming (`"stream": false`) answers one chat.completion JSON document. A wrong API key is a 401.
import type { ServerResponse } from 'node:http';
import { json, listen, writeTimed, type TestServer } from './http.js';

export interface OpenAiServerOptions {
  apiKey?: string;
  firstDelayMs?: number;
  contentDelayMs?: number;
  intervalMs?: number;
}

const WORDS = ['Hello', ' from', ' the', ' stream', '.'];

export async function startOpenAiServer(opts: OpenAiServerOptions = {}): Promise<TestServer> {
  const apiKey = opts.apiKey ?? 'sk-test-key-123456';
  const first = opts.firstDelayMs ?? 50;
  const content = opts.contentDelayMs ?? 200;
  const interval = opts.intervalMs ?? 10;
  let n = 0;
  return listen(async (req, res) => {
    if (req.method !== 'POST' || req.path !== '/v1/chat/completions')
      return json(res, 404, { error: { message: `Unknown request URL: ${req.method} ${req.path}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } });
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      return json(res, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    }
    const body = JSON.parse(req.body) as { model: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
    const id = `chatcmpl-${++n}`;
    const created = 1764345600;
    const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}): string =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: 'fp_test', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`;
    if (body.stream !== true) {
      return json(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: WORDS.join('') }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 9, completion_tokens: WORDS.length, total_tokens: 9 + WORDS.length },
      });
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    const parts: Array<[number, string]> = [[first, chunk({ role: 'assistant', content: '', refusal: null })]];
    const words = (from: number, key = 'content'): void => {
      WORDS.forEach((w, i) => parts.push([i === 0 ? from : interval, chunk({ [key]: w })]));
    };
    const end = (done = true): void => {
      parts.push([interval, chunk({}, 'stop')]);
      if (body.stream_options?.include_usage) {
        parts.push([
          0,
          `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage: { prompt_tokens: 9, completion_tokens: WORDS.length, total_tokens: 9 + WORDS.length } })}\n\n`,
        ]);
      }
      if (done) parts.push([0, 'data: [DONE]\n\n']);
    };
    switch (body.model) {
      case 'reasoning':
        words(content - first, 'reasoning_content');
        words(interval);
        end();
        break;
      case 'error-chunk':
        parts.push([content - first, chunk({ content: 'Hel' })]);
        parts.push([
          interval,
          `data: ${JSON.stringify({ error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } })}\n\n`,
        ]);
        parts.push([0, 'data: [DONE]\n\n']);
        break;
      case 'error-content':
        parts.push([content - first, chunk({ content: '**ERROR**: LLM(qwen-plus) not found' })]);
        end();
        break;
      case 'cut':
        words(content - first);
        break;
      case 'finish-only':
        words(content - first);
        end(false);
        break;
      default:
        words(content - first);
        end();
    }
    await writeTimed(res, parts);
    endQuietly(res);
  });
}

function endQuietly(res: ServerResponse): void {
  if (!res.destroyed && !res.writableEnded) res.end();
}
