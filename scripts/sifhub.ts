#!/usr/bin/env node
// The `sifhub` command. Before anything else is loaded, the running Node is compared with the
// range package.json's `engines` names: npm only warns about it, and an older Node gets through
// init and inspect, then fails deep inside a build with an error that seems to be sifhub's.
import { keepCompiledModules, packageEngines } from '../src/package-root-node.ts';

const needed = packageEngines().node;
const problem = nodeProblem(needed, process.versions.node);
if (problem !== undefined) {
  console.error(`sifhub needs Node.js ${needed}; this is Node.js ${process.versions.node} (${process.execPath}). ${problem}`);
  process.exit(3);
}
keepCompiledModules();
await import('../src/commands/cli.ts');

/** Why `version` does not satisfy `range` (">=22.12.0", the only form sifhub declares), with how to get a Node that does. */
function nodeProblem(range: string, version: string): string | undefined {
  const minimum = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(range.trim());
  if (!minimum) return undefined;
  const have = version.split('.').map(Number);
  const want = minimum.slice(1).map(Number);
  for (let i = 0; i < 3; i++) {
    if (have[i]! > want[i]!) return undefined;
    if (have[i]! < want[i]!) return `Install Node.js 24 (https://nodejs.org, your package manager, or \`nvm install 24\`; the repository's .nvmrc names it), then run sifhub again.`;
  }
  return undefined;
}
