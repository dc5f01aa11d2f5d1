import { obj } from '../../json-guards.js';
import type { FailureCategory } from '../../types.js';
import { ERROR_PREFIX, errorMessage, keyEnd, notJson, parseObject, shorten, streamEndFailure, stripErrorPrefix, valueStart } from './json.js';
import { EventKind, type Preset, type PresetSession } from './types.js';

/**
 * OpenAI-compatible chat completions (OpenAI, vLLM, Ollama, LiteLLM, RAGFlow's OpenAI endpoint…):
 * `data: {chunk}` events, then `data: [DONE]`. The first chunk is often a role-only delta: that is
 * ttfc; ttft is the first non-empty `delta.content` (or reasoning, or a tool call). An `error` key or
 * content starting with `**ERROR**` is a stream_error; no `[DONE]` and no `finish_reason` is an
 * incomplete stream.
 */
class OpenAiSession implements PresetSession {
  error: string | null = null;
  tokens: number | undefined = undefined;
  private done = false; // [DONE] seen
  private finished = false; // a finish_reason seen
  private content = false; // first content seen
  private reasoning = false; // first reasoning seen
  private malformed: string | null = null;

  event(data: string): EventKind {
    if (data.length < 16 && data.trim() === '[DONE]') {
      this.done = true;
      return EventKind.Chunk;
    }
    // After the first content, most events are plain deltas: skip parsing them when a cheap look
    // says nothing in them can matter (no error, no finish_reason, no usage, no first reasoning).
    if (this.content && !this.mayMatter(data)) return EventKind.Content;
    const msg = parseObject(data);
    if (msg === null) {
      this.malformed ??= notJson(data);
      return EventKind.Chunk;
    }
    if (msg.error !== undefined && msg.error !== null) return this.fail(errorMessage(msg.error));
    if (msg.object === 'error') return this.fail(errorMessage(msg));
    const usage = obj(msg.usage);
    if (usage && typeof usage.completion_tokens === 'number') this.tokens = usage.completion_tokens;
    const choices = msg.choices;
    if (!Array.isArray(choices)) return EventKind.Chunk;
    let kind: EventKind = EventKind.Chunk;
    for (const c of choices) {
      const choice = obj(c);
      if (!choice) continue;
      if (choice.finish_reason !== undefined && choice.finish_reason !== null) this.finished = true;
      const delta = obj(choice.delta);
      const content = delta ? delta.content : choice.text; // `text`: legacy /v1/completions
      if (typeof content === 'string' && content !== '') {
        if (content.startsWith(ERROR_PREFIX)) return this.fail(shorten(stripErrorPrefix(content)) || 'error');
        if (kind === EventKind.Chunk) kind = EventKind.Content;
      }
      if (!delta) continue;
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === 'string' && reasoning !== '') kind = EventKind.Reasoning;
      else if (kind === EventKind.Chunk && Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) kind = EventKind.Content;
    }
    // The fast path starts at the first content: until then a reasoning delta must not pass for content (ttft).
    if (kind === EventKind.Content) this.content = true;
    if (kind === EventKind.Reasoning) this.reasoning = true;
    return kind;
  }

  private mayMatter(s: string): boolean {
    if (s.charCodeAt(0) !== 0x7b /* { */ || keyEnd(s, 'error"') !== -1 || s.includes(ERROR_PREFIX)) return true;
    const fr = valueStart(s, 'finish_reason"');
    if (fr !== '' && fr !== 'n') return true;
    const usage = valueStart(s, 'usage"');
    if (usage !== '' && usage !== 'n') return true;
    return !this.reasoning && s.includes('reasoning');
  }

  private fail(message: string): EventKind {
    this.error = message;
    return EventKind.Error;
  }

  finish(contentType: string): { category: FailureCategory; message: string } | null {
    return streamEndFailure(this.malformed, contentType, this.done || this.finished, 'incomplete stream: it ended without data: [DONE] or a finish_reason');
  }
}

/**
 * The body with `"stream_options": {"include_usage": true}` added, so the server reports usage and
 * output tokens, TPOT and tokens/s can be measured; null when it is left as it is: not one JSON
 * object as written (a template with placeholders outside strings is never rewritten), not a
 * streaming chat or completion request (`"stream": true` with `messages` or `prompt`), or it sets
 * `stream_options` itself. The user's text is kept byte for byte: the key goes in after the `{`.
 */
export function askForUsage(body: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  const o = obj(parsed);
  if (o === null || o.stream !== true || !(Array.isArray(o.messages) || o.prompt !== undefined) || 'stream_options' in o) return null;
  const brace = body.indexOf('{');
  return `${body.slice(0, brace + 1)}"stream_options":{"include_usage":true},${body.slice(brace + 1)}`;
}

export const openai: Preset = {
  name: 'openai',
  authScheme: 'Bearer',
  fallbackFormat: 'sse',
  needsText: true,
  jsonDocument: true,
  start: () => new OpenAiSession(),
};
