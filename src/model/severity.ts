/**
 * Anomaly severities (SPEC.md "Anomaly kinds") and their one order: the rank
 * is 0 for the most severe, so sorting by it lists errors first, and the gate's
 * "at least as severe as" is a rank at or below the threshold's.
 */
export const SEVERITIES = ['error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** 0 for error, 1 for warning, 2 for info: smaller is more severe. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

export function isSeverity(s: string): s is Severity {
  return Object.hasOwn(SEVERITY_RANK, s);
}

/**
 * The rank of a severity read from outside the type system (a report, a
 * baseline file): a name we do not know sorts after info rather than
 * breaking the sort with NaN.
 */
export function severityRank(s: string): number {
  return isSeverity(s) ? SEVERITY_RANK[s] : SEVERITIES.length;
}

/** Sort comparator: most severe first. */
export function bySeverity(a: string, b: string): number {
  return severityRank(a) - severityRank(b);
}

/**
 * `s` is `threshold` or more severe (the gate's `--fail-on warning` takes
 * warnings and errors). A name we do not know counts as an error here: a gate
 * must not pass on an anomaly it cannot classify.
 */
export function atLeastAsSevere(s: string, threshold: Severity): boolean {
  return (isSeverity(s) ? SEVERITY_RANK[s] : SEVERITY_RANK.error) <= SEVERITY_RANK[threshold];
}
