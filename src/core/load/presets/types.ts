import type { KeyObject } from 'node:crypto';
import type { FailureCategory, PresetName, StreamFormat } from '../../types.js';

/**
 * What an event meant to the preset. Chunk: a protocol/keep-alive event, counts for ttfc but
 * carries no content. Content: the first one is ttft. Error: an in-band error, the request
 * fails with `stream_error` and the preset's message. Reasoning: content that is the model's
 * reasoning (e.g. `reasoning_content`): counts for ttft like Content and the first one is `ttfr`.
 */
export const EventKind = { Chunk: 0, Content: 1, Error: 2, Reasoning: 3 } as const;
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

/** A preset's own login from `login-email` / `login-password` (RAGFlow: RSA-encrypted password). */
export interface PasswordLogin {
  /** The login endpoint when `login-url` is not set, derived from the target URL. */
  defaultUrl(target: URL): URL;
  /** Whether `login-public-key` is required. */
  needsPublicKey: boolean;
  /** The request body. `publicKey` is a parsed `login-public-key` (PEM) when `needsPublicKey`. */
  body(email: string, password: string, publicKey: KeyObject | null): string;
  /** Default for `login-token-from`. */
  tokenFrom: string;
}

export interface Preset {
  name: PresetName;
  /** Scheme for the `token` input: `Bearer` → `Authorization: Bearer …`; '' → `Authorization: …`. */
  authScheme: string;
  /** When the scheme depends on the endpoint (RAGFlow: web API without, public API with `Bearer`). */
  authSchemeFor?(path: string): string;
  /** Stream format when `format` is `auto` and Content-Type says nothing known. */
  fallbackFormat: Exclude<StreamFormat, 'auto'>;
  /** False when events never need decoding to text (generic: ttfc/ttft are event boundaries only). */
  needsText: boolean;
  /**
   * With `format: auto`, a 2xx `application/json` answer (a document, not a stream) is read whole as
   * one event, so an error answered as plain JSON (RAGFlow `{"code": 102, …}`) reaches `event()`.
   */
  jsonDocument?: boolean;
  /** A login with `login-email` / `login-password`. */
  passwordLogin?: PasswordLogin;
  /** Whether a login answer with a non-zero JSON `code` failed (RAGFlow answers errors with HTTP 200). */
  loginCodes?: boolean;
  start(): PresetSession;
}

/** The scheme the `token` (or a login token) is sent with for a request path. */
export function authSchemeFor(preset: Preset, path: string): string {
  return preset.authSchemeFor ? preset.authSchemeFor(path) : preset.authScheme;
}
