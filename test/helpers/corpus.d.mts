export declare const CORPUS: string;
export declare function corpus(rel: string): string;
export interface ManifestRow {
  path: string;
  source_repo: string;
  source_path: string;
  format: string;
  linktype: string;
  packets: string;
  tcp_connections: string;
  what_it_exercises: string;
  expectation: string;
}
export declare function manifest(): ManifestRow[];
