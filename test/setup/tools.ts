/**
 * Global setup: says at the start of the run which external tools the tests
 * use are missing, and what that means here (skipped outside CI, failing in
 * CI). Silent when every tool is installed.
 */
import { IN_CI, missingReason, TOOL_PACKAGES } from '../helpers/tools.js';

export default function setup(): void {
  const why = missingReason(Object.keys(TOOL_PACKAGES));
  if (why === null) return;
  const effect = IN_CI
    ? 'CI is set: the tests that need them FAIL'
    : 'the tests that need them are SKIPPED (each named, with the tool); set CI=1 to make them fail';
  console.warn(`\ntcptrace-ts tests: ${why}; ${effect}.\n`);
}
