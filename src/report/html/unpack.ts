/** The page data's packed segments back as view rows (data.ts packs them). */
import type { PackedRow, PageData } from './data.js';
import type { ViewDetail, ViewRow } from './types.js';
import { at } from '../../model/checked.js';

/** A packed segment back as a view row. */
export function unpackRow(p: PackedRow, kindNames: string[]): ViewRow {
  const row: ViewRow = {
    frame: p[0],
    rel: p[1],
    dir: p[2] === 0 ? 'c2s' : 's2c',
    flags: p[3],
    relSeq: p[4],
    relAck: p[5],
    len: p[6],
    win: p[7],
    retransmission: p[8] === 1,
    anomalies: p[9].map((k) => at(kindNames, k)),
  };
  if (p[10].length > 0) row.sack = p[10] as [number, number][];
  return row;
}

export function unpackDetail(d: PageData['details'][number], kindNames: string[]): ViewDetail {
  return { conn: d.conn, rows: d.rows.map((r) => unpackRow(r, kindNames)), omitted: d.omitted };
}
