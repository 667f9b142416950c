/**
 * The library API: `import { analyze } from 'tcptrace-ts'`.
 *
 *   const { report } = await analyze('capture.pcap');
 *   for (const c of report.connections) console.log(c.id, c.client.state, c.server.state);
 *
 * `report` follows SPEC.md's JSON report (schema/report.schema.json).
 */
export { Analysis, analyze, type AnalysisResult, type AnalyzeOptions } from './analyze.js';
export type { CaptureFormat, CaptureStats, CaptureWarning, PacketRecord } from './capture/record.js';
export { CaptureError } from './capture/record.js';
export { UsageError } from './config/errors.js';
export { DEFAULT_SETTINGS, type Settings, type SettingsInput } from './config/settings.js';
export { ANOMALY_KINDS, type AnomalyKind } from './model/kinds.js';
export type { Segment } from './decode/segment.js';
export { evaluateGate, type GateCapture } from './gate/gate.js';
export { hasGateRules, judge, unjudged } from './gate/verdict.js';
export { renderCsv } from './report/csv.js';
export { renderJunit } from './report/junit.js';
export { renderLadder } from './report/ladder.js';
export type * from './model/report.js';
export { STATE_NAMES, type StateName } from './model/states.js';
