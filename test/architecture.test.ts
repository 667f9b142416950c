/**
 * The architecture as written in three places that must agree: the folders of
 * src/, the layers of `.dependency-cruiser.mjs` (what `npm run lint` enforces),
 * and the README's Layout tables (what a newcomer reads). And the proof that the
 * rules bite: a copy of src/ with an upward import, a new cycle and a folder
 * with no layer fails the check.
 */
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ANOMALY_KINDS } from '../src/model/kinds.js';
import { EVENT_CAUSE } from '../src/tcp/transitions.js';
import { at, must } from '../src/model/checked.js';

const ROOT = join(import.meta.dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
/** The layers of the rules file, bottom first (a .mjs config, untyped: read by path). */
const { LAYERS } = (await import(join(ROOT, '.dependency-cruiser.mjs'))) as { LAYERS: string[][] };
// The package's exports name neither its bin nor its package.json.
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const SCRIPTS = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

/** The rows of the markdown table that follows `heading`, as cells. */
function tableAfter(heading: string): string[][] {
  const at = README.indexOf(heading);
  expect(at, `README has no "${heading}"`).toBeGreaterThanOrEqual(0);
  const lines = README.slice(at).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const l of lines.slice(first + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(
      l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
  }
  return rows;
}

/** The `src/...` files a cell of the decision table names. */
function filesOf(cell: string): string[] {
  return [...cell.matchAll(/`(src\/[^`]+)`/g)].map((m) => at(m, 1));
}

/** Each anomaly kind, and the file of the detector family whose `readonly kinds = [...]` declares it. */
function kindDeciders(): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of srcFiles('src/detect')) {
    const decl = /readonly kinds = \[([^\]]*)\]/.exec(readFileSync(join(ROOT, f), 'utf8'));
    for (const m of decl?.[1]?.matchAll(/'([a-z0-9-]+)'/g) ?? []) out.set(at(m, 1), f);
  }
  return out;
}

/** src/'s folders as `x/` and root files as `x.ts`. */
function srcUnits(): string[] {
  return readdirSync(join(ROOT, 'src'), { withFileTypes: true })
    .map((d) => (d.isDirectory() ? `${d.name}/` : d.name))
    .sort();
}

describe('architecture: src/, the layer rules and the README agree', () => {
  it('every folder and root file of src/ has exactly one layer', () => {
    expect([...LAYERS.flat()].sort()).toEqual(srcUnits());
  });

  it("the rules file's diagram (its header comment) shows the layers it enforces", () => {
    const text = readFileSync(join(ROOT, '.dependency-cruiser.mjs'), 'utf8');
    const drawn = [...text.matchAll(/^\/\/\s+(\d+)\s+((?:[\w-]+(?:\/|\.ts)\s+)+)/gm)]
      .map((m) => [Number(m[1]), at(m, 2).trim().split(/\s+/)] as const)
      .sort((x, y) => x[0] - y[0]);
    expect(drawn.map(([, units]) => units)).toEqual(LAYERS);
    expect(drawn.map(([n]) => n)).toEqual(LAYERS.map((_, i) => i));
  });

  it("the README's Layout table lists the same folders in the same layers, bottom first", () => {
    const rows = tableAfter('## Layout').map(([layer, folder]) => [
      Number(layer),
      must(folder, 'folder').replace(/`/g, ''),
    ]);
    const rules = LAYERS.flatMap((layer, i) => layer.map((u) => [i, u]));
    expect(rows).toEqual(rules);
  });

  it('the README says in which file each anomaly kind is decided: the family that raises it, and the file names the kind', () => {
    const rows = tableAfter('### Where each decision is made');
    const deciders = kindDeciders();
    for (const { kind } of ANOMALY_KINDS) {
      const row = rows.find(([decision]) => must(decision, 'decision').includes(`\`${kind}\``));
      expect(row, `${kind}: no row of "Where each decision is made" names it`).toBeDefined();
      const files = filesOf(at(must(row, 'row'), 1));
      for (const f of files) {
        const text = existsSync(join(ROOT, f)) ? readFileSync(join(ROOT, f), 'utf8') : '';
        expect(
          text.includes(`'${kind}'`),
          `${kind}: its row names ${f}, which does not mention '${kind}'`,
        ).toBe(true);
      }
      // The family whose `kinds` list declares it is where it is decided (capture-gap has no family file).
      const decider = deciders.get(kind);
      if (decider !== undefined)
        expect(files, `${kind}: decided in ${decider}, not named by its row`).toContain(decider);
    }
  });

  it('every anomaly kind the decision table names is in the catalogue', () => {
    const known = new Set(ANOMALY_KINDS.map((k) => k.kind));
    for (const [decision] of tableAfter('### Where each decision is made')) {
      for (const m of must(decision, 'decision').matchAll(/`([a-z0-9]+(?:-[a-z0-9]+)+)`/g)) {
        expect(
          known.has(at(m, 1)),
          `"${m[1]}" is named by the decision table but is no kind of src/model/kinds.ts`,
        ).toBe(true);
      }
    }
  });

  it('every file that changes an endpoint state or raises a state event is named by the decision table', () => {
    const named = new Set(
      tableAfter('### Where each decision is made').flatMap(([, where]) => filesOf(must(where, 'where'))),
    );
    // The table's lookup, the state machine's events (step, gone, synCookie), and a state written
    // directly (a change made, or undone).
    const changes = /\bnextState\(|\bsm\.(?:step|gone|synCookie)\(|\.state = (?:State\.|to;)|\bep\.state = /;
    const makers = srcFiles().filter((f) => changes.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(makers).toContain('src/tcp/transitions.ts');
    expect(makers).toContain('src/tcp/state-machine.ts');
    expect(makers).toContain('src/tcp/connection.ts');
    for (const f of makers)
      expect(named.has(f), `${f} changes endpoint states but no decision row names it`).toBe(true);
  });

  it('every function the decision table names (`name()`) is in a file of its row', () => {
    for (const [decision, where] of tableAfter('### Where each decision is made')) {
      const texts = filesOf(must(where, 'where')).map((f) =>
        existsSync(join(ROOT, f)) ? readFileSync(join(ROOT, f), 'utf8') : '',
      );
      for (const m of must(decision, 'decision').matchAll(/`(\w+)\(\)`/g)) {
        const fn = at(m, 1);
        expect(
          texts.some((t) =>
            new RegExp(`^\\s*(?:export\\s+)?(?:function\\s+)?(?:private\\s+)?${fn}\\(`, 'm').test(t),
          ),
          `${fn}() (for "${decision}") is defined in none of ${where}`,
        ).toBe(true);
      }
    }
  });

  it('every file the decision table points to exists', () => {
    for (const [decision, where] of tableAfter('### Where each decision is made')) {
      const files = [...must(where, 'where').matchAll(/`(src\/[^`]+)`/g)].map((m) => at(m, 1));
      expect(files.length, `"${decision}" names no file`).toBeGreaterThan(0);
      for (const f of files) expect(existsSync(join(ROOT, f)), `${f} (for "${decision}")`).toBe(true);
    }
  });
});

/** Every .ts file under src/, relative to the root. */
function srcFiles(dir = 'src'): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? srcFiles(`${dir}/${d.name}`) : d.name.endsWith('.ts') ? [`${dir}/${d.name}`] : [],
  );
}

describe('architecture: a decision is written once', () => {
  it('no code compares a transition cause with text: a reworded cause cannot switch a detector off', () => {
    const offenders: string[] = [];
    for (const f of srcFiles()) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      if (/\.cause\s*[!=]==?\s*['"`]/.test(text)) offenders.push(`${f}: compares .cause with a literal`);
      if (f === 'src/tcp/transitions.ts') continue;
      for (const c of EVENT_CAUSE) if (text.includes(`'${c}'`)) offenders.push(`${f}: spells out '${c}'`);
    }
    expect(offenders).toEqual([]);
  });
});

describe('architecture: the rules bite (dependency-cruiser on a copy of src/)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function copy(): string {
    const dir = mkdtempSync(join(tmpdir(), 'tcptrace-arch-'));
    dirs.push(dir);
    cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
    cpSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    cpSync(join(ROOT, '.dependency-cruiser.mjs'), join(dir, '.dependency-cruiser.mjs'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    return dir;
  }

  /** dependency-cruiser as `npm run arch` runs it (the script's own arguments), in `dir`. */
  function cruise(dir: string): { status: number | null; out: string } {
    const [bin, ...args] = must(SCRIPTS.arch, 'the arch script').split(' ');
    expect(bin).toBe('depcruise');
    const r = spawnSync(process.execPath, [DEPCRUISE, ...args], { cwd: dir, encoding: 'utf8' });
    return { status: r.status, out: r.stdout + r.stderr };
  }

  it('npm run lint runs the rules: its script ends with `npm run arch`, which runs dependency-cruiser on src/ with the rules file', () => {
    expect(SCRIPTS.lint).toMatch(/&& npm run arch$/);
    expect(SCRIPTS.arch).toMatch(/^depcruise src --config \.dependency-cruiser\.mjs /);
  });

  it('src/ as it is passes', () => {
    const r = cruise(copy());
    expect(r.out).toContain('no dependency violations found');
    expect(r.status).toBe(0);
  });

  it('an upward import, a neighbour import, a cycle and a folder without a layer each fail', () => {
    const dir = copy();
    // Upward: the tracker's sequence arithmetic reaching for a renderer.
    appendFileSync(
      join(dir, 'src/tcp/seq.ts'),
      "\nimport { formatCount } from '../report/format.js';\nexport const up = formatCount;\n",
    );
    // Sideways: a detector using Zeek's emulation (both layer 4).
    appendFileSync(
      join(dir, 'src/detect/detectors.ts'),
      "\nimport * as zeek from '../zeek/conn-state.js';\nexport const side = zeek;\n",
    );
    // A cycle inside one folder: model/duration.ts <-> model/severity.ts.
    appendFileSync(
      join(dir, 'src/model/duration.ts'),
      "\nimport { SEVERITIES } from './severity.js';\nexport const a = SEVERITIES;\n",
    );
    appendFileSync(
      join(dir, 'src/model/severity.ts'),
      "\nimport { formatDuration } from './duration.js';\nexport const b = formatDuration;\n",
    );
    // A new folder nobody placed.
    mkdirSync(join(dir, 'src/extra'));
    writeFileSync(
      join(dir, 'src/extra/x.ts'),
      "import { State } from '../model/states.js';\nexport const x = State;\n",
    );
    const r = cruise(dir);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/layer-tcp: src\/tcp\/seq\.ts → src\/report\/format\.ts/);
    expect(r.out).toMatch(/layer-detect: src\/detect\/detectors\.ts → src\/zeek\/conn-state\.ts/);
    expect(r.out).toMatch(/no-circular: src\/model\/(duration|severity)\.ts/);
    expect(r.out).toMatch(/src-in-layers: src\/extra\/x\.ts/);
  });
});
