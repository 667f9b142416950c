/** The capture stage: bytes (files, stdin, streams) to PacketRecords. */
export { CaptureParser, looksText, sniff } from './detect.js';
export { ChunkParser, ReadSession } from './parser.js';
export { PcapParser } from './pcap.js';
export { PcapngParser } from './pcapng.js';
export { combineStats, readCaptureFile, readCaptureFiles, readCaptureStream } from './reader.js';
export * from './record.js';
export { TextLineSplitter } from './text.js';
