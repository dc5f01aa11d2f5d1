// Guards for reading JSON of unknown shape (a baseline report, an event payload, a server's answer):
// each returns the value when it has the type, else null. Pure.

export type JsonObject = Record<string, unknown>;

/** A plain object (not null, not an array). */
export const obj = (v: unknown): JsonObject | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : null);

/** A finite number. */
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A string. */
export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
