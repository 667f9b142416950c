/**
 * Invariants every report must satisfy, whatever the input: JSON that round-
 * trips (no NaN or Infinity silently turned into null), legal state names,
 * non-negative counts, unique increasing connection ids, anomalies that name a
 * kept connection (or none), and packet counts that add up. Returns the
 * problems found (empty when none).
 */
const STATES = new Set([
  'CLOSED',
  'LISTEN',
  'SYN_SENT',
  'SYN_RECEIVED',
  'ESTABLISHED',
  'FIN_WAIT_1',
  'FIN_WAIT_2',
  'CLOSE_WAIT',
  'CLOSING',
  'LAST_ACK',
  'TIME_WAIT',
]);

function walk(v, path, problems) {
  if (problems.length > 20) return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) problems.push(`${path}: not a finite number (${v})`);
  } else if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) walk(v[i], `${path}[${i}]`, problems);
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`, problems);
  } else if (v === undefined) {
    problems.push(`${path}: undefined`);
  }
}

export function checkReport(report) {
  const problems = [];
  let text;
  try {
    text = JSON.stringify(report);
    JSON.parse(text);
  } catch (e) {
    return [`not JSON: ${e.message}`];
  }
  walk(report, 'report', problems);
  const cap = report.capture;
  const skipped = Object.values(cap.skipped).reduce((a, b) => a + b, 0);
  if (cap.tcpPackets + skipped !== cap.packets)
    problems.push(`capture: tcpPackets ${cap.tcpPackets} + skipped ${skipped} != packets ${cap.packets}`);
  for (const [k, n] of Object.entries(cap.skipped))
    if (!(n > 0)) problems.push(`capture.skipped.${k} = ${n}`);
  if (
    cap.start !== null &&
    cap.end !== null &&
    cap.end < cap.start &&
    !cap.warnings.some((w) => /backwards/.test(w))
  )
    problems.push(`capture: end ${cap.end} < start ${cap.start} without a time-backwards warning`);
  let last = 0;
  const ids = new Set();
  for (const c of report.connections) {
    if (!(c.id > last)) problems.push(`connection ids not increasing: ${c.id} after ${last}`);
    last = c.id;
    ids.add(c.id);
    for (const side of ['client', 'server']) {
      const ep = c[side];
      if (!STATES.has(ep.state)) problems.push(`connection ${c.id} ${side}: state ${ep.state}`);
      for (const k of [
        'packets',
        'bytes',
        'retransmissions',
        'synRetransmissions',
        'outOfOrder',
        'dupAcks',
        'zeroWindows',
        'keepAlives',
        'zeroWindowProbes',
      ]) {
        if (ep[k] !== undefined && !(ep[k] >= 0)) problems.push(`connection ${c.id} ${side}.${k} = ${ep[k]}`);
      }
      if (!(ep.port >= 0 && ep.port <= 65535)) problems.push(`connection ${c.id} ${side}.port = ${ep.port}`);
    }
    if (c.client.packets + c.server.packets < 1) problems.push(`connection ${c.id} has no packet`);
    if (!(c.end >= c.start)) problems.push(`connection ${c.id}: end ${c.end} < start ${c.start}`);
    for (const t of c.transitions) {
      if (!STATES.has(t.from) || !STATES.has(t.to))
        problems.push(`connection ${c.id}: transition ${t.from} -> ${t.to}`);
    }
  }
  for (const a of report.anomalies) {
    if (a.connection !== null && !ids.has(a.connection) && report.summarised.connections === 0)
      problems.push(`anomaly ${a.kind} names connection ${a.connection}, not in the report`);
    if (typeof a.message !== 'string' || typeof a.hint !== 'string')
      problems.push(`anomaly ${a.kind}: no message or hint`);
  }
  if (!(report.summarised.connections >= 0))
    problems.push(`summarised.connections = ${report.summarised.connections}`);
  return problems;
}
