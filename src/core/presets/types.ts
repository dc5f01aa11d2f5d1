import type { FailureCategory, PresetName, StreamFormat } from '../types.js';

/**
 * What an event meant to the preset. Chunk: a protocol/keep-alive event, counts for ttfc but
 * carries no content. Content: the first one is ttft. Error: an in-band error, the request
 * fails with `stream_error` and the preset's message.
 */
export const EventKind = { Chunk: 0, Content: 1, Error: 2 } as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** Per-request state a preset keeps between events (kept tiny: it lives on the hot path). */
export interface PresetSession {
  /** Called for each complete event (SSE data, NDJSON line, raw chunk as text when `needsText`). */
  event(data: string, eventName: string | undefined): EventKind;
  /** The in-band error message after an `EventKind.Error`. */
  readonly error: string | null;
  /** Completion tokens reported by the server (usage), if any. */
  readonly tokens: number | undefined;
  /**
   * At a clean end of a 2xx stream with at least one event: a failure the preset sees
   * (e.g. `protocol` "incomplete stream" when `[DONE]` never came), or null when fine.
   */
  finish(contentType: string): { category: FailureCategory; message: string } | null;
}

export interface Preset {
  name: PresetName;
  /** Scheme for the `token` input: `Bearer` → `Authorization: Bearer …`; '' → `Authorization: …`. */
  authScheme: string;
  /** Stream format when `format` is `auto` and Content-Type says nothing known. */
  fallbackFormat: Exclude<StreamFormat, 'auto'>;
  /** False when events never need decoding to text (generic: ttfc/ttft are event boundaries only). */
  needsText: boolean;
  start(): PresetSession;
}
