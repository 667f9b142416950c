/**
 * Issue 21, item 8: exact duplicate frames (e.g. the corpus's zeek/tcp/ssh-dups.pcap,
 * every frame captured 4 times) are mentioned. Counting them is the engine's
 * (`capture.quality`, SPEC.md "Evidence, vantage point and capture quality"); the
 * terminal report shows a Quality line whenever the model carries a non-zero figure.
 */
import { describe, expect, it } from 'vitest';
import type { CaptureQuality } from '../../src/model/report.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { report } from './factories.js';
import { must } from '../../src/model/checked.js';

const plain = { color: false, width: 100, all: false };
const CLEAN: CaptureQuality = {
  oneWayConnections: 0,
  connectionsWithGaps: 0,
  captureGaps: 0,
  duplicates: 0,
  interfaceDrops: null,
};

function withQuality(q: Partial<CaptureQuality>) {
  return report({ capture: { quality: { ...CLEAN, ...q } } });
}

describe('the capture-quality line', () => {
  it('duplicate frames are mentioned, with their number', () => {
    const out = renderTerminal(withQuality({ duplicates: 378 }), plain);
    expect(out).toMatch(/^Quality {3}378 duplicate frames \(captured twice, not retransmissions\)/m);
  });

  it('every figure that is not zero is there', () => {
    const out = renderTerminal(
      withQuality({
        duplicates: 4,
        captureGaps: 3,
        connectionsWithGaps: 1,
        oneWayConnections: 2,
        interfaceDrops: 7,
      }),
      { ...plain, width: 200 },
    );
    const line = must(
      out.split('\n').find((l) => l.startsWith('Quality')),
      "out.split('\\n').find((l) => l.startsWith('Quali...",
    );
    for (const figure of [
      '4 duplicate frames',
      '~3 segments in 1 connection',
      '2 connections seen one way',
      '7 packets',
    ])
      expect(line).toContain(figure);
  });

  it('no line for a clean capture, or a model without quality', () => {
    expect(renderTerminal(withQuality({}), plain)).not.toMatch(/^Quality/m);
    expect(renderTerminal(report(), plain)).not.toMatch(/^Quality/m);
  });
});
