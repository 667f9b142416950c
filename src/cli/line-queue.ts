/**
 * NDJSON lines go through one queue, in order, written while stdout takes
 * them: the reader waits for it to drain (its backpressure), and so does the
 * end of the capture, where the connections that end together (their last
 * ACKs settled by the end) would otherwise pile up in stdout's buffer.
 */
import { at } from '../model/checked.js';

export interface LineQueue {
  /** Queues a line and writes what stdout takes now. */
  emit(line: string): void;
  /** Undefined when everything is written; else a promise of that (or of `signal`'s abort). */
  drained(): Promise<void> | undefined;
}

export function lineQueue(out: NodeJS.WritableStream, signal: AbortSignal): LineQueue {
  const o = out as NodeJS.WritableStream & { writableNeedDrain?: boolean };
  const queue: string[] = [];
  let queued = 0;
  const pump = (): void => {
    while (queued < queue.length && !o.writableNeedDrain) out.write(at(queue, queued++));
    if (queued === queue.length) {
      queue.length = 0;
      queued = 0;
    }
  };
  const emit = (line: string): void => {
    queue.push(line);
    pump();
  };
  const drained = (): Promise<void> | undefined => {
    pump();
    if (queue.length === 0 && !o.writableNeedDrain) return undefined;
    return new Promise<void>((resolve) => {
      const done = () => {
        pump();
        if (queue.length > 0 || o.writableNeedDrain) {
          if (!signal.aborted) return;
        }
        o.off('drain', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      o.on('drain', done);
      signal.addEventListener('abort', done, { once: true });
    });
  };
  return { emit, drained };
}
