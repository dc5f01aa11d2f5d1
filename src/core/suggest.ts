// "Did you mean …?" for a name that is not one of the known ones: an unknown flag, a criteria
// metric. The nearest by edit distance (leven; two swapped neighbours count as one edit), ignoring
// case and `_` / `-`, close enough for a typo; else the few names the word begins. Pure.

import leven from 'leven';

/** Typos a name of this length may carry: one in 4 characters, at least one, at most three. */
const allowed = (length: number): number => Math.max(1, Math.min(3, Math.floor(length / 4)));

/** Whether `b` is `a` with two neighbouring characters swapped (`mxa` / `max`), the commonest typo. */
function swapped(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const diff: number[] = [];
  for (let i = 0; i < a.length && diff.length <= 2; i++) if (a[i] !== b[i]) diff.push(i);
  return diff.length === 2 && diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
}

const normal = (s: string): string => s.toLowerCase().replace(/_/g, '-');

/** The known names nearest to `word` (at most three, best first), or none when nothing is close. */
export function nearest(word: string, known: Iterable<string>): string[] {
  const w = normal(word);
  if (w === '') return [];
  const max = allowed(w.length);
  let best = max + 1;
  let found: string[] = [];
  const prefixed: string[] = [];
  for (const name of new Set(known)) {
    const n = normal(name);
    const d = swapped(w, n) ? 1 : leven(w, n, { maxDistance: max + 1 });
    if (d < best) {
      best = d;
      found = [name];
    } else if (d === best) found.push(name);
    if (w.length >= 3 && n.startsWith(w)) prefixed.push(name);
  }
  if (best <= max) return found.slice(0, 3);
  return prefixed.length <= 3 ? prefixed : [];
}

/** `: did you mean X?` / `: did you mean X or Y?` (each name shown by `show`), or '' when nothing is near. */
export function didYouMean(word: string, known: Iterable<string>, show: (name: string) => string = (n) => n): string {
  const names = nearest(word, known).map(show);
  if (names.length === 0) return '';
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}`;
  return `: did you mean ${list}?`;
}
