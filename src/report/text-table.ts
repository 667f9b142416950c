/**
 * A borderless text table: a header and rows laid out in given column widths,
 * columns GAP spaces apart, cells cut to their width with `…`, one column
 * word-wrapped. What the terminal report (terminal.ts) puts in it, and how it
 * fits the width, is the report's; this is only the layout.
 *
 * Only terminal.ts imports this module (and so cli-table3), which the CLI loads lazily.
 */
import Table from 'cli-table3';
import { padEnd, padStart, truncate, visibleLength } from './format.js';
import { at } from '../model/checked.js';

/** Spaces between columns. */
export const GAP = 2;
const NO_BORDER = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: ' '.repeat(GAP),
};

/** Past this many rows the table is laid out without cli-table3, whose layout gets slow (seconds for a few thousand rows). */
export const FAST_TABLE_ROWS = 200;

export type Align = 'left' | 'right';

/**
 * The table's lines: header first, a line per row (more where `wrapCol` wraps).
 * Borderless, columns `GAP` apart, cells cut to their width with `…`. Uses
 * cli-table3, or for long tables (`--all` on a big capture) the same layout done
 * here in linear time; a test checks that both give the same text.
 */
export function layoutTable(
  head: string[],
  rows: string[][],
  widths: number[],
  aligns: Align[],
  wrapCol: number | null,
  engine: 'cli-table3' | 'fast' = rows.length > FAST_TABLE_ROWS ? 'fast' : 'cli-table3',
): string[] {
  if (engine === 'fast') {
    const gap = ' '.repeat(GAP);
    const line = (cells: string[]) =>
      cells
        .map((c, j) => (aligns[j] === 'right' ? padStart(c, at(widths, j)) : padEnd(c, at(widths, j))))
        .join(gap);
    const out = [line(head.map((h, j) => truncate(h, at(widths, j))))];
    for (const row of rows) {
      const parts = row.map((c, j) =>
        j === wrapCol ? wrapWords(c, at(widths, j)) : c.split('\n').map((l) => truncate(l, at(widths, j))),
      );
      const height = Math.max(...parts.map((p) => p.length));
      for (let k = 0; k < height; k++) out.push(line(parts.map((p) => p[k] ?? '')));
    }
    return out;
  }
  const table = new Table({
    head,
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    colWidths: widths,
    colAligns: aligns,
    truncate: '…',
  });
  for (const row of rows) {
    table.push(
      row.map((c, j) => (j === wrapCol ? { content: c, wordWrap: true, wrapOnWordBoundary: true } : c)),
    );
  }
  return table.toString().split('\n');
}

/** Greedy word wrap of a (possibly coloured) cell on spaces; a word longer than the width is cut. */
function wrapWords(cell: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of cell.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (visibleLength(candidate) <= width) line = candidate;
    else {
      if (line !== '') lines.push(line);
      line = truncate(word, width);
    }
  }
  lines.push(line);
  return lines;
}
