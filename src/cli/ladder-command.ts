/**
 * `tcptrace-ts ladder <capture> [--conn <ids>]`: connections as ladder diagrams
 * (RFC 793 style), each side's state after every segment. Without --conn, the
 * capture (after --host/--port) must hold exactly one connection.
 */
import { writeFileSync } from 'node:fs';
import { analyze } from '../analyze.js';
import { UsageError } from '../config/errors.js';
import type { LadderReport } from '../model/report.js';
import { jsonSafe, sanitize } from '../report/sanitize.js';
import { elideRows, ladderJson, renderLadder } from '../report/ladder.js';
import { type Io, termWidth, useColor } from './io.js';
import { checkWritable, writeProblem } from './output-file.js';
import { buildSettings, parseTextDate, textTimeZone } from './settings.js';
import { at, must } from '../model/checked.js';

/** `--conn 3`, `--conn 3,5`, `--conn 3 --conn 5`: the ids, in order, each once. */
function connIds(v: unknown): number[] | undefined {
  if (v === undefined) return undefined;
  const items = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).map((x) => x.trim());
  const ids: number[] = [];
  for (const x of items.filter((y) => y !== '')) {
    const id = /^\d+$/.test(x) ? Number(x) : Number.NaN;
    if (!Number.isSafeInteger(id) || id < 1)
      throw new UsageError(`--conn: expected connection ids (1, 2, ...), got "${x}"`);
    if (!ids.includes(id)) ids.push(id);
  }
  if (ids.length === 0) throw new UsageError('--conn: expected connection ids (1, 2, ...)');
  return ids;
}

/** Without --conn: rows kept while looking for the one connection (a capture of many fails anyway). */
const SINGLE_MAX_ROWS = 2_000_000;

export async function ladderCommand(
  captures: string[],
  opts: Record<string, unknown>,
  io: Io,
): Promise<number> {
  const ids = connIds(opts.conn);
  const svgPath = typeof opts.svg === 'string' ? opts.svg : undefined;
  if (svgPath !== undefined) checkWritable('--svg', svgPath);
  const { conn: _conn, svg: _svg, ...rest } = opts;
  // A ladder gives no verdict: a config file's baseline is not read for it.
  const { baseline: _baseline, ...settings } = buildSettings(rest, io);
  const result = await analyze(captures, {
    settings,
    ladders: ids ? { ids: new Set(ids) } : { ids: 'all', maxRows: SINGLE_MAX_ROWS },
    stdin: io.stdin,
    textDate: parseTextDate(opts.textDate),
    textTimeZone: textTimeZone(opts, io),
  });
  const { report } = result;
  const recorded = result.ladders ?? new Map<number, LadderReport>();
  let ladders: LadderReport[];
  if (ids === undefined) {
    // The report's connections are those --host/--port left.
    const n =
      report.connections.length + (settings.host || settings.port ? 0 : report.summarised.connections);
    const what =
      settings.host || settings.port ? 'connections match --host/--port' : 'connections in the capture';
    if (n !== 1) {
      throw new UsageError(
        n === 0
          ? `no ${what}`
          : `${n} ${what}: choose with --conn (e.g. --conn ${report.connections[0]?.id ?? 1}; the report lists their ids)`,
      );
    }
    const only = recorded.get(at(report.connections, 0).id);
    if (!only) throw new UsageError(`the connection's segments were not kept: choose it with --conn`);
    ladders = [only];
  } else {
    const missing = ids.filter((id) => !recorded.has(id));
    if (missing.length > 0) {
      const n = report.connections.length + report.summarised.connections;
      throw new UsageError(
        `no connection ${missing.join(', ')} in the capture (it has ${n} connection${n === 1 ? '' : 's'})`,
      );
    }
    ladders = ids.map((id) => must(recorded.get(id), `the ladder of connection ${id}`));
  }
  for (const w of report.capture.warnings) io.stderr.write(`tcptrace-ts: warning: ${sanitize(w)}\n`);
  if (svgPath !== undefined) {
    if (ladders.length > 1) throw new UsageError('--svg: draws one connection: give one --conn id');
    const ladder = at(ladders, 0);
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
    return 0;
  }
  const shown: LadderReport[] = ladders.map((ladder) => {
    const el = elideRows(ladder.rows, opts.all === true);
    return {
      ...ladder,
      rows: el.rows,
      elided: el.elided,
      elidedAfter: el.elidedAfter,
      elidedStates: el.elidedStates,
    };
  });
  if (opts.json) {
    // One ladder is the object it always was; several are an array of them.
    const data = shown.length === 1 ? ladderJson(at(shown, 0)) : shown.map(ladderJson);
    io.stdout.write(`${jsonSafe(JSON.stringify(data))}\n`);
  } else {
    const o = { color: useColor(io, opts), width: termWidth(io), absolute: opts.absolute === true };
    io.stdout.write(shown.map((l) => renderLadder(l, o)).join('\n'));
  }
  return 0;
}
