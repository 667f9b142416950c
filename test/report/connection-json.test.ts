/**
 * connectionJson (the --json writer's fast path) must print exactly what
 * JSON.stringify(connectionReport(conn)) prints, terminal-safe, for every
 * connection of every kernel fixture and every corpus capture.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analysis } from '../../src/analyze.js';
import { readCaptureFiles } from '../../src/capture/reader.js';
import { connectionReport } from '../../src/report/build.js';
import { connectionJson } from '../../src/report/connection-json.js';
import { jsonSafe } from '../../src/report/sanitize.js';
import { Connection } from '../../src/tcp/connection.js';
import { State } from '../../src/model/states.js';
import { CORPUS } from '../helpers/corpus.mjs';
import { must } from '../../src/model/checked.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');

/** Every connection of a capture, straight from the engine. */
async function connectionsOf(path: string): Promise<Connection[]> {
  const a = new Analysis();
  a.finish(await readCaptureFiles([path], a.sink));
  return a.tracker.conns;
}

function check(conns: Connection[]): string[] {
  const bad: string[] = [];
  for (const c of conns) {
    const want = jsonSafe(JSON.stringify(connectionReport(c)));
    const got = connectionJson(c);
    if (got !== want) bad.push(`connection ${c.id}:\n  want ${want}\n  got  ${got}`);
  }
  return bad;
}

describe('connectionJson', () => {
  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap'));

  it.each(fixtures)('equals JSON.stringify(connectionReport) on fixtures/%s', async (f) => {
    const conns = await connectionsOf(join(FIXTURES, f));
    expect(conns.length).toBeGreaterThan(0);
    expect(check(conns)).toEqual([]);
  });

  it('equals JSON.stringify(connectionReport) on every corpus capture with TCP', async () => {
    const rows = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1);
    let n = 0;
    for (const row of rows) {
      const [path, , , , , , tcp] = row.split('\t');
      if (!path || Number(tcp) === 0) continue;
      let conns: Connection[];
      try {
        conns = await connectionsOf(join(CORPUS, path));
      } catch (e) {
        // libpcap's reject files are unreadable on purpose (reader tests cover them); nothing else may throw.
        if (path.startsWith('libpcap/')) continue;
        throw e;
      }
      n += conns.length;
      expect(check(conns), path).toEqual([]);
    }
    expect(n).toBeGreaterThan(200);
  });

  it('escapes what JSON and terminals need escaped, and writes null for what is unknown', () => {
    const c = new Connection(7, 6, {
      segment() {},
      history: 'Sh"\\\u2028\u202e',
      connState: () => 'S1',
    });
    must(c.server.addr6, 'c.server.addr6')[15] = 1;
    c.client.state = State.SYN_SENT;
    c.addTransition(1.5, 2, 0, 0, 2, 'quote " and \u009b');
    c.anomalies = ['odd\u0085kind'];
    c.start = Number.NaN;
    expect(check([c])).toEqual([]);
    expect(connectionJson(c)).toContain('"isn":null');
    expect(connectionJson(c)).not.toMatch(/[\u2028\u202e\u009b\u0085]/);
  });
});
