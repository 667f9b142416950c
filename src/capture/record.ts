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
  /**
   * Interface index: for pcapng the IDB's index counted over all sections of
   * the file (so interfaces of different sections stay distinct; it restarts
   * at 0 for each file, as rotated files share their interfaces); 0 for pcap.
   */
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
  /**
   * One line of a text input (tcpdump's text output), without its line end
   * (LF or CRLF). Without this method a text input is a CaptureError.
   */
  textLine?(line: string, file: string): void;
}

/** What the reader saw in one input (file or stream). */
export interface CaptureFileStats {
  file: string;
  /** null only when reading was aborted before the format was known. */
  format: CaptureFormat | null;
  gzip: boolean;
  /** The input was text (tcpdump output), handed to `sink.textLine`. */
  text: boolean;
  /** LINKTYPE_* values declared (pcap header, pcapng IDBs), in order of appearance. */
  linkTypes: number[];
  /** Records handed to the sink. */
  packets: number;
  /** Records the reader could not hand on, by reason (e.g. `no-interface`: a pcapng packet naming no IDB). */
  skipped: Record<string, number>;
  /** Text lines handed to the sink. */
  textLines: number;
  /** Bytes read from the input as stored (compressed size when gzip). */
  bytesRead: number;
  /** Bytes of capture data parsed (after decompression). */
  dataBytes: number;
  /** The input ends inside a record. */
  truncated: boolean;
  /** Reading stopped at an impossible header or block. */
  damaged: boolean;
  /** Reading stopped because the AbortSignal fired. */
  aborted: boolean;
  /**
   * Packets the capturing interfaces dropped, from pcapng interface
   * statistics (the last isb_ifdrop of each interface, summed); absent when
   * the capture does not say.
   */
  interfaceDrops?: number;
  /** First and last record timestamps in input order, seconds since the epoch; null without records. */
  start: number | null;
  end: number | null;
  warnings: CaptureWarning[];
}

/** What the reader saw in all inputs of one capture, plus each input's own figures. */
export interface CaptureStats extends Omit<CaptureFileStats, 'file' | 'format'> {
  /** Per input, in the order they were read. */
  files: CaptureFileStats[];
  /** Distinct formats in reading order; `format` joins them with '+' (CaptureSummary.format). */
  formats: CaptureFormat[];
  format: string;
}

export interface ReadOptions {
  /** Stop reading promptly when aborted (SIGINT in live mode); what was read is kept. */
  signal?: AbortSignal;
  /** Called at most once per chunk read, with bytes read so far over all inputs and their total size when known. */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /** Read size for files (fs.createReadStream highWaterMark). Default 1 MiB. */
  chunkSize?: number;
  /** 'time' (default): several files are read in the order of their first record's timestamp; 'given': as listed. */
  order?: 'time' | 'given';
  /**
   * Called after each chunk is processed; a promise it returns is awaited before
   * the next read (the CLI returns one while stdout has not drained).
   */
  backpressure?: () => Promise<void> | undefined;
  /** What `-` reads; default process.stdin. */
  stdin?: AsyncIterable<Uint8Array>;
}

/** Linktype numbers used by the decoders (https://www.tcpdump.org/linktypes.html). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  FDDI: 10,
  RAW_12: 12,
  RAW_14: 14,
  RAW: 101,
  C_HDLC: 104,
  IEEE802_11: 105,
  LOOP: 108,
  LINUX_SLL: 113,
  IEEE802_11_RADIOTAP: 127,
  IPV4: 228,
  IPV6: 229,
  NFLOG: 239,
  PKTAP: 258,
  LINUX_SLL2: 276,
} as const;
