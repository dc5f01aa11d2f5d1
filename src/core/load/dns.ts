import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';

type Callback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
type Answer = [NodeJS.ErrnoException | null, string | LookupAddress[], number | undefined];

/** How long an answer is reused: a stage's users connect within it; a preview that moves is seen soon after. */
const ANSWER_TTL_MS = 5_000;

type Resolve = (hostname: string, options: LookupOptions, callback: Callback) => void;

/**
 * A `lookup` for the users' sockets (net/tls connect option): one getaddrinfo per host at a time,
 * shared by every user that connects meanwhile, and its answer (or its failure) reused for a few
 * seconds, as a browser's resolver cache does. Without it, N users starting together queue N
 * lookups on libuv's 4 threads: against a host that does not resolve (each lookup asks the
 * resolver and waits), 200 users kept the process alive 20 s after its report, and their
 * connects timed out in that queue instead of failing as unresolved.
 */
export function createSharedLookup(resolve: Resolve = dnsLookup as Resolve): Resolve {
  const answers = new Map<string, { answer: Answer; at: number }>();
  const waiting = new Map<string, Callback[]>();
  return (hostname, options, callback) => {
    const key = `${hostname}\0${options.family ?? 0}\0${options.all === true ? 1 : 0}\0${options.hints ?? 0}`;
    const cached = answers.get(key);
    if (cached && performance.now() - cached.at < ANSWER_TTL_MS) {
      const [err, address, family] = cached.answer;
      return process.nextTick(callback, err, address, family);
    }
    const queue = waiting.get(key);
    if (queue) return void queue.push(callback);
    waiting.set(key, [callback]);
    resolve(hostname, options, (err, address, family) => {
      answers.set(key, { answer: [err, address, family], at: performance.now() });
      const callbacks = waiting.get(key) ?? [];
      waiting.delete(key);
      for (const cb of callbacks) cb(err, address, family);
    });
  };
}

export const sharedLookup = createSharedLookup();
