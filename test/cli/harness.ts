/** Runs the CLI in-process with captured output, a controllable stdin and fake signals. */
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

export class Capture extends Writable {
  text = '';
  isTTY = false;
  columns = 100;
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    this.emit('data-written');
    cb();
  }
  /** Resolves when the captured text matches. */
  waitFor(re: RegExp, ms = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      if (re.test(this.text)) return resolve();
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${re}; got:\n${this.text}`)),
        ms,
      );
      const on = () => {
        if (re.test(this.text)) {
          clearTimeout(timer);
          this.off('data-written', on);
          resolve();
        }
      };
      this.on('data-written', on);
    });
  }
}

/** A stdin whose chunks are pushed by the test and which ends only when told. */
export class PushStdin implements AsyncIterable<Uint8Array> {
  private queue: Uint8Array[] = [];
  private ended = false;
  private wake: (() => void) | null = null;
  push(b: Uint8Array): void {
    this.queue.push(b);
    this.wake?.();
  }
  end(): void {
    this.ended = true;
    this.wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const b = this.queue.shift();
      if (b) {
        yield b;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((r) => {
        this.wake = r;
      });
      this.wake = null;
    }
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function makeIo(
  stdin: AsyncIterable<Uint8Array> = (async function* () {})(),
  env: Record<string, string> = {},
) {
  const stdout = new Capture();
  const stderr = new Capture();
  const signals = new EventEmitter();
  const io: Io = { stdout, stderr, stdin, env: { NO_COLOR: '1', ...env }, cwd: process.cwd(), signals };
  return { io, stdout, stderr, signals };
}

export async function cli(
  argv: string[],
  opts: { stdin?: AsyncIterable<Uint8Array>; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const { io, stdout, stderr } = makeIo(opts.stdin, opts.env);
  const code = await run(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}
