/**
 * Issue 5: snapshots of the terminal report and the ladder on real captures
 * (the fixture suite), colour off and on. Regenerating a fixture changes its
 * snapshot: review the diff, then `npx vitest run -u`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { makeIo } from '../cli/harness.js';

const F = (n: string) => join(import.meta.dirname, '../../fixtures', `${n}.pcap`);
const SCENARIOS = [
  'normal-close-client',
  'simultaneous-close',
  'connection-refused',
  'close-wait-stuck',
  'time-wait-storm',
];

async function cli(argv: string[], color: boolean): Promise<string> {
  const { io, stdout } = makeIo(undefined, color ? { FORCE_COLOR: '1' } : { NO_COLOR: '1' });
  if (color) delete io.env.NO_COLOR;
  stdout.columns = 100;
  const code = await run(argv, io);
  expect(code).toBe(0);
  // The file path differs between checkouts.
  return stdout.text.replaceAll(join(import.meta.dirname, '../../fixtures'), 'fixtures');
}

describe.each([false, true])('colour %s', (color) => {
  it.each(SCENARIOS)('report: %s', async (name) => {
    expect(await cli([F(name)], color)).toMatchSnapshot();
  });

  it.each(SCENARIOS)('ladder: %s', async (name) => {
    expect(await cli(['ladder', F(name), '--conn', '1'], color)).toMatchSnapshot();
  });
});

it('colour on is colour off plus escape sequences only', async () => {
  for (const name of SCENARIOS) {
    const plain = await cli([F(name)], false);
    const stripped = (await cli([F(name)], true)).replace(/\x1b\[[0-9;]*m/g, '');
    expect(stripped).toBe(plain);
  }
});
