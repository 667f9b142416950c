/**
 * The one place that says where the public capture corpus is: test/corpus/ in
 * this repository (copied from the shared corpus with its provenance, see
 * test/corpus/PROVENANCE.md), so that a fresh clone runs every test that reads
 * it. Tests, the tshark generators and the fuzzer all go through here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS = fileURLToPath(new URL('../corpus', import.meta.url));

/** A corpus file's absolute path, from its path relative to the corpus (as MANIFEST.tsv names it). */
export function corpus(rel) {
  return join(CORPUS, rel);
}

/** MANIFEST.tsv's rows, keyed by its header's column names. */
export function manifest() {
  const lines = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const head = lines[0].split('\t');
  return lines.slice(1).map((l) => {
    const cells = l.split('\t');
    return Object.fromEntries(head.map((h, i) => [h, cells[i] ?? '']));
  });
}
