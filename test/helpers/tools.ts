/**
 * External tools some tests run (tcpdump, tshark, editcap, tcprewrite, ...):
 * whether each is installed, and describe/it wrappers that never let a test
 * pass or skip quietly when one is missing.
 *
 * In CI (`CI` set; `.ci/run` installs every tool and sets it) a missing tool is
 * a failing test that names the tool and its Debian package. Elsewhere the
 * tests that need it are skipped, with the tool named in the skipped test's
 * title and a warning on stderr; `vitest.global-setup.ts` prints the list at
 * the start of the run. README.md ("Tests") documents this.
 */
import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

/** The Debian package that brings each tool (what `.ci/run` installs). */
export const TOOL_PACKAGES: Record<string, string> = {
  tcpdump: 'tcpdump',
  tshark: 'tshark',
  capinfos: 'wireshark-common',
  editcap: 'wireshark-common',
  tcprewrite: 'tcpreplay',
  setpriv: 'util-linux',
  python3: 'python3',
};

export const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false';

const found = new Map<string, string | null>();

/** The tool's path, or null when it is not on PATH. */
export function toolPath(name: string): string | null {
  let p = found.get(name);
  if (p === undefined) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    p = r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null;
    found.set(name, p);
  }
  return p;
}

export function haveTool(name: string): boolean {
  return toolPath(name) !== null;
}

/** The first line of `tool --version` (stdout or stderr), or '' without the tool. */
export function toolVersion(name: string): string {
  const p = toolPath(name);
  if (p === null) return '';
  const r = spawnSync(p, ['--version'], { encoding: 'utf8' });
  return `${r.stdout}\n${r.stderr}`.trim().split('\n')[0] ?? '';
}

/** Why tests needing `tools` cannot run here ("tshark not installed (apt-get install tshark)"), or null. */
export function missingReason(tools: readonly string[]): string | null {
  const missing = tools.filter((t) => !haveTool(t));
  if (missing.length === 0) return null;
  const pkgs = [...new Set(missing.map((t) => TOOL_PACKAGES[t] ?? t))];
  return `${missing.join(', ')} not installed (apt-get install ${pkgs.join(' ')})`;
}

function missing(tools: readonly string[], title: string, unmet?: () => string | null): string | null {
  const why = missingReason(tools) ?? unmet?.() ?? null;
  if (why === null) return null;
  if (!IN_CI) console.warn(`SKIPPED "${title}": ${why}`);
  return why;
}

/**
 * describe() for a group that needs external tools. Missing one: in CI, one
 * failing test that names it; elsewhere the group is skipped, its title
 * saying why. `unmet` says what else the group needs and is not there (a
 * tool's version), or null.
 */
export function describeWithTools(
  tools: readonly string[],
  title: string,
  fn: () => void,
  unmet?: () => string | null,
): void {
  const why = missing(tools, title, unmet);
  if (why === null) describe(title, fn);
  else if (IN_CI) {
    describe(title, () => {
      it(`needs ${tools.join(', ')}`, () => {
        throw new Error(`${why}: CI must run this group (.ci/run installs the tools)`);
      });
    });
  } else describe.skip(`${title} [skipped: ${why}]`, fn);
}

/** it() for one test that needs external tools; see describeWithTools. */
export function itWithTools(
  tools: readonly string[],
  title: string,
  fn: () => unknown,
  timeout?: number,
): void {
  const why = missing(tools, title);
  if (why === null) it(title, fn, timeout);
  else if (IN_CI) {
    it(title, () => {
      throw new Error(`${why}: CI must run this test (.ci/run installs the tools)`);
    });
  } else it.skip(`${title} [skipped: ${why}]`, fn, timeout);
}
