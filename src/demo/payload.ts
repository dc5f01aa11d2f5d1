// What the demo server writes: each format's events (OpenAI chunks with their usage), its headers,
// and the malformed chunked response.
import type { OutgoingHttpHeaders } from 'node:http';
import type { Format, Params } from './params.js';

export const STREAM_HEADERS: Record<Format, OutgoingHttpHeaders> = {
  sse: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' },
  openai: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' },
  ndjson: { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-cache' },
  raw: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' },
};
export const JSON_HEADERS: OutgoingHttpHeaders = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' };
export const TEXT_HEADERS: OutgoingHttpHeaders = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' };

/** A chunked response whose chunk-size line is not hex: a protocol error for any HTTP client. */
export const MALFORMED_RESPONSE =
  'HTTP/1.1 200 OK\r\n' +
  'Content-Type: text/event-stream\r\n' +
  'Cache-Control: no-cache\r\n' +
  'Transfer-Encoding: chunked\r\n' +
  '\r\n' +
  'zz\r\ndata: {"id":1,"content":"token 1 "}\n\n\r\n';

/** An OpenAI chunk of token i: content (or reasoning), usage as asked, the end (finish, usage, [DONE]) with the last one. */
function openAiChunk(i: number, p: Params): string {
  const usage = (n: number): string => `{"prompt_tokens":8,"completion_tokens":${n},"total_tokens":${8 + n}}`;
  const delta = i <= p.reasoning ? `{"reasoning_content":"think ${i} "}` : `{"content":"token ${i} "}`;
  let out = `data: {"id":"chatcmpl-demo","object":"chat.completion.chunk","choices":[{"index":0,"delta":${delta},"finish_reason":null}]${p.usage === 'chunk' ? `,"usage":${usage(i)}` : ''}}\n\n`;
  if (i === p.events) {
    out += `data: {"id":"chatcmpl-demo","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]${p.usage === 'chunk' ? `,"usage":${usage(i)}` : ''}}\n\n`;
    if (p.usage === 'end') out += `data: {"id":"chatcmpl-demo","object":"chat.completion.chunk","choices":[],"usage":${usage(i)}}\n\n`;
    out += 'data: [DONE]\n\n';
  }
  return out;
}

export function payload(format: Format, i: number, p: Params): string {
  switch (format) {
    case 'openai':
      return openAiChunk(i, p);
    case 'sse':
      return `data: {"id":${i},"content":"token ${i} "}\n\n`;
    case 'ndjson':
      return `{"id":${i},"content":"token ${i} "}\n`;
    case 'raw':
      return `token ${i} `;
  }
}
