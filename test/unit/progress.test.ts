import { describe, expect, it } from 'vitest';
import { progressBar } from '../../src/commands/progress-tty.ts';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream };
}

describe('progress bar', () => {
  it('draws on a terminal and ends with a full bar and a newline', () => {
    const out = stream(true);
    const bar = progressBar('Hashing', 4 * 1024 * 1024, out.stream);
    bar.update(1024 * 1024);
    bar.finish();
    expect(out.written[0]).toMatch(/^\rHashing \[█{6}░{18}\]  25% 1\.00 MiB of 4\.00 MiB /);
    expect(out.written.at(-2)).toMatch(/^\rHashing \[█{24}\] 100% 4\.00 MiB of 4\.00 MiB /);
    expect(out.written.at(-1)).toBe('\n');
  });

  it('writes nothing when output is not a terminal (CI logs)', () => {
    const out = stream(false);
    const bar = progressBar('Hashing', 100, out.stream);
    bar.update(50);
    bar.finish();
    expect(out.written).toEqual([]);
  });
});
