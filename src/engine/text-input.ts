/**
 * tcpdump's text output as input: one parser per input (each tcpdump run
 * numbers its frames and picks its relative-sequence origins on its own), the
 * day and zone its local-time stamps are read in, and the checks at the end:
 * a text input with not one line tcpdump wrote is not a capture, and host or
 * port names that cannot be read back are said (or fail the run).
 */
import { statSync } from 'node:fs';
import { CaptureError, type CaptureStats } from '../capture/record.js';
import { UsageError } from '../config/errors.js';
import { DecodeStatus, type Segment } from '../decode/segment.js';
import { isTcpdumpLine, TcpdumpTextParser } from '../decode/tcpdump-text.js';
import { LocalZone, normalizeZone, processZone } from '../decode/tcpdump-text/zone.js';

export interface TextInputOptions {
  /** Epoch seconds of the UTC day of time-of-day stamps (AnalyzeOptions.textDate). */
  textDate?: number;
  /** IANA zone of local-time stamps (AnalyzeOptions.textTimeZone). */
  textTimeZone?: string;
}

export class TextInputs {
  private readonly parsers = new Map<
    string,
    { parser: TcpdumpTextParser; frameBase: number; count: number }
  >();
  /** Time of the latest packet line of text input, TCP or not. */
  end = 0;
  /** Inputs seen to be tcpdump output (noteText), and the last one (to skip the check). */
  private readonly evidenced = new Set<string>();
  private lastEvidenced: string | null = null;

  constructor(private readonly opts: TextInputOptions) {}

  private zone: LocalZone | null = null;

  /**
   * The zone of tcpdump text's local-time stamps, made at the first text line:
   * Intl's time zone data costs ~50 ms to load, which binary captures never pay.
   */
  private get textZone(): LocalZone {
    if (this.zone === null) {
      const o = this.opts.textTimeZone;
      const z = o === undefined ? processZone() : normalizeZone(o);
      if (z === null) {
        throw new UsageError(
          `unknown time zone "${o}" for tcpdump text (expected a name like America/New_York or UTC)`,
        );
      }
      this.zone = new LocalZone(z);
    }
    return this.zone;
  }

  /**
   * One line of `file` into seg. `frameBase`: the highest frame fed so far, after
   * which a new input numbers its frames. Pending / Continuation: no packet. Ok:
   * seg holds the segment, its frame numbered.
   */
  line(line: string, file: string, seg: Segment, frameBase: number): DecodeStatus {
    let tp = this.parsers.get(file);
    if (tp === undefined) {
      tp = {
        parser: new TcpdumpTextParser({ baseDate: this.textBaseDate(file), timeZone: this.textZone.name }),
        frameBase,
        count: 0,
      };
      this.parsers.set(file, tp);
    }
    const st = tp.parser.parseLine(line, seg);
    if (this.lastEvidenced !== file) this.noteText(file, line, st);
    if (st === DecodeStatus.Pending || st === DecodeStatus.Continuation) return st;
    const lt = tp.parser.lineTime;
    if (lt > this.end) this.end = lt;
    if (st === DecodeStatus.Ok) seg.frame = tp.frameBase + (seg.frame > 0 ? seg.frame : ++tp.count);
    return st;
  }

  /**
   * The day that tcpdump's time-of-day stamps (its default) belong to: --text-date,
   * else today for standard input (a live pipe), else the day the file was written.
   */
  private textBaseDate(file: string): number {
    const day = (ms: number) => this.textZone.localDay(ms / 1000);
    if (this.opts.textDate !== undefined) return this.opts.textDate;
    if (file === '-' || file === '<stream>') return day(Date.now());
    try {
      return day(statSync(file).mtimeMs);
    } catch {
      return day(Date.now());
    }
  }

  /**
   * Evidence that a text input is tcpdump output: a TCP line (whatever became of
   * it), a packet line's timestamp, or tcpdump's banner. Looked for only until found.
   */
  private noteText(file: string, line: string, st: DecodeStatus): void {
    const tcpLine =
      st !== DecodeStatus.NonTcpLine && st !== DecodeStatus.Pending && st !== DecodeStatus.Continuation;
    if (tcpLine || isTcpdumpLine(line)) {
      this.evidenced.add(file);
      this.lastEvidenced = file;
    }
  }

  /**
   * At the end of input. Any text is read as tcpdump output; text without one
   * packet line is not a capture (exit 2). Then the names tcpdump printed.
   */
  check(stats: CaptureStats, tcpPackets: number, strict: boolean): void {
    for (const f of stats.files) {
      if (f.text && !f.aborted && !this.evidenced.has(f.file)) {
        throw new CaptureError(
          `${f.file}: not a capture: text, but not tcpdump output (none of its ${f.textLines} line(s) is a packet line)`,
          f.file,
        );
      }
    }
    this.checkNames(stats, tcpPackets, strict);
  }

  /**
   * tcpdump without -n names hosts (DNS) and ports (/etc/services). Named ports
   * are read back (decode/tcpdump-text/services.ts); lines naming hosts, or
   * ports the table lacks, cannot be: one warning per input says how many, and
   * the input is not analysable (exit 2) when nothing else could be read or
   * with --strict.
   */
  private checkNames(stats: CaptureStats, tcpPackets: number, strict: boolean): void {
    for (const [file, { parser }] of this.parsers) {
      const { hostNames, portNames, unknownPortName } = parser.stats;
      const parts: string[] = [];
      if (hostNames > 0) parts.push(`${hostNames} line${hostNames === 1 ? ' names' : 's name'} hosts`);
      if (portNames > 0)
        parts.push(
          `${portNames} line${portNames === 1 ? ' names' : 's name'} ports it cannot map to numbers (e.g. "${unknownPortName}")`,
        );
      if (parts.length === 0) continue;
      const message = `${parts.join(' and ')}; run tcpdump with -n`;
      if (tcpPackets === 0 || strict) {
        throw new CaptureError(
          `${file}: ${message}${tcpPackets === 0 ? ' (no TCP segment could be read)' : ' (--strict)'}`,
          file,
        );
      }
      stats.warnings.push({ kind: 'other', file, offset: 0, message });
    }
  }

  /** Fields the text inputs could not give (Report.capture.unavailable), sorted. */
  unavailable(): string[] {
    return [...new Set([...this.parsers.values()].flatMap((t) => [...t.parser.unavailable]))].sort();
  }
}
