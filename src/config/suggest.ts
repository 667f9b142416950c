import { at } from '../model/checked.js';
/** "did you mean" for unknown config keys, anomaly kinds and metrics. */

/** Lower case without `-`, `_` and spaces: `close-wait-timeout` and `closeWaitTimeout` compare equal. */
function normalise(s: string): string {
  return s.toLowerCase().replace(/[-_\s]/g, '');
}

/** Levenshtein distance, two rows. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(at(prev, j) + 1, at(cur, j - 1) + 1, at(prev, j - 1) + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return at(prev, b.length);
}

/**
 * The candidate closest to `word`, if it is close enough to be a plausible
 * typo: same name in another case style, or a few edits away (about a third of
 * the length, at least 2).
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const w = normalise(word);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(w, normalise(c));
    if (d < bestDistance && d <= Math.max(2, Math.floor(c.length / 3))) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean "x"?)` or the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = suggest(word, candidates);
  return s === undefined ? '' : ` (did you mean "${s}"?)`;
}
