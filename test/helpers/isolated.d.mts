export interface Outcome {
  id: number;
  /** ok: analysed, report valid; capture-error: refused with CaptureError; invalid: a report invariant broke; crash: any other exception; timeout: no answer in time. */
  outcome: 'ok' | 'capture-error' | 'invalid' | 'crash' | 'timeout';
  problems?: string[];
  message?: string;
  stack?: string;
  ms?: number;
  packets?: number;
  connections?: number;
  warnings?: number;
}
export declare class Isolated {
  constructor(opts?: { dist?: string });
  run(
    bytes: Uint8Array,
    opts?: { chunk?: number; timeoutMs?: number; settings?: Record<string, unknown> },
  ): Promise<Outcome>;
  close(): Promise<void>;
}
