import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { checkRecord, type CheckedRecord } from './check-record.ts';
import { isParseKept } from './check-registry.ts';
import { isTagRecordPath, KEYS_FOLDER } from './layout.ts';
import type { ContentCache, RegistryFile } from './types.ts';

// Parsing and checking tag records is most of a full build's first seconds (3 s of 10,000
// records here), on one core while the other waits for the pages. With many to check, a worker
// thread checks a share of them beside the main thread. checkRegistry then takes these results in
// place of checking the same files itself: the same function on the same text, so the same
// answers and problems, reported in the same order.

/** Below this many tag records to check, a worker's start (loading the schemas: 0.2 s) costs more than it saves. */
const ASIDE_FROM = 1000;

/** The main thread's share of the records to check (measured: 5,000 records take 2 s). */
const MAIN_SHARE = 0.58;

// check-record beside this module, as it runs: .ts from the sources, .js compiled.
const CHECK_RECORD = new URL(`./check-record${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;

// Inline JavaScript, as in sif/hash-file-fs.ts: the same code runs from src/ and compiled. The
// answers come back as one JSON text: a structured clone of 5,000 parsed records took 1.5 s,
// JSON a fifth of that. A checked record is JSON's data (YAML's, through the schema): nothing
// is lost on the way, which the tests hold it to.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.module).then(({ checkRecord }) => {
  parentPort.postMessage(JSON.stringify(workerData.files.map((file) => checkRecord(file, 'tag'))));
});
`;

/**
 * The tag records of `files` that need checking (no parse kept in `cache`), checked on two cores,
 * by path. Empty when there are too few to be worth a worker; a worker that fails leaves its share
 * out, for checkRegistry to check on the main thread as if there had been no worker.
 */
export async function checkTagRecordsAside(files: readonly RegistryFile[], cache?: ContentCache): Promise<Map<string, CheckedRecord<'tag'>>> {
  const pending = files.filter((f) => isTagRecordPath(f.path) && !f.path.startsWith(`${KEYS_FOLDER}/`) && !(cache && isParseKept(cache, f.blob)));
  const checked = new Map<string, CheckedRecord<'tag'>>();
  if (pending.length < ASIDE_FROM) return checked;
  // The worker starts late (0.3 s loading the schemas) and ends late (0.3 s of JSON): it takes
  // the smaller share, so both halves end together.
  const half = Math.floor(pending.length * MAIN_SHARE);
  const aside = pending.slice(half);
  const worker = new Worker(WORKER, { eval: true, workerData: { module: CHECK_RECORD, files: aside.map((f) => ({ display: f.display, text: f.text })) } });
  const answered = new Promise<CheckedRecord<'tag'>[]>((resolve, reject) => {
    worker.once('message', (text: string) => resolve(JSON.parse(text) as CheckedRecord<'tag'>[]));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the record checker stopped (exit code ${code})`)));
  });
  try {
    for (const file of pending.slice(0, half)) checked.set(file.path, checkRecord(file, 'tag'));
    const results = await answered.catch(() => undefined);
    if (results?.length === aside.length) aside.forEach((file, i) => checked.set(file.path, results[i]!));
    return checked;
  } finally {
    await worker.terminate();
  }
}
