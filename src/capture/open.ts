/**
 * Opening an input: a regular file read in recycled chunks, a named pipe
 * opened without blocking, and the reason it cannot be opened said in words.
 * What is read from it, and in which order: reader.ts.
 */
import { constants as fsConstants, openSync } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { CaptureError } from './record.js';

const DEFAULT_CHUNK = 1024 * 1024;

export interface InputInfo {
  path: string;
  /** Size in bytes for a regular file. */
  size: number | undefined;
  /** A regular file can be opened twice: once to peek, once to read. */
  regular: boolean;
  /** A named pipe (mkfifo). */
  fifo?: boolean;
}

/** What `path` is; a file that cannot be opened (or a directory) is a CaptureError now, before any output. */
export async function inspect(path: string): Promise<InputInfo> {
  if (path === '-') return { path, size: undefined, regular: false };
  let s: Awaited<ReturnType<typeof stat>>;
  try {
    s = await stat(path);
  } catch (e) {
    throw openError(path, e);
  }
  if (s.isDirectory()) throw new CaptureError(`cannot open ${path}: is a directory`, path);
  if (!s.isFile()) return { path, size: undefined, regular: false, fifo: s.isFIFO() };
  // Open once now so that a permission problem is reported before any output.
  try {
    await (await open(path, 'r')).close();
  } catch (e) {
    throw openError(path, e);
  }
  return { path, size: s.size, regular: true };
}

/** `info`'s bytes in chunks of about `chunkSize`. */
export async function openFile(
  info: InputInfo,
  chunkSize = DEFAULT_CHUNK,
): Promise<AsyncIterable<Uint8Array>> {
  if (info.fifo) return openFifo(info.path);
  try {
    const fh = await open(info.path, 'r');
    return info.regular ? new FileChunks(fh, chunkSize) : fh.createReadStream({ highWaterMark: chunkSize });
  } catch (e) {
    throw openError(info.path, e);
  }
}

/**
 * A regular file in chunks, one read ahead, into buffers the consumer hands
 * back with `recycle` once it is done with a chunk: reading a large capture
 * then allocates two buffers instead of one per chunk (fresh buffers cost page
 * faults, and their external memory drives full garbage collections).
 */
export class FileChunks implements AsyncIterableIterator<Uint8Array> {
  private readonly free: Uint8Array[] = [];
  private ahead: Promise<IteratorResult<Uint8Array>> | null = null;
  private closed = false;

  constructor(
    private readonly fh: FileHandle,
    private readonly chunkSize: number,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The consumer no longer needs `chunk` (one this iterator gave): its buffer is reused. */
  recycle(chunk: Uint8Array): void {
    if (chunk.byteOffset === 0 && chunk.buffer.byteLength === this.chunkSize && this.free.length < 2) {
      this.free.push(new Uint8Array(chunk.buffer, 0, this.chunkSize));
    }
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const cur = this.ahead ?? this.read();
    this.ahead = null;
    return cur.then((r) => {
      if (!r.done && !this.closed) {
        this.ahead = this.read();
        this.ahead.catch(() => {});
      }
      return r;
    });
  }

  async return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.closed) {
      this.closed = true;
      await this.ahead?.catch(() => {});
      this.ahead = null;
      await this.fh.close().catch(() => {});
    }
    return { done: true, value: undefined };
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close().catch(() => {});
  }

  private async read(): Promise<IteratorResult<Uint8Array>> {
    if (this.closed) return { done: true, value: undefined };
    const buf = this.free.pop() ?? new Uint8Array(this.chunkSize);
    const { bytesRead } = await this.fh.read(buf, 0, buf.length, null);
    if (bytesRead === 0) {
      // Not this.return(): it waits for the read ahead, which may be this very read (the
      // consumer not having asked for it yet), and that wait never ended: every gzip file
      // over one chunk (1 MiB) exited 13 with no output.
      await this.close();
      return { done: true, value: undefined };
    }
    return { done: false, value: bytesRead === buf.length ? buf : buf.subarray(0, bytesRead) };
  }
}

/**
 * A named pipe, opened without waiting for a writer: a blocking open() sits in
 * libuv's thread pool until someone opens the other end, and neither a signal
 * nor process.exit() ends it (exit joins the pool), so a FIFO nobody wrote to
 * could only be killed. Opened non-blocking and read as a pipe (net.Socket, as
 * node reads a piped stdin), it waits in the event loop: the first writer's data
 * arrives, its close ends the input (Linux reports no hang-up before a first
 * writer), and an abort destroys it at once.
 */
function openFifo(path: string): AsyncIterable<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (e) {
    throw openError(path, e);
  }
  return new Socket({ fd, readable: true, writable: false });
}

function openError(path: string, e: unknown): CaptureError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'ENOTDIR'
            ? 'not a directory in the path'
            : code === 'ELOOP'
              ? 'too many symbolic links'
              : ((e as Error).message ?? String(e));
  return new CaptureError(`cannot open ${path}: ${why}`, path);
}
