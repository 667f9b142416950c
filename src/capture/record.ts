/**
 * The capture stage's output: one captured frame, before any protocol decoding.
 *
 * Readers reuse one PacketRecord object and call the sink synchronously for each
 * record, so a consumer must copy anything it keeps beyond the callback.
 * `buf` is the reader's current buffer; the frame's bytes are
 * `buf[offset .. offset + capLen)`.
 */
export interface PacketRecord {
  /** 1-based frame number across the whole capture (all files). */
  frame: number;
  /** Whole seconds since the Unix epoch (after if_tsoffset). */
  tsSec: number;
  /** Fraction of the second in nanoseconds, 0..999_999_999. */
  tsNsec: number;
  /** Bytes captured (present in buf). */
  capLen: number;
  /** Bytes on the wire. */
  origLen: number;
  /** LINKTYPE_* value (pcap linktype with FCS bits masked off, or the IDB's). */
  linkType: number;
  /** Interface index (pcapng IDB index within the section; 0 for pcap). */
  iface: number;
  buf: Uint8Array;
  offset: number;
}

/** Capture container formats, as named in the JSON report's `capture.format`. */
export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcapng' | 'tcpdump-text';

/** Something wrong with the capture file that did not stop analysis of what came before it. */
export interface CaptureWarning {
  /** `truncated`: the file ends inside a record; `damaged`: a header or block is impossible; `time-backwards`; `invalid-timestamp`; `other`. */
  kind: 'truncated' | 'damaged' | 'time-backwards' | 'invalid-timestamp' | 'other';
  file: string;
  /** Byte offset in the (decompressed) file where the problem starts. */
  offset: number;
  /** For `truncated`: how many bytes the last record needed beyond the end. */
  missing?: number;
  /** Frame number concerned, when there is one. */
  frame?: number;
  message: string;
}

/** A fatal problem: the input cannot be analysed at all (exit code 2). */
export class CaptureError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'CaptureError';
  }
}

export interface CaptureSink {
  record(rec: PacketRecord): void;
  warning(w: CaptureWarning): void;
}

/** Linktype numbers used by the decoders (https://www.tcpdump.org/linktypes.html). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW_12: 12,
  RAW_14: 14,
  RAW: 101,
  C_HDLC: 104,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;
