/**
 * `tcptrace-ts ladder <capture> --conn <id>`: one connection as a ladder diagram
 * (RFC 793 style), each side's state after every segment.
 */
import { writeFileSync } from 'node:fs';
import { analyze } from '../analyze.js';
import { UsageError } from '../config/errors.js';
import { jsonSafe, sanitize } from '../report/sanitize.js';
import { elideRows, ladderJson, renderLadder } from '../report/ladder.js';
import { type Io, termWidth, useColor } from './io.js';
import { checkWritable, writeProblem } from './output-file.js';
import { buildSettings } from './main.js';

export async function ladderCommand(
  captures: string[],
  opts: Record<string, unknown>,
  io: Io,
): Promise<number> {
  const id = Number(opts.conn);
  if (!Number.isInteger(id) || id < 1)
    throw new UsageError(`--conn: expected a connection id (1, 2, ...), got "${String(opts.conn)}"`);
  const svgPath = typeof opts.svg === 'string' ? opts.svg : undefined;
  if (svgPath !== undefined) checkWritable('--svg', svgPath);
  const { conn: _conn, svg: _svg, ...rest } = opts;
  const settings = buildSettings(rest, io);
  const { ladder, report } = await analyze(captures, { settings, ladder: id, stdin: io.stdin });
  if (!ladder) {
    const n = report.connections.length + report.summarised.connections;
    throw new UsageError(`no connection ${id} in the capture (it has ${n} connection${n === 1 ? '' : 's'})`);
  }
  if (svgPath !== undefined) {
    // The SVG view is loaded only for this option.
    const { ladderSvg } = await import('../report/html/ladder-svg.js');
    const svg = ladderSvg(
      { conn: ladder.connection, rows: ladder.rows, omitted: 0 },
      { standalone: true, maxRows: opts.all === true ? Number.POSITIVE_INFINITY : undefined },
    );
    try {
      writeFileSync(svgPath, svg);
    } catch (e) {
      throw new UsageError(`--svg: cannot write ${svgPath}: ${writeProblem(e)}`);
    }
    for (const w of report.capture.warnings) io.stderr.write(`tcptrace-ts: warning: ${sanitize(w)}\n`);
    return 0;
  }
  const el = elideRows(ladder.rows, opts.all === true);
  const shown = {
    ...ladder,
    rows: el.rows,
    elided: el.elided,
    elidedAfter: el.elidedAfter,
    elidedStates: el.elidedStates,
  };
  for (const w of report.capture.warnings) io.stderr.write(`tcptrace-ts: warning: ${sanitize(w)}\n`);
  if (opts.json) io.stdout.write(`${jsonSafe(JSON.stringify(ladderJson(shown)))}\n`);
  else {
    io.stdout.write(
      renderLadder(shown, {
        color: useColor(io, opts),
        width: termWidth(io),
        absolute: opts.absolute === true,
      }),
    );
  }
  return 0;
}
