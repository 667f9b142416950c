/**
 * stateSummary keys its per-host counts by number for IPv4 (no text per
 * endpoint): it must count exactly what keying by side and address text
 * counts, in the same order, over IPv4 and IPv6 connections together.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analysis } from '../../src/analyze.js';
import { readCaptureFiles } from '../../src/capture/reader.js';
import { stateSummary } from '../../src/report/build.js';
import type { StateSummary } from '../../src/model/report.js';
import { CLIENT, type Connection, SERVER } from '../../src/tcp/connection.js';
import { STATE_NAMES, State } from '../../src/model/states.js';
import { CORPUS } from '../helpers/corpus.mjs';
import { must } from '../../src/model/checked.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');

async function connectionsOf(paths: string[]): Promise<Connection[]> {
  const conns: Connection[] = [];
  for (const p of paths) {
    const a = new Analysis();
    a.finish(await readCaptureFiles([p], a.sink));
    conns.push(...a.tracker.conns);
  }
  return conns;
}

/** The hosts list keyed by "side address" text: the definition. */
function hostsByText(conns: Connection[], top = 10): StateSummary['hosts'] {
  const hosts = new Map<string, StateSummary['hosts'][number]>();
  for (const conn of conns) {
    for (const side of [CLIENT, SERVER] as const) {
      const ep = conn.endpoint(side);
      if (ep.state === State.CLOSED) continue;
      const sideName = side === CLIENT ? 'client' : 'server';
      const key = `${sideName} ${ep.addrText}`;
      const h = hosts.get(key) ?? { host: ep.addrText, side: sideName, total: 0, states: {} };
      hosts.set(key, h);
      h.total++;
      const name = must(STATE_NAMES[ep.state], 'STATE_NAMES[ep.state]');
      h.states[name] = (h.states[name] ?? 0) + 1;
    }
  }
  return [...hosts.values()].sort((a, b) => b.total - a.total || a.host.localeCompare(b.host)).slice(0, top);
}

describe('stateSummary hosts', () => {
  const fixtures = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => join(FIXTURES, f));

  it('counts the kernel fixtures (IPv4 and IPv6 together) as keying by text does', async () => {
    const conns = await connectionsOf(fixtures);
    expect(conns.some((c) => c.ipVersion === 6)).toBe(true);
    for (const top of [3, 10, 1000]) {
      expect(stateSummary(conns, null, top).hosts).toEqual(hostsByText(conns, top));
    }
  });

  it('counts the corpus captures as keying by text does', async () => {
    const rows = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1);
    const conns: Connection[] = [];
    for (const row of rows) {
      const [path, , , , , , tcp] = row.split('\t');
      if (!path || Number(tcp) === 0) continue;
      try {
        conns.push(...(await connectionsOf([join(CORPUS, path)])));
      } catch (e) {
        // libpcap's reject files are unreadable on purpose (reader tests cover them); nothing else may throw.
        if (path.startsWith('libpcap/')) continue;
        throw e;
      }
    }
    expect(conns.filter((c) => c.ipVersion === 6).length).toBeGreaterThan(0);
    expect(stateSummary(conns, null, 1000).hosts).toEqual(hostsByText(conns, 1000));
  });
});
