/** Latency samples of one kind of request, with its failures, summarised as the benchmarks' tables print them. */
export class LatencySamples {
  readonly #ms: number[] = [];
  failures = 0;
  firstFailure: string | undefined;

  /** Times `work`; a throw counts as a failure (its time is not a latency sample) and is not rethrown. */
  async time(work: () => Promise<unknown>): Promise<void> {
    const started = performance.now();
    try {
      await work();
      this.#ms.push(performance.now() - started);
    } catch (error) {
      this.failures += 1;
      this.firstFailure ??= error instanceof Error ? error.message : String(error);
    }
  }

  get count(): number {
    return this.#ms.length;
  }

  /** The nearest-rank percentile `p` (0–100) in ms; NaN without samples. */
  percentile(p: number): number {
    if (this.#ms.length === 0) return Number.NaN;
    const sorted = [...this.#ms].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  }
}
