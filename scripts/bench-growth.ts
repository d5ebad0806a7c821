#!/usr/bin/env node
// `node scripts/bench-growth.ts SMALL.json LARGE.json`: how each stage of the full build and the
// one-record rebuild grows between two `npm run bench` runs (their last lines, saved), as the
// exponent k in time ∝ tags^k. Linear is 1; no stage may grow faster (DESIGN §6). Stages
// under 0.2 s in both runs are left out: their timings are noise.
import { readFile } from 'node:fs/promises';
import { styleText } from 'node:util';

interface Run {
  tags: number;
  buildSeconds: number;
  incrementalSeconds: number;
  stages: { stage: string; seconds: number }[];
  incrementalStages?: { stage: string; seconds: number }[];
}

const [smallFile, largeFile] = process.argv.slice(2);
if (!smallFile || !largeFile) {
  console.error('Usage: node scripts/bench-growth.ts SMALL.json LARGE.json   (the last line of two `npm run bench` runs)');
  process.exit(2);
}
const read = async (file: string) => JSON.parse((await readFile(file, 'utf8')).trim().split('\n').at(-1)!) as Run;
const [small, large] = await Promise.all([read(smallFile), read(largeFile)]);
const scale = Math.log(large.tags / small.tags);
const exponent = (a: number, b: number) => Math.log(b / a) / scale;
const mark = (k: number) => (k <= 1.1 ? styleText('green', '✔') : styleText('red', '✖'));

function table(title: string, a: { stage: string; seconds: number }[], b: { stage: string; seconds: number }[], total: [number, number]): void {
  console.log(`${title}: ${total[0].toFixed(1)} s → ${total[1].toFixed(1)} s, k = ${exponent(...total).toFixed(2)} ${mark(exponent(...total))}`);
  for (const stage of a) {
    const other = b.find((s) => s.stage === stage.stage);
    if (!other || (stage.seconds < 0.2 && other.seconds < 0.2)) continue;
    const k = exponent(Math.max(stage.seconds, 0.01), Math.max(other.seconds, 0.01));
    console.log(`  ${stage.stage.padEnd(16)} ${stage.seconds.toFixed(2).padStart(8)} s → ${other.seconds.toFixed(2).padStart(8)} s   k = ${k.toFixed(2)} ${mark(k)}`);
  }
}

console.log(`${small.tags.toLocaleString('en')} → ${large.tags.toLocaleString('en')} tags (×${(large.tags / small.tags).toFixed(0)}); k ≤ 1.1 counts as linear (timings vary by a tenth)`);
table('Full build', small.stages, large.stages, [small.buildSeconds, large.buildSeconds]);
if (small.incrementalStages && large.incrementalStages) table('One-record rebuild', small.incrementalStages, large.incrementalStages, [small.incrementalSeconds, large.incrementalSeconds]);
