import { existsSync, readFileSync } from 'node:fs';
import nodeModule from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Where sifhub's own files are (package.json, astro.config.mjs, src/pages/), whether it runs from
// its sources (src/, a checkout or the GitHub Action) or compiled (lib/src/, an npm install).

function findPackageRoot(from: string): string {
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'astro.config.mjs')) && existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`sifhub's package folder (with astro.config.mjs) is not above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(fileURLToPath(import.meta.url));

/** Where sifhub was started: a relative SIFHUB_CACHE_DIR is taken from there, as the user wrote it, even while Astro renders from another working directory. */
const STARTED_IN = process.cwd();

/** SIFHUB_CACHE_DIR, else node_modules/.cache/sifhub/ of this checkout of sifhub. */
export function cacheDir(): string {
  const chosen = process.env.SIFHUB_CACHE_DIR;
  return chosen ? path.resolve(STARTED_IN, chosen) : path.join(PACKAGE_ROOT, 'node_modules', '.cache', 'sifhub');
}

/**
 * Node keeps what it compiled of sifhub's and Astro's modules beside sifhub's other caches (which
 * CI saves and restores), so a build does not compile its thousand modules again: about 0.3 s.
 * Called by the command before it loads the rest.
 */
export function keepCompiledModules(): void {
  // Not a named import: `sifhub` must reach its own message on a Node too old to have it.
  (nodeModule as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache?.(path.join(cacheDir(), 'compile'));
}

/**
 * How Node should run a build: with a young generation of 16 MB a side rather than V8's 64 MB,
 * the build's many short-lived objects are collected while they are still in the processor's
 * cache. On a 10,000-tag registry: 13% less CPU for a full build, 10% less wall time for a
 * one-record rebuild (docs/scale.md). A V8 flag must be given when Node starts: the publish
 * workflows (action.yml, GitLab's) and `npm run build` give it.
 */
export const BUILD_NODE_OPTIONS = '--max-semi-space-size=16';

/** sifhub's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The Node versions sifhub runs on, from its package.json's engines (">=22.12.0"). */
export function packageEngines(): { node: string } {
  return (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines;
}
