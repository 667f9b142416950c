// The architecture, enforced by `npm run lint` (dependency-cruiser): src/ in
// layers, bottom first. A module may import its own folder and the layers
// below it; never a layer above, never a neighbour in its own layer, and no
// import cycle anywhere. The README's Layout table lists the same folders in
// the same layers (test/architecture.test.ts checks both against src/).
//
//   9  cli/  index.ts    the shells: the command line, the library's entry
//   8  analyze.ts        the engine: wires the stages, the library API
//   7  engine/           the engine's parts: text inputs, ladder recorder, retention, report assembly
//   6  report/           renderers: terminal, JSON, CSV, ladder, JUnit, GitHub, HTML
//   5  gate/             CI gate rules and their verdict
//   4  detect/  zeek/    anomaly detectors; Zeek's emulation (both watch tcp/)
//   3  tcp/              segments to states
//   2  decode/           records to TCP segments
//   1  capture/ config/  bytes to records; settings and the config file
//   0  model/            the contract: report types, severities, states, anomaly kinds

/** Bottom first; each entry is one layer, its folders (`x/`) or root files (`x.ts`) under src/. */
export const LAYERS = [
  ['model/'],
  ['capture/', 'config/'],
  ['decode/'],
  ['tcp/'],
  ['detect/', 'zeek/'],
  ['gate/'],
  ['report/'],
  ['engine/'],
  ['analyze.ts'],
  ['cli/', 'index.ts'],
];

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** The path regex of one folder or root file of src/. */
const unit = (u) => (u.endsWith('/') ? `^src/${esc(u)}` : `^src/${esc(u)}$`);

/** One rule per folder: it may not import what sits in its own layer (but itself) or above. */
const layerRules = LAYERS.flatMap((layer, i) =>
  layer.map((u) => {
    const forbidden = [...LAYERS.slice(i + 1).flat(), ...layer.filter((x) => x !== u)];
    return {
      name: `layer-${u.replace(/[/.]/g, '-').replace(/-$/, '')}`,
      comment: `src/${u} (layer ${i}) imports only from layers 0-${i - 1} and itself, not ${forbidden.join(' ') || 'anything above'}`,
      severity: 'error',
      from: { path: unit(u) },
      to: { path: forbidden.length > 0 ? forbidden.map(unit) : '^$' },
    };
  }),
);

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycle, even inside one folder: data flows one way.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-in-layers',
      comment: 'Every folder and root file of src/ has a place in LAYERS.',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.flat().map(unit) },
      to: {},
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies of the design too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.css$' },
  },
};
