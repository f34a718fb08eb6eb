import { perSecond } from './stats.js';

export interface LoadResult {
  /** Iterations that completed without throwing. */
  readonly ok: number;
  readonly errors: number;
  /** A few distinct error messages, enough to tell what went wrong without flooding the report. */
  readonly errorSamples: string[];
  /** From the start until the last worker finished its last iteration. */
  readonly elapsedMs: number;
  /** Successful iterations per second. */
  readonly perSec: number;
}

const MAX_ERROR_SAMPLES = 5;

/**
 * Closed-loop load: `concurrency` workers each run `iteration` back to back until the deadline. An iteration in
 * flight at the deadline is allowed to finish (never cancelled), so when this resolves nothing is still running and
 * whatever the caller counts between start and return belongs to exactly these iterations. The elapsed time includes
 * that drain, so throughput is not overstated.
 */
export async function runLoad(
  concurrency: number,
  durationMs: number,
  iteration: (worker: number, seq: number) => Promise<void>,
): Promise<LoadResult> {
  let ok = 0;
  let errors = 0;
  const errorSamples = new Set<string>();
  const start = performance.now();
  const deadline = start + durationMs;

  const worker = async (id: number): Promise<void> => {
    for (let seq = 0; performance.now() < deadline; seq += 1) {
      try {
        await iteration(id, seq);
        ok += 1;
      } catch (error) {
        errors += 1;
        if (errorSamples.size < MAX_ERROR_SAMPLES) errorSamples.add(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, id) => worker(id)));

  const elapsedMs = performance.now() - start;
  return { ok, errors, errorSamples: [...errorSamples], elapsedMs, perSec: perSecond(ok, elapsedMs) };
}
