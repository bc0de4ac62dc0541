/**
 * A bound on the files one Lambda invocation indexes at once. Powertools runs the messages of an SQS
 * batch in parallel (up to 10, each naming one or more files), and every file in flight holds its own
 * bulk bodies and zlib buffers, so without a bound a batch of large files could exhaust a small
 * function's memory. The bound follows the memory the function was given.
 */

/** Memory one file in flight may need: bulk bodies (2 × 5 MiB), their sources, zlib, with headroom. */
const MB_PER_FILE = 256;
const MAX_FILES = 10;

/** Files in flight for a function of `memoryMb` (AWS_LAMBDA_FUNCTION_MEMORY_SIZE): 512 MB → 2. */
export function filesInFlight(memoryMb: number | undefined): number {
  if (memoryMb === undefined || !Number.isFinite(memoryMb) || memoryMb <= 0) return 1;
  return Math.min(MAX_FILES, Math.max(1, Math.floor(memoryMb / MB_PER_FILE)));
}

/** A counting semaphore: run() waits for a free slot, in call order. */
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter, or give it back.
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
