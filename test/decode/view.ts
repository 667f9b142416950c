/** A plain-object view of a decoded Segment, for table tests (`toMatchObject`). */
import { formatAddr } from '../../src/decode/addr.js';
import type { Segment } from '../../src/decode/segment.js';
import { describeTunnels, formatTunnels } from '../../src/decode/tunnel.js';
import { at } from '../../src/model/checked.js';

/** The fields a table test can expect (the return type of view()). */
export type SegView = ReturnType<typeof view>;

export function view(seg: Segment) {
  const sack: [number, number][] = [];
  for (let i = 0; i < seg.sackCount; i++)
    sack.push([at(seg.sackBlocks, 2 * i), at(seg.sackBlocks, 2 * i + 1)]);
  return {
    ipVersion: seg.ipVersion,
    src: formatAddr(seg.ipVersion, seg.src),
    dst: formatAddr(seg.ipVersion, seg.dst),
    srcPort: seg.srcPort,
    dstPort: seg.dstPort,
    ttl: seg.ttl,
    seq: seg.seq,
    ack: seg.ack,
    flags: seg.flags,
    window: seg.window,
    urgent: seg.urgent,
    headerLen: seg.headerLen,
    payloadLen: seg.payloadLen,
    capturedPayload: seg.capturedPayload,
    payloadOffset: seg.payloadOffset,
    truncated: seg.truncated,
    mss: seg.mss,
    wscale: seg.wscale,
    sackPermitted: seg.sackPermitted,
    sack,
    tsVal: seg.tsVal,
    tsEcr: seg.tsEcr,
    tfo: seg.tfo,
    otherOptions: [...seg.otherOptions],
    badOptions: seg.badOptions,
    etherType: seg.etherType,
    ipProto: seg.ipProto,
    ipOffset: seg.ipOffset,
    tcpOffset: seg.tcpOffset,
    ipFragmented: seg.ipFragmented,
    tcpReserved: seg.tcpReserved,
    headerCut: seg.headerCut,
    /** The tunnel chain as the report words it ('' without one). */
    tunnels: formatTunnels(describeTunnels(seg, false)),
    tunnelled: seg.tunnelKey !== 0,
  };
}
