export declare function checkReport(report: unknown): string[];
