/**
 * The SHA-256 of a file's decompressed bytes, computed as they stream (no second read), on the thread
 * that decodes them or on a hashing thread of its own.
 *
 * Hashing costs about 1 µs of CPU per CloudTrail record (native code at the CPU's SHA speed, ~1.6 GB/s
 * here), about 4 % of what the pipeline spends on a record; it is already fed the decoder's 256 KiB
 * chunks in place, so on this thread nothing is left to cut but the hash itself. Where the process has a second CPU,
 * a hashing thread takes that off the pipeline's thread: the pipeline thread only copies each decoded
 * chunk (the splitter still reads the original) and posts it. Where it has not (a Lambda function gets
 * one vCPU at 1,769 MB, a fraction below), the thread would compete with the pipeline for the same CPU
 * and add the copies, so the bytes are hashed in place instead.
 *
 * Memory stays bounded: the bytes posted and not yet hashed, over every file sharing the thread, are
 * capped (MAX_QUEUED_BYTES); past it `backlog()` gives a promise the file's record loop waits on.
 */
import { createHash, type Hash } from 'node:crypto';
import type * as Crypto from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type * as WorkerThreads from 'node:worker_threads';

/** Where the hashing runs: `auto` picks `worker` when the process has a second CPU to run it on. */
export type HashingMode = 'auto' | 'worker' | 'main-thread';

/** One file's running hash. */
export interface FileHash {
  update(chunk: Buffer): void;
  /** A promise while the hashing thread is too far behind: wait on it before decoding more. */
  backlog(): Promise<void> | undefined;
  /** The hex SHA-256 of every byte given to `update`; rejects when the hashing thread failed. */
  digest(): Promise<string>;
  /** The file was not read to its end: its hash is not wanted. */
  discard(): void;
}

/** Bytes posted to the hashing thread and not hashed yet: 16 of the decoder's 256 KiB blocks. */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/** Memory at which Lambda gives a function one full vCPU (its CPU share is proportional to memory). */
const LAMBDA_MB_PER_VCPU = 1769;

/** `worker` or `main-thread` for `auto`: a thread of its own only pays where it gets a CPU of its own. */
export function resolveHashingMode(
  mode: HashingMode,
  env: NodeJS.ProcessEnv = process.env,
  cpus = availableParallelism(),
): 'worker' | 'main-thread' {
  if (mode !== 'auto') return mode;
  const lambdaMb = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  if (lambdaMb > 0) return lambdaMb > LAMBDA_MB_PER_VCPU ? 'worker' : 'main-thread';
  return cpus > 1 ? 'worker' : 'main-thread';
}

/** Makes each file's hash: in place, or on one hashing thread shared by the files of this instance. */
export class FileHasher {
  private readonly mode: 'worker' | 'main-thread';
  private thread: HashThread | undefined;

  /**
   * The default is the pipeline's own thread: the hashing thread cost more CPU per record (copies,
   * messages: 1.13× against 1.05× in place on a quiet machine) and did not raise the wall-clock rate on
   * a 2-core machine (BENCHMARKS.md, ledger section). `worker` and `auto` are there to measure.
   */
  constructor(mode: HashingMode = 'main-thread') {
    this.mode = resolveHashingMode(mode);
  }

  open(): FileHash {
    if (this.mode === 'main-thread') return new InPlaceHash();
    // A thread that failed is replaced for the files that start after it; its own files fail.
    if (this.thread === undefined || this.thread.failure !== undefined) this.thread = new HashThread();
    return this.thread.open();
  }
}

class InPlaceHash implements FileHash {
  private readonly hash: Hash = createHash('sha256');

  update(chunk: Buffer): void {
    this.hash.update(chunk);
  }

  backlog(): undefined {
    return undefined;
  }

  digest(): Promise<string> {
    return Promise.resolve(this.hash.digest('hex'));
  }

  discard(): void {}
}

type ToHasher = { id: number; chunk: Uint8Array } | { id: number; end: true } | { id: number; drop: true };
type FromHasher = { id: number; hashed: number } | { id: number; hex: string };

/**
 * The hashing thread's whole program. It runs from source text (`eval`), so that the Lambda's one-file
 * bundle needs no second file: it may use nothing but its arguments and globals.
 */
function hashingThreadMain(threads: typeof WorkerThreads, crypto: typeof Crypto): void {
  const port = threads.parentPort!;
  const hashes = new Map<number, Crypto.Hash>();
  port.on('message', (message: ToHasher) => {
    if ('chunk' in message) {
      let hash = hashes.get(message.id);
      if (hash === undefined) hashes.set(message.id, (hash = crypto.createHash('sha256')));
      hash.update(message.chunk);
      port.postMessage({ id: message.id, hashed: message.chunk.byteLength } satisfies FromHasher);
    } else if ('end' in message) {
      const hex = (hashes.get(message.id) ?? crypto.createHash('sha256')).digest('hex');
      hashes.delete(message.id);
      port.postMessage({ id: message.id, hex } satisfies FromHasher);
    } else {
      hashes.delete(message.id);
    }
  });
}

const HASHING_THREAD_SOURCE = `(${hashingThreadMain.toString()})(require('node:worker_threads'), require('node:crypto'))`;

/** It holds a few small messages at a time; the chunks it hashes live outside its heap. */
const HASHING_THREAD_YOUNG_GENERATION_MB = 2;

/** One hashing thread and the files it hashes. */
class HashThread {
  private readonly worker: Worker;
  private nextId = 0;
  private queuedBytes = 0;
  private readonly digests = new Map<number, { resolve(hex: string): void; reject(error: Error): void }>();
  private drained: { promise: Promise<void>; resolve(): void } | undefined;
  failure: Error | undefined;

  constructor() {
    this.worker = new Worker(HASHING_THREAD_SOURCE, {
      eval: true,
      resourceLimits: { maxYoungGenerationSizeMb: HASHING_THREAD_YOUNG_GENERATION_MB },
    });
    // The thread never keeps the process alive by itself; only a file waiting on it does (see keepAlive).
    this.worker.unref();
    this.worker.on('message', (message: FromHasher) => this.received(message));
    this.worker.on('error', (error: Error) => this.fail(error));
    this.worker.on('exit', (code: number) =>
      this.fail(new Error(`the hashing thread exited (code ${code})`)),
    );
  }

  open(): FileHash {
    const id = this.nextId++;
    let ended = false;
    return {
      update: (chunk) => {
        if (this.failure !== undefined) return;
        // A copy: the record splitter still reads the decoded chunk. The copy's memory moves to the thread.
        const copy = new Uint8Array(chunk);
        this.queuedBytes += copy.byteLength;
        this.worker.postMessage({ id, chunk: copy } satisfies ToHasher, [copy.buffer]);
      },
      backlog: () => this.backlog(),
      digest: () => {
        ended = true;
        if (this.failure !== undefined) return Promise.reject(this.failure);
        return new Promise<string>((resolve, reject) => {
          this.digests.set(id, { resolve, reject });
          this.keepAlive();
          this.worker.postMessage({ id, end: true } satisfies ToHasher);
        });
      },
      discard: () => {
        if (ended || this.failure !== undefined) return;
        ended = true;
        this.worker.postMessage({ id, drop: true } satisfies ToHasher);
      },
    };
  }

  private backlog(): Promise<void> | undefined {
    if (this.queuedBytes <= MAX_QUEUED_BYTES || this.failure !== undefined) return undefined;
    if (this.drained === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.drained = { promise, resolve };
      this.keepAlive();
    }
    return this.drained.promise;
  }

  private received(message: FromHasher): void {
    if ('hashed' in message) {
      this.queuedBytes -= message.hashed;
      // Resumed at half the cap, so a file does not stop and start on every chunk.
      if (this.drained !== undefined && this.queuedBytes <= MAX_QUEUED_BYTES / 2) this.release();
      return;
    }
    const waiting = this.digests.get(message.id);
    this.digests.delete(message.id);
    waiting?.resolve(message.hex);
    this.keepAlive();
  }

  private release(): void {
    const drained = this.drained;
    this.drained = undefined;
    drained?.resolve();
    this.keepAlive();
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = new Error(`hashing the decompressed bytes failed: ${error.message}`);
    for (const waiting of this.digests.values()) waiting.reject(this.failure);
    this.digests.clear();
    this.queuedBytes = 0;
    this.release();
    void this.worker.terminate();
  }

  /** The thread keeps the process alive exactly while a file waits on it. */
  private keepAlive(): void {
    if (this.digests.size > 0 || this.drained !== undefined) this.worker.ref();
    else this.worker.unref();
  }
}
