/**
 * The capture reader on mutated real captures (fixtures and corpus files: bit
 * flips, lying length fields, cuts, records and blocks duplicated, dropped and
 * reordered, splices, gzip; test/helpers/mutate.mjs) and on arbitrary bytes,
 * fed in chunks of any size: it resolves, or rejects with a one-line
 * CaptureError, within a time limit per case; every record it hands out lies
 * inside its buffer with a sane timestamp and consecutive frame numbers; its
 * figures agree with what it handed out and with its warnings.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCaptureStream } from '../../src/capture/reader.js';
import {
  CaptureError,
  type CaptureSink,
  type CaptureStats,
  type PacketRecord,
} from '../../src/capture/record.js';
import { corpus } from '../helpers/corpus.mjs';
import { CHUNK_SIZES, mutate, rng } from '../helpers/mutate.mjs';
import { chunks } from '../helpers/pcap-writer.js';
import { at, must } from '../../src/model/checked.js';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = readdirSync(join(ROOT, 'fixtures'))
  .filter((f) => f.endsWith('.pcap'))
  .map((f) => join(ROOT, 'fixtures', f));
const CORPUS_FILES = [
  'pcapplusplus/many_interfaces-1.pcapng',
  'pcapplusplus/nanosecs_big_endian.pcap',
  'pcapplusplus/pcapng-example.pcapng',
  'pcapplusplus/sll2.pcap',
  'rusticata-pcap-parser/modified-format.pcap',
  'rusticata-pcap-parser/test001-be.pcapng',
  'tcpdump/timestamp_invalid_nano.pcap',
].map((f) => corpus(f));
const SEEDS = [...FIXTURES, ...CORPUS_FILES]
  .map((p) => new Uint8Array(readFileSync(p)))
  .filter((b) => b.length < 200_000);

const TIME_LIMIT = 5000;

interface Seen {
  records: number;
  lastFrame: number;
  problems: string[];
  warnings: string[];
}

function checkingSink(seen: Seen): CaptureSink {
  return {
    record(r: PacketRecord) {
      seen.records++;
      const p = seen.problems;
      if (r.frame !== seen.lastFrame + 1) p.push(`frame ${r.frame} after ${seen.lastFrame}`);
      seen.lastFrame = r.frame;
      if (!(r.offset >= 0 && r.capLen >= 0 && r.offset + r.capLen <= r.buf.length))
        p.push(`frame ${r.frame}: bytes ${r.offset}+${r.capLen} outside a buffer of ${r.buf.length}`);
      if (!(Number.isFinite(r.tsSec) && Number.isInteger(r.tsNsec) && r.tsNsec >= 0 && r.tsNsec < 1e9))
        p.push(`frame ${r.frame}: timestamp ${r.tsSec} s ${r.tsNsec} ns`);
    },
    warning(w) {
      seen.warnings.push(w.kind);
      if (w.message.includes('\n')) seen.problems.push(`warning with a newline: ${w.message}`);
    },
    textLine() {},
  };
}

/** Reads `bytes` in chunks of `chunk`; the outcome or a timeout. */
async function read(
  bytes: Uint8Array,
  chunk: number,
): Promise<{ seen: Seen; stats?: CaptureStats; error?: CaptureError }> {
  const seen: Seen = { records: 0, lastFrame: 0, problems: [], warnings: [] };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result in ${TIME_LIMIT} ms`)), TIME_LIMIT);
  });
  try {
    const stats = await Promise.race([
      readCaptureStream(chunks(bytes, chunk), 'mutant', checkingSink(seen)),
      timeout,
    ]);
    return { seen, stats };
  } catch (e) {
    if (e instanceof CaptureError) return { seen, error: e };
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

function check({ seen, stats, error }: Awaited<ReturnType<typeof read>>): void {
  expect(seen.problems).toEqual([]);
  if (error) {
    expect(error.message).not.toContain('\n');
    return;
  }
  const s = must(stats, 'stats');
  // Every packet of the file is counted: handed on, or skipped by the reader with a reason.
  expect(s.packets).toBe(seen.records + Object.values(s.skipped).reduce((a, b) => a + b, 0));
  if (s.truncated) expect(seen.warnings).toContain('truncated');
  if (s.damaged) expect(seen.warnings).toContain('damaged');
  if (s.start !== null) expect(Number.isFinite(s.start)).toBe(true);
}

describe('the capture reader on damaged captures', () => {
  it('mutated fixtures and corpus captures', async () => {
    expect(SEEDS.length).toBeGreaterThan(20);
    await fc.assert(
      fc.asyncProperty(
        fc.nat(SEEDS.length - 1),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.constantFrom(...CHUNK_SIZES),
        async (which, seed, chunk) => {
          const { bytes } = mutate(at(SEEDS, which), rng(seed), [at(SEEDS, (which + 1) % SEEDS.length)]);
          check(await read(bytes, chunk === 1 && bytes.length > 20_000 ? 997 : chunk));
        },
      ),
      { numRuns: 250 },
    );
  });

  it('arbitrary bytes, and arbitrary bytes after a valid header', async () => {
    const headers = SEEDS.slice(0, 3).map((b) => b.subarray(0, 24));
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.constantFrom(...headers), { nil: undefined }),
        fc.uint8Array({ maxLength: 600 }),
        fc.constantFrom(1, 5, 64, 4096),
        async (head, tail, chunk) => {
          const bytes = head ? Uint8Array.from([...head, ...tail]) : tail;
          check(await read(bytes, chunk));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the same mutant gives the same records however it is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(SEEDS.length - 1),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        async (which, seed) => {
          const { bytes } = mutate(at(SEEDS, which), rng(seed));
          const a = await read(bytes, 65536);
          const b = await read(bytes, 7);
          expect(b.error?.message).toBe(a.error?.message);
          expect(b.seen.records).toBe(a.seen.records);
          expect(b.seen.warnings).toEqual(a.seen.warnings);
        },
      ),
      { numRuns: 40 },
    );
  });
});
