/**
 * How a duration reads wherever a person reads it: in anomaly messages (which
 * the detectors write, and the JSON report carries), the terminal report, the
 * live view and the ladder. One function, so all of them say `2 m 10 s`.
 */

/** `1.0` -> `1`: a figure with one decimal drops a zero one. */
export function trimZero(s: string): string {
  return s.endsWith('.0') ? s.slice(0, -2) : s;
}

/** `350 µs`, `1.2 ms`, `350 ms`, `1.2 s`, `42.5 s`, `2 m 3 s`, `1 h 5 m`, `3 d 4 h`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  if (seconds < 0) return `-${formatDuration(-seconds)}`;
  if (seconds === 0) return '0 s';
  if (seconds < 0.0009995) return `${Math.round(seconds * 1e6)} µs`;
  if (seconds < 0.00995) return `${trimZero((seconds * 1e3).toFixed(1))} ms`;
  if (seconds < 0.9995) return `${Math.round(seconds * 1e3)} ms`;
  if (seconds < 59.95) return `${trimZero(seconds.toFixed(1))} s`;
  const total = Math.round(seconds);
  if (total < 3600) return `${Math.floor(total / 60)} m ${total % 60} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h ${minutes % 60} m`;
  const hours = Math.round(seconds / 3600);
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
