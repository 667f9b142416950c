/**
 * `--html <file>`: the HTML report, written beside whatever goes to stdout (as
 * --junit is). The connections drawn in full need their segments: the first
 * pass records every connection's up to a budget; when a big capture runs
 * past it, a second pass over the files records only the chosen ones (the
 * analysis is deterministic, so ids match). Standard input cannot be read
 * twice: then the connections recorded before the budget ran out are drawn.
 */
import { writeFileSync } from 'node:fs';
import { Analysis, type AnalysisResult } from '../analyze.js';
import type { LadderSelection } from '../engine/ladder-recorder.js';
import { readCaptureFiles } from '../capture/reader.js';
import { UsageError } from '../config/errors.js';
import type { Settings } from '../config/settings.js';
import { buildPageData, chooseDetails, DEFAULT_BOUNDS } from '../report/html/data.js';
import { renderHtml } from '../report/html/write.js';
import { checkWritable, writeProblem } from './output-file.js';

/** Segments recorded for one connection at most (a bulk transfer's graph beyond is cut). */
const MAX_ROWS_PER_CONN = 10_000;

export interface HtmlRequest {
  path: string;
  picked: number[];
}

/** The --html and --html-conn options, checked before the analysis. */
export function htmlRequest(opts: Record<string, unknown>): HtmlRequest | undefined {
  if (opts.htmlConn !== undefined && opts.html === undefined)
    throw new UsageError('--html-conn: needs --html <file>');
  if (typeof opts.html !== 'string') return undefined;
  if (opts.each) throw new UsageError('--html: one report for one capture; not with --each');
  checkWritable('--html', opts.html);
  const picked = ((opts.htmlConn as string[] | undefined) ?? [])
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter((x) => x !== '')
    .map((x) => {
      const id = Number(x);
      if (!Number.isInteger(id) || id < 1)
        throw new UsageError(`--html-conn: expected connection ids (1, 2, ...), got "${x}"`);
      return id;
    });
  return { path: opts.html, picked };
}

/** What the first pass records. */
export function firstPassLadders(): LadderSelection {
  return { ids: 'all', maxRows: DEFAULT_BOUNDS.rows, maxRowsPerConn: MAX_ROWS_PER_CONN };
}

export async function writeHtmlReport(
  req: HtmlRequest,
  result: AnalysisResult,
  files: string[],
  settings: Settings,
  read: { textDate?: number; order?: 'time' | 'given'; stdin?: AsyncIterable<Uint8Array> },
): Promise<void> {
  const report = result.report;
  const order = chooseDetails(report, req.picked);
  let ladders = result.ladders ?? new Map();
  if (result.laddersFull && !files.includes('-')) {
    // The first pass's rows go before the second pass records its own (memory).
    result.ladders?.clear();
    const again = new Analysis({
      settings,
      textDate: read.textDate,
      ladders: { ids: new Set(order), maxRows: DEFAULT_BOUNDS.rows, maxRowsPerConn: MAX_ROWS_PER_CONN },
    });
    const stats = await readCaptureFiles(files, again.sink, { order: read.order });
    // The report is the first pass's: the second builds only the drawn connections' (deferred).
    ladders = again.finish(stats, { deferConnections: true }).ladders ?? new Map();
  }
  const html = renderHtml(buildPageData(report, ladders, order));
  try {
    writeFileSync(req.path, html);
  } catch (e) {
    throw new UsageError(`--html: cannot write ${req.path}: ${writeProblem(e)}`);
  }
}
