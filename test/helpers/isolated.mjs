/**
 * Runs analyze() on in-memory captures in a worker thread (analyze-worker.mjs,
 * over dist/), one at a time, with a time limit per capture: a capture that
 * makes the analysis loop forever is reported as a 'timeout' and the worker is
 * replaced. Used by bench/fuzz.mjs and the CI mutation test.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const WORKER = new URL('./analyze-worker.mjs', import.meta.url);

export class Isolated {
  #worker = null;
  #next = 1;
  #dist;

  /** `dist`: the built library to load (default the checkout's dist/; the fuzzer passes a snapshot). */
  constructor({ dist } = {}) {
    this.#dist = dist ?? fileURLToPath(new URL('../../dist', import.meta.url));
  }

  #spawn() {
    // Each worker gets a bounded heap: a capture that makes memory explode fails as an error, not the machine.
    this.#worker = new Worker(WORKER, {
      workerData: { dist: this.#dist },
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    this.#worker.unref();
    return this.#worker;
  }

  /** Analyse `bytes` fed in chunks of `chunk`; resolves with the worker's outcome, or a timeout / worker death. */
  run(bytes, { chunk = 65536, timeoutMs = 10_000, settings } = {}) {
    const w = this.#worker ?? this.#spawn();
    const id = this.#next++;
    return new Promise((resolve) => {
      let done = false;
      const finish = (outcome, kill) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        if (kill) {
          w.terminate();
          if (this.#worker === w) this.#worker = null;
        }
        resolve(outcome);
      };
      const onMessage = (m) => {
        if (m.id === id) finish(m, false);
      };
      const onError = (e) =>
        finish({ id, outcome: 'crash', message: `worker error: ${e?.message ?? e}`, stack: e?.stack }, true);
      const onExit = (code) =>
        finish({ id, outcome: 'crash', message: `worker exited (${code}): out of memory?` }, true);
      const timer = setTimeout(
        () => finish({ id, outcome: 'timeout', message: `no result in ${timeoutMs} ms` }, true),
        timeoutMs,
      );
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage({ id, bytes, chunk, settings });
    });
  }

  async close() {
    const w = this.#worker;
    this.#worker = null;
    if (w) await w.terminate();
  }
}
