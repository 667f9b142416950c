/**
 * The whole pipeline (reader, decoders, tracker, detectors, report) on
 * arbitrary frames, in memory through `analyze()`: whatever the link type
 * and the bytes, it ends with a valid report (test/helpers/check-report.mjs)
 * or, only when no link type of the capture can be decoded, a CaptureError.
 * Hostile TCP headers (any flags, any data offset, option bytes of any
 * length, lying IP lengths, sequence numbers anywhere) are counted, never
 * thrown: every frame is either a TCP segment or a skip reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { CaptureError } from '../../src/capture/record.js';
import { Layer } from '../../src/decode/cursor.js';
import { firstLayer } from '../../src/decode/packet.js';
import { checkReport } from '../helpers/check-report.mjs';
import { chunks, PcapWriter } from '../helpers/pcap-writer.js';

const LINKS = [0, 1, 12, 14, 101, 104, 108, 113, 228, 229, 276];

describe('the pipeline never throws on arbitrary frames', () => {
  it('any link type, any bytes, any lengths', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(...LINKS), fc.integer({ min: 0, max: 0xffff })),
        fc.array(
          fc.record({
            data: fc.uint8Array({ maxLength: 120 }),
            extra: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 70000 })),
            dt: fc.constantFrom(0, 0.001, 1, 100),
          }),
          { maxLength: 40 },
        ),
        fc.constantFrom(1, 13, 4096),
        async (linkType, frames, chunk) => {
          const w = new PcapWriter({ linkType });
          let t = 1_763_726_400;
          for (const f of frames)
            w.rawRecord(Math.floor((t += f.dt)), 0, f.data.length, f.data.length + f.extra, f.data);
          try {
            const { report } = await analyze(chunks(w.bytes(), chunk));
            expect(checkReport(report)).toEqual([]);
            expect(report.capture.packets).toBe(frames.length);
          } catch (e) {
            if (!(e instanceof CaptureError)) throw e;
            expect(firstLayer(linkType)).toBe(Layer.Done);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hostile TCP/IPv4 headers: every frame is a segment or a skip reason', async () => {
    const frame = fc.record({
      flags: fc.oneof(
        fc.constantFrom(0x02, 0x12, 0x10, 0x04, 0x1ff, 0x00, 0x3f),
        fc.integer({ min: 0, max: 0x1ff }),
      ),
      doff: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 15 })),
      options: fc.oneof(
        fc.constant([] as number[]),
        fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 44 }),
        // Known kinds with wrong lengths: MSS, window scale, SACK-permitted, SACK, timestamps, TFO.
        fc
          .tuple(fc.constantFrom(2, 3, 4, 5, 8, 34, 254), fc.integer({ min: 0, max: 255 }))
          .map(([k, l]) => [k, l, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
      ),
      ipLen: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 0xffff })),
      capLen: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 120 })),
      seq: fc.integer({ min: 0, max: 0xffffffff }),
      ack: fc.integer({ min: 0, max: 0xffffffff }),
      payload: fc.constantFrom(0, 0, 1, 100, 1460),
      back: fc.boolean(),
      port: fc.constantFrom(40000, 40001),
      dt: fc.constantFrom(0, 0.0001, 0.3, 30, 4000),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 60 }), async (frames) => {
        const w = new PcapWriter();
        let t = 1_763_726_400;
        for (const f of frames) {
          t += f.dt;
          const ends = f.back
            ? { src: '10.0.0.2', dst: '10.0.0.1', sport: 80, dport: f.port }
            : { src: '10.0.0.1', dst: '10.0.0.2', sport: f.port, dport: 80 };
          w.tcp({ t, ...ends, ...f, payload: f.payload });
        }
        const { report } = await analyze(chunks(w.bytes(), 4096));
        expect(checkReport(report)).toEqual([]);
        const cap = report.capture;
        expect(cap.packets).toBe(frames.length);
        // A data offset below 5 can never be a segment.
        const bad = frames.filter((f) => f.doff !== undefined && f.doff < 5).length;
        expect(cap.tcpPackets).toBeLessThanOrEqual(frames.length - bad);
        const conns = report.connections.length + report.summarised.connections;
        expect(conns).toBeLessThanOrEqual(cap.tcpPackets);
      }),
      { numRuns: 300 },
    );
  });
});
