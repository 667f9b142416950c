/**
 * Strings that come from a capture (file names, tcpdump text, messages that quote
 * them) may hold terminal escape sequences or bidi overrides that would rewrite
 * or reorder what the user sees (CVE-2021-42574 "Trojan Source" for bidi).
 * `sanitize` replaces each such code point with a visible escape, so the text
 * stays readable and nothing reaches the terminal raw.
 */

// C0 controls, DEL, C1 controls; ALM, LRM/RLM, LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI,
// LINE/PARAGRAPH SEPARATOR (they break lines in some terminals).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

// What JSON.stringify leaves raw that a terminal may still act on: DEL, the C1
// controls (U+009B is CSI to xterm in UTF-8 mode), bidi overrides, line separators.
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text (from JSON.stringify) with those characters written as `\u` escapes:
 * the same JSON value, and nothing on stdout that a terminal would execute.
 */
export function jsonSafe(json: string): string {
  JSON_UNSAFE.lastIndex = 0;
  if (!JSON_UNSAFE.test(json)) return json;
  JSON_UNSAFE.lastIndex = 0;
  return json.replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The text with every control character and bidi override replaced by a visible escape (`\x1b`, `\u202e`). */
export function sanitize(text: string): string {
  // Fast path: almost every string is clean.
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return text;
  UNSAFE.lastIndex = 0;
  return text.replace(UNSAFE, escapeChar);
}
