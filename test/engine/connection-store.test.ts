/**
 * Issue 22: ended connections leave memory for a spill file
 * (src/engine/connection-store.ts) and the `--json` report is unchanged by it.
 * Every fixture and every corpus capture is analysed three ways: held in
 * memory (the reference), and with the store forced on from the first
 * connection (storeEnded: 1), written the way `--json` writes it (deferred
 * connections, JSON records streamed back from the spill file) and built as
 * report objects (records read back with JSON.parse). The three JSON texts
 * must be the same bytes. Each capture runs at the default settings and with
 * short timers (MSL 0.5 s, idle timeouts 5 s), under which most connections
 * of these short captures settle before the capture ends.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analysis, type AnalyzeOptions } from '../../src/analyze.js';
import { readCaptureFiles } from '../../src/capture/reader.js';
import { writeJson } from '../../src/cli/json-out.js';
import { corpus, manifest } from '../helpers/corpus.mjs';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const captures = [
  ...readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => join(FIXTURES, f)),
  ...manifest().map((r) => corpus(r.path)),
];

interface Run {
  json: string;
  stored: number;
}

/** The `--json` text of one capture (or the one-line error it gives). */
async function jsonOf(file: string, opts: AnalyzeOptions, defer: boolean): Promise<Run> {
  // Text captures are dated by the file; one fixed day keeps the runs comparable.
  const a = new Analysis({ ...opts, textDate: 1_700_000_000, textTimeZone: 'UTC' });
  try {
    const stats = await readCaptureFiles([file], a.sink, {});
    const res = a.finish(stats, { deferConnections: defer });
    const parts: string[] = [];
    writeJson((t) => parts.push(t), res.report, res.deferred && { key: 'connections', ...res.deferred });
    return { json: parts.join(''), stored: a.storedConnections };
  } catch (e) {
    return { json: `error: ${(e as Error).message}`, stored: a.storedConnections };
  }
}

describe('ended connections out of memory: --json unchanged (issue 22)', () => {
  let storedTotal = 0;
  let withStored = 0;

  const SHORT = { msl: 0.5, idleTimeout: 5, handshakeIdleTimeout: 5 };
  it.each(captures.map((c) => [c.replace(/^.*\/(fixtures|corpus)\//, '$1/'), c]))(
    '%s',
    async (_name, file) => {
      for (const settings of [{}, SHORT]) {
        const reference = await jsonOf(file, { settings }, true);
        expect(reference.stored).toBe(0);
        const streamed = await jsonOf(file, { settings, storeEnded: 1 }, true);
        const built = await jsonOf(file, { settings, storeEnded: 1 }, false);
        expect(streamed.json).toBe(reference.json);
        expect(built.json).toBe(reference.json);
        expect(built.stored).toBe(streamed.stored);
        storedTotal += streamed.stored;
        if (streamed.stored > 0) withStored++;
      }
    },
  );

  // Not vacuous: the store was really used on the real traffic above.
  it('the store took connections out of memory on many of these captures', () => {
    console.log(
      `connection store: ${storedTotal} connections stored, over ${withStored} of ${captures.length} captures`,
    );
    expect(withStored).toBeGreaterThanOrEqual(15);
    expect(storedTotal).toBeGreaterThanOrEqual(50);
  });
});
