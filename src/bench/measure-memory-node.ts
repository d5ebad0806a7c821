import { Worker } from 'node:worker_threads';

// Peak memory per build stage, as the machine sees it: the resident set of this process and of
// every process it started (pagefind's indexer is a separate binary). A worker thread samples
// /proc, so the probe keeps sampling while the main thread is busy rendering.

export interface MemoryProbe {
  /** The stage now running; later samples count towards it. */
  stage(name: string): void;
  /** Stops sampling; peak bytes per stage, and overall. */
  stop(): Promise<{ byStage: Map<string, number>; peak: number }>;
}

const SAMPLER = `
const { parentPort } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const rssOf = (pid) => {
  try {
    const m = /VmRSS:\\s+(\\d+) kB/.exec(readFileSync('/proc/' + pid + '/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch { return 0; }
};
const childrenOf = (pid) => {
  const found = [];
  try {
    for (const tid of require('node:fs').readdirSync('/proc/' + pid + '/task')) {
      const text = readFileSync('/proc/' + pid + '/task/' + tid + '/children', 'utf8').trim();
      if (text) found.push(...text.split(/\\s+/).map(Number));
    }
  } catch {}
  return found;
};
const treeRss = (pid) => rssOf(pid) + childrenOf(pid).reduce((sum, child) => sum + treeRss(child), 0);
let stage = 'start';
const peaks = new Map();
const sample = () => {
  const rss = treeRss(process.pid);
  if (rss > (peaks.get(stage) ?? 0)) peaks.set(stage, rss);
};
const timer = setInterval(sample, 20);
parentPort.on('message', (message) => {
  sample();
  if (message.stage) { stage = message.stage; sample(); }
  if (message.stop) { clearInterval(timer); parentPort.postMessage([...peaks]); }
});
`;

export function startMemoryProbe(): MemoryProbe {
  const worker = new Worker(SAMPLER, { eval: true });
  worker.unref();
  return {
    stage: (name) => worker.postMessage({ stage: name }),
    stop: async () => {
      const peaks = await new Promise<[string, number][]>((resolve) => {
        worker.once('message', resolve);
        worker.postMessage({ stop: true });
      });
      await worker.terminate();
      const byStage = new Map(peaks);
      // The kernel's own high-water mark catches a spike between two samples.
      const kernelPeak = process.resourceUsage().maxRSS * 1024;
      return { byStage, peak: Math.max(kernelPeak, ...byStage.values()) };
    },
  };
}
