/**
 * `tcptrace-ts ladder <capture> [--conn <ids>]`: connections as ladder diagrams
 * (RFC 793 style), each side's state after every segment. Without --conn, the
 * capture (after --host/--port) must hold exactly one connection.
 */
import { analyze } from '../analyze.js';
import { UsageError } from '../config/errors.js';
import type { LadderReport } from '../report/model.js';
import { jsonSafe, sanitize } from '../report/sanitize.js';
import { elideRows, ladderJson, renderLadder } from '../report/ladder.js';
import { type Io, termWidth, useColor } from './io.js';
import { buildSettings, parseTextDate, textTimeZone } from './main.js';

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

export async function ladderCommand(
  captures: string[],
  opts: Record<string, unknown>,
  io: Io,
): Promise<number> {
  const ids = connIds(opts.conn);
  const { conn: _conn, ...rest } = opts;
  const settings = buildSettings(rest, io);
  const result = await analyze(captures, {
    settings,
    ladder: ids ?? 'single',
    stdin: io.stdin,
    textDate: parseTextDate(opts.textDate),
    textTimeZone: textTimeZone(opts, io),
  });
  const { report } = result;
  const ladders = result.ladders ?? [];
  const filtered = settings.host !== undefined || settings.port !== undefined;
  if (ids === undefined) {
    const n = result.ladderCandidates ?? 0;
    if (n !== 1) {
      const what = filtered ? 'connections match --host/--port' : 'connections in the capture';
      throw new UsageError(
        n === 0
          ? `no ${what}`
          : `${n} ${what}: choose with --conn (e.g. --conn ${ladders[0]?.connection.id ?? 1}; the report lists their ids)`,
      );
    }
  } else {
    const found = new Set(ladders.map((l) => l.connection.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      const n = report.connections.length + report.summarised.connections;
      throw new UsageError(
        `no connection ${missing.join(', ')} in the capture (it has ${n} connection${n === 1 ? '' : 's'})`,
      );
    }
  }
  for (const w of report.capture.warnings) io.stderr.write(`tcptrace-ts: warning: ${sanitize(w)}\n`);
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
    const data = shown.length === 1 ? ladderJson(shown[0]!) : shown.map(ladderJson);
    io.stdout.write(`${jsonSafe(JSON.stringify(data))}\n`);
  } else {
    const o = { color: useColor(io, opts), width: termWidth(io), absolute: opts.absolute === true };
    io.stdout.write(shown.map((l) => renderLadder(l, o)).join('\n'));
  }
  return 0;
}
