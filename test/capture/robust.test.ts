/**
 * Property tests on damaged input: whatever the bytes, reading ends with
 * records and warnings or a CaptureError (never another exception), every
 * record lies inside its buffer, and how the bytes are chunked changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CaptureError } from '../../src/capture/record.js';
import { Pcapng, payload, pcap, readBytes } from './helpers.js';

const PCAP = pcap(
  [0, 1, 2, 3].map((i) => ({ sec: 1700000000 + i, frac: i * 1000, data: payload(30 + i * 11, i) })),
  { nano: true },
);
const PCAPNG = new Pcapng()
  .shb(false)
  .idb(1, { tsresol: 9 })
  .idb(113)
  .epb(0, 5n, payload(40))
  .spb(payload(21))
  .shb(true)
  .idb(101, { tsresol: 0x80 | 20 })
  .epb(0, 7n << 20n, payload(33))
  .pb(0, 9n, payload(5))
  .bytes();

type Outcome = { error: string } | { records: unknown[]; warnings: unknown[] };

async function outcome(bytes: Uint8Array, chunk: number): Promise<Outcome> {
  try {
    const { c } = await readBytes(bytes, chunk);
    return { records: c.records, warnings: c.warnings };
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    expect(e.message).not.toContain('\n');
    return { error: e.message };
  }
}

function mutated(base: Uint8Array) {
  return fc
    .array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 6,
    })
    .chain((edits) =>
      fc.nat(base.length).map((cut) => {
        const b = Uint8Array.from(base);
        for (const [i, v] of edits) b[i] = v;
        return b.subarray(0, Math.max(cut, 24));
      }),
    );
}

describe('damaged input, any chunking', () => {
  test.each([
    ['pcap', PCAP],
    ['pcapng', PCAPNG],
  ])('%s with random byte edits and cuts', async (_n, base) => {
    await fc.assert(
      fc.asyncProperty(mutated(base), fc.integer({ min: 1, max: 64 }), async (bytes, chunk) => {
        const whole = await outcome(bytes, 1 << 20);
        const pieces = await outcome(bytes, chunk);
        expect(pieces).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  test('random tails after valid headers', async () => {
    const heads = [PCAP.subarray(0, 24), PCAPNG.subarray(0, 28 + 20)];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...heads),
        fc.uint8Array({ maxLength: 600 }),
        fc.integer({ min: 1, max: 50 }),
        async (head, tail, chunk) => {
          const bytes = Buffer.concat([head, tail]);
          expect(await outcome(bytes, chunk)).toEqual(await outcome(bytes, 1 << 20));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('random bytes: a CaptureError or text, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        await outcome(bytes, 7);
      }),
      { numRuns: 300 },
    );
  });
});
