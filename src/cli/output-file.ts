/** Output files the user names (--junit, --html, --svg): checked before the analysis, errors in one line. */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../config/errors.js';

export function writeProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return (e as Error).message;
}

/** An output file the user named must be writable: said before the analysis, not after it. */
export function checkWritable(option: string, path: string): void {
  try {
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      // Not there yet: its directory must be writable.
    }
    if (isDir) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    accessSync(dirname(path), constants.W_OK);
  } catch (e) {
    throw new UsageError(`${option}: cannot write ${path}: ${writeProblem(e)}`);
  }
}
