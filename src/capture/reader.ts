/**
 * Reading captures from files, standard input or any async iterable of bytes:
 * chunks are pushed, one at a time and synchronously, into a CaptureParser;
 * gzip is recognised by its magic and undone member by member (gzip.ts).
 * Several files are one capture, read in the order of their first timestamps.
 * Opening a file or a named pipe, and naming why it cannot be: open.ts.
 */
import { CaptureParser } from './detect.js';
import { GzipMagic, gunzip } from './gzip.js';
import { FileChunks, type InputInfo, inspect, openFile } from './open.js';
import { newFileStats, ReadSession } from './parser.js';
import {
  CaptureError,
  type CaptureFileStats,
  type CaptureFormat,
  type CaptureSink,
  type CaptureStats,
  type PacketRecord,
  type ReadOptions,
} from './record.js';
import { at } from '../model/checked.js';

/** Decompressed output size of the Gunzip (node's default 16 KiB means more records straddling chunks). */
const GUNZIP_CHUNK = 256 * 1024;
/** Peeking for a first timestamp gives up after this much data. */
const PEEK_LIMIT = 8 * 1024 * 1024;
/** Files inspected or peeked at once (thousands of rotated files must not exhaust descriptors or memory). */
const OPEN_LIMIT = 8;

interface Progress {
  bytes: number;
  total: number | undefined;
  onProgress: ReadOptions['onProgress'];
}

/** Internal knobs of `readInput` on top of ReadOptions. */
interface InputOptions {
  signal: AbortSignal | undefined;
  backpressure?: ReadOptions['backpressure'];
  progress: Progress | undefined;
  /** Stop (as if aborted) once this much data was parsed. */
  dataLimit?: number;
}

/**
 * Reads one capture from any async iterable of bytes (a stream, a generator of
 * chunks). Recognised by content; gzip is undone.
 */
export async function readCaptureStream(
  source: AsyncIterable<Uint8Array>,
  name: string,
  sink: CaptureSink,
  opts: ReadOptions = {},
): Promise<CaptureStats> {
  const progress: Progress = { bytes: 0, total: undefined, onProgress: opts.onProgress };
  const st = await readInput(source, name, sink, new ReadSession(), {
    signal: opts.signal,
    progress,
    backpressure: opts.backpressure,
  });
  return combineStats([st]);
}

/** Reads one capture file (`-` is standard input). */
export function readCaptureFile(
  path: string,
  sink: CaptureSink,
  opts: ReadOptions = {},
): Promise<CaptureStats> {
  return readCaptureFiles([path], sink, opts);
}

/**
 * Reads several files as one capture: frame numbers continue from file to
 * file, and (unless `opts.order` is 'given') the files are read in the order
 * of their first record's timestamp, as rotated `tcpdump -G/-C` files given in
 * any order should be. Inputs that cannot be peeked without consuming them
 * (standard input, pipes) and text inputs keep their place in the list.
 */
export async function readCaptureFiles(
  files: string[],
  sink: CaptureSink,
  opts: ReadOptions = {},
): Promise<CaptureStats> {
  if (files.length === 0) throw new CaptureError('no capture file given', '');
  if (files.filter((f) => f === '-').length > 1) {
    throw new CaptureError("standard input ('-') can be given only once", '-');
  }
  // Fail on a missing or unreadable file before reading anything.
  const infos = await mapLimit(files, OPEN_LIMIT, inspect);
  let order = infos;
  if (files.length > 1 && opts.order !== 'given') order = await timeOrder(infos, sink);
  const total = infos.every((i) => i.size !== undefined)
    ? infos.reduce((a, i) => a + (i.size ?? 0), 0)
    : undefined;
  const progress: Progress = { bytes: 0, total, onProgress: opts.onProgress };
  const session = new ReadSession();
  const all: CaptureFileStats[] = [];
  for (const info of order) {
    if (opts.signal?.aborted) break;
    const source = info.path === '-' ? (opts.stdin ?? process.stdin) : await openFile(info, opts.chunkSize);
    all.push(
      await readInput(source, info.path, sink, session, {
        signal: opts.signal,
        progress,
        backpressure: opts.backpressure,
      }),
    );
  }
  const stats = combineStats(all);
  if (opts.signal?.aborted) stats.aborted = true;
  return stats;
}

/**
 * Orders inputs by their first record's timestamp (a stable sort, so equal
 * times keep the given order). Inputs without one (pipes, text, no records)
 * stay where they were given; the others are sorted among the remaining places.
 */
async function timeOrder(infos: InputInfo[], sink: CaptureSink): Promise<InputInfo[]> {
  const keys = await mapLimit(infos, OPEN_LIMIT, (i) => (i.regular ? peekFirstTime(i.path, sink) : null));
  const keyed = infos
    .map((info, i) => ({ info, key: keys[i], i }))
    .filter((x): x is { info: InputInfo; key: [number, number]; i: number } => x.key != null);
  keyed.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.i - b.i);
  const out = infos.slice();
  let k = 0;
  for (let i = 0; i < infos.length; i++) if (keys[i] != null) out[i] = at(keyed, k++).info;
  return out;
}

/** The first record's timestamp, reading as little as needed; format errors surface here already. */
async function peekFirstTime(path: string, sink: CaptureSink): Promise<[number, number] | null> {
  let first: [number, number] | null = null;
  const ac = new AbortController();
  const peekSink: CaptureSink = {
    record(rec: PacketRecord) {
      if (first === null) first = [rec.tsSec, rec.tsNsec];
      ac.abort();
    },
    warning() {},
  };
  // Only a text input stops the peek; whether text is accepted is decided by the real sink.
  if (sink.textLine) peekSink.textLine = () => ac.abort();
  const source = await openFile({ path, size: undefined, regular: true }, 64 * 1024);
  await readInput(source, path, peekSink, new ReadSession(), {
    signal: ac.signal,
    progress: undefined,
    dataLimit: PEEK_LIMIT,
  });
  return first;
}

/**
 * Reads one input into `sink`: sniffs gzip, decompresses when needed, pushes
 * every chunk synchronously, and stops promptly on abort.
 */
async function readInput(
  source: AsyncIterable<Uint8Array>,
  name: string,
  sink: CaptureSink,
  session: ReadSession,
  io: InputOptions,
): Promise<CaptureFileStats> {
  const stats = newFileStats(name);
  const parser = new CaptureParser(name, sink, session, stats);
  const signal = io.signal;
  const raw = source[Symbol.asyncIterator]();
  let data: AsyncIterator<Uint8Array> = raw;
  let gzipped = false;
  let stoppedEarly = false;
  let gzipTruncated = false;
  let gzipCorrupt = false;
  const countRaw = (c: Uint8Array) => {
    stats.bytesRead += c.length;
    const p = io.progress;
    if (p) {
      p.bytes += c.length;
      p.onProgress?.(p.bytes, p.total);
    }
  };
  try {
    // Sniff gzip on the raw bytes: at most two are needed.
    const head: Uint8Array[] = [];
    let headLen = 0;
    let rawDone = false;
    while (headLen < 2) {
      const r = await nextOrAbort(raw, signal, name);
      if (r === null) {
        stoppedEarly = true;
        break;
      }
      if (r.done) {
        rawDone = true;
        break;
      }
      countRaw(r.value);
      head.push(r.value);
      headLen += r.value.length;
    }
    const h = head.length === 1 ? at(head, 0) : Buffer.concat(head);
    if (!stoppedEarly && h.length >= 2 && h[0] === GzipMagic.Id1 && h[1] === GzipMagic.Id2) {
      stats.gzip = true;
      gzipped = true;
      const replay = head.slice();
      let rawEnded = rawDone;
      const pull = async (): Promise<Uint8Array | null> => {
        const next = replay.shift();
        if (next !== undefined) return next;
        if (rawEnded) return null;
        const r = await raw.next();
        if (r.done) {
          rawEnded = true;
          return null;
        }
        countRaw(r.value);
        return r.value;
      };
      data = gunzip(pull, (msg) => gzipDamaged(stats, sink, name, msg, false), GUNZIP_CHUNK);
    } else if (!stoppedEarly) {
      for (const c of head) parser.push(c);
      if (rawDone) data = emptyIterator();
    }
    while (!stoppedEarly && !parser.done) {
      let r: IteratorResult<Uint8Array> | null;
      try {
        r = await nextOrAbort(data, signal, name);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (gzipped && typeof code === 'string' && code.startsWith('Z_')) {
          // zlib: "unexpected end of file" is a cut file; anything else is corrupt data.
          if (code === 'Z_BUF_ERROR') gzipTruncated = true;
          else {
            gzipDamaged(stats, sink, name, (e as Error).message, true);
            gzipCorrupt = true;
          }
          break;
        }
        throw e;
      }
      if (r === null) {
        stoppedEarly = true;
        break;
      }
      if (r.done) break;
      if (!gzipped) countRaw(r.value);
      parser.push(r.value);
      // A slow consumer of our output (a terminal, a pipe) holds the next read back,
      // so memory does not grow with what it has not taken yet.
      const wait = io.backpressure?.();
      if (wait) await wait;
      // The parser copies what it keeps: the chunk's buffer can take the next read.
      if (!gzipped && raw instanceof FileChunks) raw.recycle(r.value);
      if (io.dataLimit !== undefined && stats.dataBytes >= io.dataLimit) {
        stoppedEarly = true;
        break;
      }
    }
    parser.end({ aborted: stoppedEarly, gzipTruncated, stopped: gzipCorrupt });
  } finally {
    // Release the file (or stdin) promptly, also on errors and early stops.
    if (gzipped) data.return?.()?.catch(() => {});
    // A Node stream is destroyed directly: its async iterator queues return() behind a
    // pending next(), so on a silent pipe (live stdin after SIGINT) return() alone
    // would wait for data forever and keep the process alive.
    const destroy = (source as { destroy?: (e?: Error) => void }).destroy;
    if (typeof destroy === 'function') destroy.call(source);
    const ret = raw.return?.();
    if (ret) ret.catch(() => {});
  }
  return stats;
}

function gzipDamaged(
  stats: CaptureFileStats,
  sink: CaptureSink,
  name: string,
  msg: string,
  stop: boolean,
): void {
  stats.damaged = true;
  const w = {
    kind: 'damaged' as const,
    file: name,
    offset: stats.dataBytes,
    message: stop ? `gzip data corrupt (${msg}); reading stopped here` : `${msg}; every record was analysed`,
  };
  stats.warnings.push(w);
  sink.warning(w);
}

function emptyIterator(): AsyncIterator<Uint8Array> {
  return { next: async () => ({ done: true, value: undefined }) };
}

/**
 * The next chunk, or null as soon as the signal fires (without waiting for a slow pipe).
 * The abort listener lives only as long as this one read: a long-lived promise raced
 * against every read (Promise.race) would keep every chunk ever read reachable.
 */
async function nextOrAbort(
  it: AsyncIterator<Uint8Array>,
  signal: AbortSignal | undefined,
  name: string,
): Promise<IteratorResult<Uint8Array> | null> {
  let p: Promise<IteratorResult<Uint8Array>>;
  try {
    p = it.next();
  } catch (e) {
    throw readError(name, e);
  }
  if (!signal) return p.catch((e) => Promise.reject(readError(name, e)));
  // A read still pending when the abort wins must not become an unhandled rejection.
  p.catch(() => {});
  if (signal.aborted) return null;
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(null);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (r) => {
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(readError(name, e));
      },
    );
  });
}

function readError(name: string, e: unknown): unknown {
  if (e instanceof CaptureError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  // zlib errors are handled by the caller (truncated or corrupt gzip).
  if (typeof code === 'string' && code.startsWith('Z_')) return e;
  if (code === 'EISDIR') return new CaptureError(`cannot read ${name}: is a directory`, name);
  return new CaptureError(`cannot read ${name}: ${(e as Error).message ?? String(e)}`, name);
}

/** `fn` over `items` with at most `limit` running at once; results in input order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R> | R): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(at(items, i));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The capture's figures from its inputs' figures. */
export function combineStats(files: CaptureFileStats[]): CaptureStats {
  const formats: CaptureFormat[] = [];
  const linkTypes: number[] = [];
  let start: number | null = null;
  let end: number | null = null;
  for (const f of files) {
    if (f.format !== null && !formats.includes(f.format)) formats.push(f.format);
    for (const lt of f.linkTypes) if (!linkTypes.includes(lt)) linkTypes.push(lt);
    if (f.start !== null && (start === null || f.start < start)) start = f.start;
    if (f.end !== null && (end === null || f.end > end)) end = f.end;
  }
  const sum = (k: 'packets' | 'textLines' | 'bytesRead' | 'dataBytes') => files.reduce((a, f) => a + f[k], 0);
  return {
    files,
    formats,
    format: formats.join('+'),
    gzip: files.some((f) => f.gzip),
    text: files.some((f) => f.text),
    linkTypes,
    packets: sum('packets'),
    textLines: sum('textLines'),
    bytesRead: sum('bytesRead'),
    dataBytes: sum('dataBytes'),
    truncated: files.some((f) => f.truncated),
    damaged: files.some((f) => f.damaged),
    aborted: files.some((f) => f.aborted),
    start,
    end,
    warnings: files.flatMap((f) => f.warnings),
    skipped: files.reduce<Record<string, number>>((acc, f) => {
      for (const [k, n] of Object.entries(f.skipped)) acc[k] = (acc[k] ?? 0) + n;
      return acc;
    }, {}),
    // Only where some input says (pcapng interface statistics).
    ...(files.some((f) => f.interfaceDrops !== undefined)
      ? { interfaceDrops: files.reduce((a, f) => a + (f.interfaceDrops ?? 0), 0) }
      : {}),
  };
}
