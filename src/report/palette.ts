/**
 * Colours for the renderers. Built from an explicit level, never from chalk's
 * global terminal detection: whether to colour is the CLI's decision (--color,
 * NO_COLOR, isTTY), passed in as `opts.color`.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Severity } from '../model/report.js';

export interface Palette {
  bold: (s: string) => string;
  dim: (s: string) => string;
  severity: (sev: Severity, s: string) => string;
  /** Arrow colours in the ladder, per direction. */
  c2s: (s: string) => string;
  s2c: (s: string) => string;
  rst: (s: string) => string;
  good: (s: string) => string;
  warn: (s: string) => string;
  bad: (s: string) => string;
}

const cache = new Map<boolean, Palette>();

export function palette(color: boolean): Palette {
  let p = cache.get(color);
  if (p) return p;
  const c: ChalkInstance = new Chalk({ level: color ? 1 : 0 });
  p = {
    bold: (s) => c.bold(s),
    dim: (s) => c.dim(s),
    severity: (sev, s) => (sev === 'error' ? c.red(s) : sev === 'warning' ? c.yellow(s) : c.cyan(s)),
    c2s: (s) => c.blue(s),
    s2c: (s) => c.magenta(s),
    rst: (s) => c.red(s),
    good: (s) => c.green(s),
    warn: (s) => c.yellow(s),
    bad: (s) => c.red(s),
  };
  cache.set(color, p);
  return p;
}
