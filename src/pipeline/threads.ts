/** How many threads and files at once a backfill uses unless told (the CLI shows them in `--help`). */
import { availableParallelism } from 'node:os';

/** Threads a backfill uses unless told: one per core, up to 4 (each adds ~60-100 MB of memory). */
export const DEFAULT_THREADS = Math.min(availableParallelism(), 4);
/** Files each thread indexes at once: one is being parsed while another waits on S3 or a bulk answer. */
export const DEFAULT_FILES_PER_THREAD = 2;
