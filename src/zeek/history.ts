/**
 * Zeek's `history`: the bits that say which letters an endpoint has shown
 * (TCP_Endpoint::HistoryMasks), and the history strings, interned (one copy
 * of each, and its successors by letter).
 */

// TCP_Endpoint::HistoryMasks; a responder's are shifted left 16 bits.
export const HIST_SYN_PKT = 0x1;
export const HIST_FIN_PKT = 0x2;
export const HIST_RST_PKT = 0x4;
export const HIST_FIN_RST_PKT = 0x8;
export const HIST_DATA_PKT = 0x10;
export const HIST_ACK_PKT = 0x20;
export const HIST_MULTI_FLAG_PKT = 0x40;
/** session/Session.h: a connection-wide bit (never shifted for the responder). */
export const HIST_ANALYZER_LIMIT_REACHED = 0x400;

/**
 * A history string, one copy of each, and the histories one letter longer:
 * connections repeat a few dozen histories (ShADadFf...), and a string of its
 * own for each would be tens of thousands of small strings (and ropes, as
 * they grow by a letter at a time). Adding a letter is one lookup in a map of
 * a few entries.
 */
export class History {
  private next: Map<string, History> | null = null;
  constructor(readonly s: string) {}

  plus(letter: string): History {
    let n = this.next?.get(letter);
    if (n === undefined) {
      n = historyOf(this.s + letter);
      // Past the cap (a capture with endless distinct histories), nothing more is shared.
      if (histories.size < MAX_HISTORIES) (this.next ??= new Map()).set(letter, n);
    }
    return n;
  }
}

const MAX_HISTORIES = 8192;
const histories = new Map<string, History>();
export function historyOf(s: string): History {
  let h = histories.get(s);
  if (h === undefined) {
    // A flat copy: `s` may be a rope of its letters.
    h = new History(s.length > 12 ? Buffer.from(s, 'latin1').toString('latin1') : s);
    if (histories.size < MAX_HISTORIES) histories.set(h.s, h);
  }
  return h;
}
export const NO_HISTORY = historyOf('');
/** Made first, so always the one History of its string: compared by identity. */
export const HISTORY_H = historyOf('H');
export const HISTORY_FLIPPED_H = historyOf('^h');

/** The responder's history letters, made once: toLowerCase() makes a new string at every call. */
const RESPONDER_LETTERS = new Map<string, string>();
export function responderLetter(code: string): string {
  let l = RESPONDER_LETTERS.get(code);
  if (l === undefined) {
    l = code.toLowerCase();
    RESPONDER_LETTERS.set(code, l);
  }
  return l;
}
