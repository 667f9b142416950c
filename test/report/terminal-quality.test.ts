/**
 * Issue 21, item 8: exact duplicate frames (e.g. the corpus's zeek/tcp/ssh-dups.pcap,
 * every frame captured 4 times) are mentioned. Counting them is the engine's
 * (`capture.quality`, SPEC.md "Evidence, vantage point and capture quality"); the
 * terminal report shows a Quality line whenever the model carries the figures.
 */
import { describe, expect, it } from 'vitest';
import type { CaptureSummary } from '../../src/report/model.js';
import { qualityText, renderTerminal } from '../../src/report/terminal.js';
import { report } from './factories.js';

const plain = { color: false, width: 100, all: false };

function withQuality(quality: Record<string, number | null>) {
  return report({ capture: { quality } as Partial<CaptureSummary> });
}

describe('the capture-quality line', () => {
  it('duplicates, gaps, one-way connections and drops, with their numbers', () => {
    const out = renderTerminal(
      withQuality({
        oneWayConnections: 2,
        connectionsWithGaps: 1,
        captureGaps: 3,
        duplicates: 126,
        interfaceDrops: 7,
      }),
      plain,
    );
    expect(out).toContain(
      [
        'Quality   126 duplicate frames (captured more than once, not retransmissions); 3 segments missed by',
        '          the capture on 1 connection; 2 connections seen in one direction only; 7 packets dropped',
        '          by the interface',
      ].join('\n'),
    );
  });

  it('only what is there; no line when the capture is clean or the model has no quality', () => {
    expect(qualityText({ duplicates: 378, captureGaps: 0, oneWayConnections: 0, interfaceDrops: null })).toBe(
      '378 duplicate frames (captured more than once, not retransmissions)',
    );
    expect(
      renderTerminal(
        withQuality({
          duplicates: 0,
          captureGaps: 0,
          connectionsWithGaps: 0,
          oneWayConnections: 0,
          interfaceDrops: null,
        }),
        plain,
      ),
    ).not.toMatch(/^Quality/m);
    expect(renderTerminal(report(), plain)).not.toMatch(/^Quality/m);
  });
});
