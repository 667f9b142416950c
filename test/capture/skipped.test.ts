/** Every packet the reader could not hand on is counted in the report's `capture.skipped`. */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { chunks, pcapFrames, PcapWriter, pcapngBlock, pcapngFile } from '../helpers/pcap-writer.js';
import { at } from '../../src/model/checked.js';

describe('capture.skipped', () => {
  it('counts pcapng packets that name an interface with no description block', async () => {
    const w = new PcapWriter();
    w.tcp({ t: 1, src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80, flags: 'S', seq: 1 });
    w.tcp({ t: 2, src: '10.0.0.2', dst: '10.0.0.1', sport: 80, dport: 40000, flags: 'R.', seq: 0, ack: 2 });
    const frames = pcapFrames(w.bytes());
    const file = pcapngFile(frames);
    // An EPB for interface 7, which has no IDB.
    const body = new Uint8Array(20 + at(frames, 0).data.length);
    const dv = new DataView(body.buffer);
    dv.setUint32(0, 7, true);
    dv.setUint32(12, at(frames, 0).data.length, true);
    dv.setUint32(16, at(frames, 0).data.length, true);
    body.set(at(frames, 0).data, 20);
    const bad = pcapngBlock(6, body);
    const all = new Uint8Array(file.length + bad.length);
    all.set(file);
    all.set(bad, file.length);
    const { report } = await analyze(chunks(all));
    expect(report.capture.tcpPackets).toBe(2);
    expect(report.capture.skipped['no-interface']).toBe(1);
    expect(report.capture.warnings.join('\n')).toMatch(/no interface description block/);
  });
});
