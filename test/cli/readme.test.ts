/**
 * Issue 21, item 9: the README's CI example installs the tool the way a CI job
 * can (the package is not on the registry): from a clone, built by `npm ci`, then
 * installed globally from that checkout; never `npx tcptrace-ts`, which would fetch
 * an unrelated or missing package. (Checked by hand on 2026-12-07 with npm 11.19:
 * clone, `npm ci`, `npm install -g --prefix /tmp/p /tmp/clone`, `tcptrace-ts --version`
 * prints 0.1.0; `npm install -g git+...` fails, npm/cli#8440.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { at, must } from '../../src/model/checked.js';

const ROOT = join(import.meta.dirname, '../..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

describe("the README's CI example", () => {
  const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const script = yaml
    .split('\n')
    .filter((l) => /^\s+- /.test(l))
    .map((l) => l.replace(/^\s+- /, '').replace(/\s+#.*$/, ''));

  it('installs from the repository, then runs the installed command', () => {
    expect(script.length).toBeGreaterThan(3);
    expect(readme).not.toMatch(/npx tcptrace-ts/);
    const clone = script.findIndex((l) => /^git clone .*tcptrace-ts(\.git)? (\S+)$/.test(l));
    expect(clone).toBeGreaterThanOrEqual(0);
    const dir = at(
      must(/^git clone .* (\S+)$/.exec(at(script, clone)), '/^git clone .* (\\S+)$/.exec(at(script, clone))'),
      1,
    );
    const install = script.findIndex((l) => l.includes(`npm install -g ${dir}`));
    expect(install).toBeGreaterThan(clone);
    // Built by npm ci (the package's prepare script), before the global install of the checkout.
    expect(script[install]).toContain(`(cd ${dir} && npm ci)`);
    expect(pkg.scripts.prepare).toBe('npm run build');
    const gate = script.findIndex((l) => l.startsWith(`${Object.keys(pkg.bin)[0]} `));
    expect(gate).toBeGreaterThan(install);
    expect(script[gate]).toMatch(/--fail-on error/);
  });

  it('the command it installs is what the package ships', () => {
    expect(Object.keys(pkg.bin)).toEqual(['tcptrace-ts']);
    expect(existsSync(join(ROOT, must(pkg.bin['tcptrace-ts'], "pkg.bin['tcptrace-ts']")))).toBe(true);
  });
});
