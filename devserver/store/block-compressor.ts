/**
 * Compresses full `_source` blocks with Brotli on a worker thread, so the thread that parses and
 * indexes documents does not spend its time there (a tenth of its work when indexing CloudTrail).
 * One worker per dev server, started with the first block and never keeping the process alive.
 *
 * A block is handed over in shared memory (no copy either way but the compressed bytes); its store
 * keeps reading it from there until the compressed block arrives. If the worker fails, the blocks it
 * holds are compressed on the calling thread instead.
 */
import { brotliCompressSync, constants } from 'node:zlib';
import { Worker } from 'node:worker_threads';

export const blockBytes = 256 * 1024;

/** Brotli quality 0: CloudTrail JSON shrinks about seven-fold at a few microseconds per document. */
export const brotliFastest = {
  params: { [constants.BROTLI_PARAM_QUALITY]: 0, [constants.BROTLI_PARAM_SIZE_HINT]: blockBytes },
};

export function compressBlock(bytes: Uint8Array): Buffer {
  return brotliCompressSync(bytes, brotliFastest);
}

interface Job {
  bytes: Uint8Array;
  done: (compressed: Buffer) => void;
}

export interface CompressRequest {
  id: number;
  buffer: SharedArrayBuffer;
  length: number;
}

export interface CompressReply {
  id: number;
  compressed: ArrayBuffer;
}

export class BlockCompressor {
  private worker: Worker | undefined;
  private failed = false;
  private nextId = 0;
  private readonly jobs = new Map<number, Job>();

  /**
   * Compresses the first `length` bytes of `buffer` and calls `done` with the result, later (from
   * the event loop). The bytes must not change until then.
   */
  compress(buffer: SharedArrayBuffer, length: number, done: (compressed: Buffer) => void): void {
    const bytes = new Uint8Array(buffer, 0, length);
    if (this.failed) {
      queueMicrotask(() => done(compressBlock(bytes)));
      return;
    }
    const id = this.nextId++;
    this.jobs.set(id, { bytes, done });
    const request: CompressRequest = { id, buffer, length };
    this.start().postMessage(request);
  }

  /** Stops the worker; blocks still waiting stay uncompressed (their stores keep reading them raw). */
  close(): void {
    this.failed = true;
    this.jobs.clear();
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./compress-worker.js', import.meta.url));
    worker.on('message', (reply: CompressReply) => {
      const job = this.jobs.get(reply.id);
      if (!job) return;
      this.jobs.delete(reply.id);
      job.done(Buffer.from(reply.compressed));
    });
    worker.on('error', () => this.fail());
    worker.on('exit', () => this.fail());
    // After the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private fail(): void {
    if (this.failed) return;
    this.failed = true;
    this.worker = undefined;
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    for (const job of jobs) job.done(compressBlock(job.bytes));
  }
}
