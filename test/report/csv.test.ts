import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvField, csvHeader, csvRow, renderCsv } from '../../src/report/csv.js';
import { connection, report, smallReport, UNSAFE_RE } from './factories.js';
import { at } from '../../src/model/checked.js';

/** A small RFC 4180 reader, to check that what we write reads back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = at(text, i);
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

describe('csv', () => {
  it('has the documented header', () => {
    expect(csvHeader()).toBe(
      'id,client_addr,client_port,server_addr,server_port,client_state,server_state,role_inferred,start,end,duration,' +
        'conn_state,history,client_packets,client_bytes,server_packets,server_bytes,client_retransmissions,' +
        'server_retransmissions,handshake_rtt,anomalies\n',
    );
  });

  it('writes one row per connection with the figures', () => {
    const text = renderCsv(smallReport());
    const rows = parseCsv(text);
    expect(rows).toHaveLength(6);
    for (const r of rows) expect(r).toHaveLength(CSV_COLUMNS.length);
    const byName = (r: string[]) => Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, r[i]]));
    expect(byName(at(rows, 4))).toEqual({
      id: '4',
      client_addr: '10.0.0.1',
      client_port: '40004',
      server_addr: '10.0.0.3',
      server_port: '5432',
      client_state: 'CLOSED',
      server_state: 'CLOSED',
      role_inferred: 'false',
      start: '1763726402.223456',
      end: '1763726402.223666',
      duration: '0.00021',
      conn_state: 'REJ',
      history: 'Sr',
      client_packets: '1',
      client_bytes: '0',
      server_packets: '1',
      server_bytes: '0',
      client_retransmissions: '0',
      server_retransmissions: '0',
      handshake_rtt: '',
      anomalies: 'connection-refused',
    });
  });

  it('joins anomaly kinds with semicolons', () => {
    const c = connection({ anomalies: ['zero-window', 'mid-stream-rst'] });
    expect(csvRow(c).trimEnd().split(',').pop()).toBe('zero-window;mid-stream-rst');
  });

  it('quotes per RFC 4180: commas, quotes and line breaks', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('')).toBe('');
    expect(csvField(null)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField(true)).toBe('true');
    const c = connection({ connState: 'S,F', history: 'Sh"AD"', anomalies: ['a,b', 'c'] });
    const row = csvRow(c);
    expect(row).toContain(',"S,F","Sh""AD""",');
    expect(row.endsWith(',"a,b;c"\n')).toBe(true);
    const parsed = parseCsv(csvHeader() + row);
    expect(at(parsed, 1)[CSV_COLUMNS.indexOf('history')]).toBe('Sh"AD"');
    expect(at(parsed, 1)[CSV_COLUMNS.indexOf('anomalies')]).toBe('a,b;c');
  });

  it('keeps control characters out (they are escaped, not quoted raw)', () => {
    const c = connection({ history: 'x\x1b[2J\ny', anomalies: ['k\u202e'] });
    const row = csvRow(c);
    expect(UNSAFE_RE.test(row.slice(0, -1))).toBe(false);
    expect(row).toContain('x\\x1b[2J\\ny');
  });

  it('writes bracket-free IPv6 addresses in their own columns', () => {
    const c = connection({
      client: { addr: '2001:db8::1', port: 5555 },
      server: { addr: '2001:db8::2', port: 443 },
    });
    expect(csvRow(c).split(',').slice(1, 5)).toEqual(['2001:db8::1', '5555', '2001:db8::2', '443']);
  });

  it('streams: header then rows equals the whole', () => {
    const r = smallReport();
    expect(csvHeader() + r.connections.map(csvRow).join('')).toBe(renderCsv(r));
    expect(renderCsv(report())).toBe(csvHeader());
  });
});
