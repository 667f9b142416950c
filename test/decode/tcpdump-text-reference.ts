/**
 * The reference segments of a capture file for the tcpdump text tests: the
 * file read by the project's reader (capture/reader.ts) and decoded by its
 * decoder (decode/packet.ts), with each frame's decode status.
 */
import { readCaptureFile } from '../../src/capture/reader.js';
import type { PacketRecord } from '../../src/capture/record.js';
import { decodePacket } from '../../src/decode/packet.js';
import { DecodeStatus, newSegment } from '../../src/decode/segment.js';
import { type Rec, rec } from './tcpdump-text-helpers.js';

export interface Reference {
  /** TCP segments (DecodeStatus.Ok), in frame order. */
  segs: Rec[];
  /** Every frame's decode status, by frame number. */
  status: Map<number, DecodeStatus>;
}

export async function pcapReference(pcap: string): Promise<Reference> {
  const seg = newSegment();
  const segs: Rec[] = [];
  const status = new Map<number, DecodeStatus>();
  await readCaptureFile(pcap, {
    record(r: PacketRecord) {
      const st = decodePacket(r.linkType, r.buf, r.offset, r.capLen, r.origLen, seg);
      status.set(r.frame, st);
      if (st !== DecodeStatus.Ok) return;
      seg.frame = r.frame;
      seg.tsSec = r.tsSec;
      seg.tsNsec = r.tsNsec;
      segs.push(rec(seg));
    },
    warning() {},
  });
  return { segs, status };
}

export async function pcapSegments(pcap: string): Promise<Rec[]> {
  return (await pcapReference(pcap)).segs;
}
