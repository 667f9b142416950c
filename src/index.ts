export type { PacketRecord, CaptureWarning, CaptureFormat } from './capture/record.js';
export type { Segment } from './decode/segment.js';
export type * from './report/model.js';
