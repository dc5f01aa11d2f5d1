import { EventKind, type Preset, type PresetSession } from './types.js';

// Any SSE / NDJSON / raw stream: every event is content; success is a 2xx status and a clean end.
const session: PresetSession = {
  event: () => EventKind.Content,
  error: null,
  tokens: undefined,
  finish: () => null,
};

export const generic: Preset = {
  name: 'generic',
  authScheme: 'Bearer',
  fallbackFormat: 'raw',
  needsText: false,
  start: () => session,
};
