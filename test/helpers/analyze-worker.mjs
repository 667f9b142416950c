/**
 * Worker thread for isolated.mjs: analyses one in-memory capture with the
 * built library (dist/analyze.js, or the copy named in workerData.dist) and reports the outcome, so that a hang can
 * be cut off by terminating the thread. Checks the report on the way out
 * (checkReport): valid JSON with only finite numbers, legal states, unique
 * increasing ids, counts that add up.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const dist = (f) => pathToFileURL(join(workerData.dist, f)).href;
const { analyze } = await import(dist('analyze.js'));
const { CaptureError } = await import(dist('capture/record.js'));
import { checkReport } from './check-report.mjs';

async function* chunks(bytes, size) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, Math.min(bytes.length, i + size));
}

parentPort.on('message', async ({ id, bytes, chunk, settings }) => {
  const t0 = performance.now();
  try {
    const res = await analyze(chunks(bytes, chunk), { settings });
    const problems = checkReport(res.report);
    parentPort.postMessage({
      id,
      outcome: problems.length > 0 ? 'invalid' : 'ok',
      problems,
      ms: performance.now() - t0,
      packets: res.report.capture.packets,
      connections: res.report.connections.length,
      warnings: res.report.capture.warnings.length,
    });
  } catch (e) {
    if (e instanceof CaptureError) {
      const problems = e.message.includes('\n') ? ['CaptureError message has a newline'] : [];
      parentPort.postMessage({
        id,
        outcome: problems.length ? 'invalid' : 'capture-error',
        problems,
        message: e.message,
        ms: performance.now() - t0,
      });
    } else {
      parentPort.postMessage({
        id,
        outcome: 'crash',
        message: `${e?.name ?? typeof e}: ${e?.message ?? String(e)}`,
        stack: e?.stack,
        ms: performance.now() - t0,
      });
    }
  }
});
