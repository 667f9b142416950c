export declare function rng(seed: number): () => number;
export declare function concat(parts: readonly ArrayLike<number>[]): Uint8Array;
export declare function units(
  b: Uint8Array,
): { header: number; units: [number, number][]; le?: boolean; hl?: number } | null;
export declare function mutate(
  base: Uint8Array,
  r: () => number,
  others?: Uint8Array[],
): { bytes: Uint8Array; ops: string[] };
export declare const CHUNK_SIZES: number[];
export declare function randomSettings(r: () => number): Record<string, unknown> | undefined;
export declare function settingsArgs(s: Record<string, unknown> | undefined): string[];
