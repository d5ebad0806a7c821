// Timing the build's stages: each stage's seconds, and a hook at each start (the benchmark
// attributes memory to stages through it).

export interface StageTiming {
  stage: string;
  seconds: number;
}

export type Timer = <T>(stage: string, run: () => Promise<T> | T) => Promise<T>;

/** Runs each stage without timing it. */
export const untimed: Timer = async (_, run) => run();

/** Times each stage into `timings`; `onStage` hears each start. */
export function timer(timings: StageTiming[], onStage?: (stage: string) => void): Timer {
  return async (stage, run) => {
    onStage?.(stage);
    const start = performance.now();
    try {
      return await run();
    } finally {
      if (process.env.SIFHUB_TRACE) console.error(`TRACE ${stage.padEnd(16)} ${(start / 1000).toFixed(2)} → ${(performance.now() / 1000).toFixed(2)}`);
      timings.push({ stage, seconds: (performance.now() - start) / 1000 });
    }
  };
}
