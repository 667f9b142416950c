import { describe, expect, it } from 'vitest';
import { LiveScreen } from '../../src/cli/live-screen.js';
import { Capture } from './harness.js';
import { at } from '../../src/model/checked.js';

/** What a terminal shows after the bytes of both streams, interleaved (a tiny VT: up, clear to end). */
function screen(bytes: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  for (let i = 0; i < bytes.length; i++) {
    const m = /^\x1b\[(\d+)A\r\x1b\[J/.exec(bytes.slice(i));
    if (m) {
      row = Math.max(0, row - Number(m[1]));
      lines.length = row + 1;
      lines[row] = '';
      i += m[0].length - 1;
      continue;
    }
    const ch = at(bytes, i);
    if (ch === '\n') {
      row++;
      lines[row] ??= '';
    } else lines[row] += ch;
  }
  return lines.filter((l, i) => l !== '' || i < row);
}

describe('live screen: anomaly lines scroll, the state view stays at the bottom', () => {
  it('keeps every anomaly line and exactly one state view', () => {
    let tty = '';
    const out = new Capture();
    const err = new Capture();
    out.write = ((s: string) => ((tty += s), true)) as typeof out.write;
    err.write = ((s: string) => ((tty += s), true)) as typeof err.write;
    const s = new LiveScreen(out, err, true, true);
    s.status('live 1\nclient 1 SYN_SENT\n');
    s.print('anomaly A\n');
    s.status('live 2\nclient 1 ESTABLISHED\n');
    s.print('anomaly B\n');
    expect(screen(tty)).toEqual(['anomaly A', 'anomaly B', 'live 2', 'client 1 ESTABLISHED']);
    s.done();
    expect(screen(tty)).toEqual(['anomaly A', 'anomaly B']);
  });

  it('draws nothing when stderr is not a terminal', () => {
    const out = new Capture();
    const err = new Capture();
    const s = new LiveScreen(out, err, false, true);
    s.status('live\n');
    s.print('anomaly\n');
    s.done();
    expect(out.text).toBe('anomaly\n');
    expect(err.text).toBe('');
  });
});
