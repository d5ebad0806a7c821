import type { Progress } from '../progress.ts';
import { formatBytes } from '../site/format.ts';

const WIDTH = 24;

/** A one-line progress bar on stderr, redrawn at most ten times a second. */
export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || total <= 0) return { update() {}, finish() {} };
  const started = performance.now();
  // The first update draws at once, however soon after the process started.
  let drawn = -Infinity;
  let last = 0;
  const draw = (done: number) => {
    const fraction = Math.min(1, done / total);
    const filled = Math.round(fraction * WIDTH);
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? `${formatBytes(Math.round(done / seconds))}/s` : '';
    stream.write(`\r${label} [${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${formatBytes(done)} of ${formatBytes(total)} ${rate}\x1b[K`);
    drawn = performance.now();
  };
  return {
    update(done) {
      last = done;
      if (performance.now() - drawn >= 100) draw(done);
    },
    finish() {
      draw(Math.max(last, total));
      stream.write('\n');
    },
  };
}
