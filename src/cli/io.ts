/** The CLI's channel to the outside world, injected so tests can capture it. */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: AsyncIterable<Uint8Array>;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Where SIGINT/SIGTERM handlers go (the process; tests pass an EventEmitter). */
  signals: {
    on(ev: 'SIGINT' | 'SIGTERM', fn: () => void): unknown;
    off(ev: 'SIGINT' | 'SIGTERM', fn: () => void): unknown;
  };
}

/** Colour on a TTY unless NO_COLOR is set (https://no-color.org) or --no-color; --color forces it. */
export function useColor(io: Io, opts: Record<string, unknown>): boolean {
  if (opts.color === true) return true;
  if (opts.color === false) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io.stdout.isTTY === true;
}

export function termWidth(io: Io): number {
  const c = io.stdout.columns;
  if (c && c > 20) return c;
  const env = Number(io.env.COLUMNS);
  return Number.isFinite(env) && env > 20 ? env : 100;
}
