// A URL typed without its scheme (`localhost:8787/chat`, `api.example.com/v1/chat`): WHATWG URL
// reads the first as scheme "localhost" and refuses the second, so the error would name the wrong
// mistake. Here it is recognised and the URL meant is proposed. Pure.

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
/** host (a name, an IPv4 address or [IPv6]), an optional :port, then a path, query or fragment. */
const HOST_PORT_PATH = new RegExp(`^(\\[[0-9a-f:.]+\\]|${LABEL}(?:\\.${LABEL})*)(:\\d{1,5})?([/?#].*)?$`, 'i');

/** Hosts reached over plain http: this machine, an address, a single-label name (a compose service). */
function plainHttp(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h.startsWith('[') || /^[\d.]+$/.test(h) || !h.includes('.');
}

/** The URL `raw` most likely means when it has no scheme (`http://` for a local host, else `https://`); null if it has one or is no URL. */
export function urlWithoutScheme(raw: string): string | null {
  if (HAS_SCHEME.test(raw)) return null;
  const m = HOST_PORT_PATH.exec(raw);
  if (!m) return null;
  const host = m[1]!;
  // A bare word is a path or a typo, not a host, unless it has a port or is localhost.
  if (m[2] === undefined && !host.includes('.') && !host.startsWith('[') && host.toLowerCase() !== 'localhost') return null;
  return `${plainHttp(host) ? 'http' : 'https'}://${raw}`;
}
