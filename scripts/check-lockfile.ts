#!/usr/bin/env node
// Fails when package-lock.json lacks a platform package that a dependency lists as optional
// (pagefind's and Astro's native builds, esbuild's binaries). `npm install` silently writes such
// a lockfile when a registry mirror lacks a platform's build, and `npm ci` then fails on that
// platform: on a user's Mac, not on the Linux machine that wrote the lockfile.
import { readFileSync } from 'node:fs';

interface LockPackage {
  optionalDependencies?: Record<string, string>;
}

const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, LockPackage> };
const missing: string[] = [];
for (const [where, pkg] of Object.entries(lock.packages)) {
  for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
    // npm places a dependency beside its dependant or hoists it to the top.
    const nested = `${where ? `${where}/` : ''}node_modules/${name}`;
    if (!lock.packages[nested] && !lock.packages[`node_modules/${name}`]) missing.push(`${name} (optional dependency of ${where || 'the project'})`);
  }
}
if (missing.length > 0) {
  console.error(`✖ package-lock.json lacks ${missing.length} platform package(s); \`npm ci\` would fail where they are needed:\n  ${missing.join('\n  ')}\nPick a version whose platform packages are all published (see DEVELOPERS.md), then \`rm -rf node_modules && npm ci\`.`);
  process.exit(1);
}
console.log('✔ package-lock.json has every platform package');
