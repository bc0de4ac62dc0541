/**
 * Bytes of a log file → its plain JSON bytes. Gzip (sniffed by its magic bytes, not the file
 * name) is inflated by zlib on libuv's thread pool, member after member; anything else passes
 * through untouched. Memory stays bounded: nothing is read from the source until the consumer
 * pulls, and zlib holds at most a few output blocks in flight.
 */
import type { Readable, TransformOptions } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { RecordStreamError } from './errors.js';

/** What a file's bytes may come as: an S3 Body / fs stream, or any async iterable of bytes. */
export type ByteSource = AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

export interface DecodeOptions {
  /** Fail once the decoded output passes this many bytes (guards against gzip bombs). */
  maxDecompressedBytes: number;
  /** Names the file in error messages. */
  sourceName: string;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;
// zlib's default output block is 16 KiB; larger blocks mean fewer thread-pool round trips and
// chunks. 256 KiB (with 64 KiB writes) cost ~20% less CPU per record than 64 KiB blocks with 16 KiB
// writes on CloudTrail files (scripts/bench-records.ts); 1 MiB blocks gain ~3% more main-thread
// CPU, not worth four times the memory per file in flight.
const INFLATE_BLOCK_BYTES = 256 * 1024;
// zlib passes stream options on to its Transform. Its readable buffer holds the blocks inflated
// while the consumer is still busy with earlier ones (see gunzipped).
const inflateOptions: ZlibOptions & TransformOptions = {
  chunkSize: INFLATE_BLOCK_BYTES,
  readableHighWaterMark: 2 * INFLATE_BLOCK_BYTES,
};
// Output blocks waiting for the consumer before zlib's output is paused.
const OUTPUT_QUEUE = 2;
// Compressed bytes handed to zlib per write: bounds how precisely a corrupt spot can be placed.
// Each write is also a thread-pool round trip: 256 KiB (a whole read of a local file) cost ~5%
// less main-thread CPU per record than 64 KiB.
const WRITE_SLICE_BYTES = 256 * 1024;

export async function* decodedStream(source: ByteSource, options: DecodeOptions): AsyncGenerator<Buffer> {
  const input = byteChunks(source);
  const head: Buffer[] = [];
  let headLength = 0;
  try {
    while (headLength < GZIP_MAGIC.length) {
      const next = await input.next();
      if (next.done) break;
      head.push(next.value);
      headLength += next.value.length;
    }
  } catch (error) {
    closeSource(source, input);
    throw error;
  }
  const firstBytes = Buffer.concat(head, Math.min(headLength, GZIP_MAGIC.length));
  const isGzip = firstBytes[0] === GZIP_MAGIC[0] && firstBytes[1] === GZIP_MAGIC[1];
  if (!isGzip && headLength > 0 && !mayStartJson(firstBytes[0]!)) {
    closeSource(source, input);
    throw notGzipError(firstBytes, options.sourceName);
  }
  try {
    const all = resumed(head, input);
    yield* isGzip ? gunzipped(all, options) : plain(all, options);
  } finally {
    closeSource(source, input);
  }
}

/**
 * Stops reading the source: after the end this is a no-op; after an error or an early stop it
 * releases the source (an S3 socket) at once. Not awaited: a source stalled mid-read would hold
 * the caller up, and a Node stream is destroyed outright anyway.
 */
function closeSource(source: ByteSource, input: AsyncGenerator<Buffer>): void {
  input.return(undefined).catch(() => undefined);
  const stream = source as Partial<Pick<Readable, 'destroy'>>;
  if (typeof stream.destroy === 'function') stream.destroy();
}

/** Plain JSON starts with `{`, `[`, white space or a UTF-8 byte order mark. */
function mayStartJson(byte: number): boolean {
  return byte === 0x7b || byte === 0x5b || byte === 0xef || byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

/** Neither gzip nor JSON: say so, rather than report a JSON syntax error at byte 0. */
function notGzipError(firstBytes: Buffer, sourceName: string): RecordStreamError {
  const seen = [...firstBytes].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
  return new RecordStreamError(
    'gzip',
    sourceName,
    `not gzip (it starts with bytes ${seen}; gzip starts with 1f 8b) and not plain JSON either: ` +
      'the file is corrupt or not a CloudTrail log file',
    { byte: 0 },
  );
}

function limitError(options: DecodeOptions): RecordStreamError {
  const max = options.maxDecompressedBytes;
  return new RecordStreamError(
    'limit',
    options.sourceName,
    `decompressed size exceeds ${max} bytes (MAX_DECOMPRESSED_BYTES)`,
    { byte: max },
  );
}

/** Input that is not gzip: passed on as it comes, up to maxDecompressedBytes. */
async function* plain(input: AsyncGenerator<Buffer>, options: DecodeOptions): AsyncGenerator<Buffer> {
  let total = 0;
  for (let next = await input.next(); !next.done; next = await input.next()) {
    total += next.value.length;
    if (total > options.maxDecompressedBytes) throw limitError(options);
    yield next.value;
  }
}

/** The sniffed head chunks, then the rest of the source. */
async function* resumed(head: Buffer[], rest: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  yield* head;
  // Iterating `rest` directly (not with for-await, which would close it on an early exit):
  // closing the source is decodedStream's job.
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/**
 * Inflates gzip members back to back, up to maxDecompressedBytes. zlib faults become 'gzip'
 * RecordStreamErrors; errors of the source pass through.
 *
 * One loop drives zlib by hand instead of piping streams into it (a pipeline, Readable.from and
 * the stream's async iterator cost more main-thread CPU than the inflating they wrap): it hands
 * zlib one slice of input at a time, reading the source only when zlib has used up the last
 * slice, and collects zlib's output blocks as they come; while the consumer works on one block,
 * zlib inflates the next on the thread pool. Output is paused once OUTPUT_QUEUE blocks wait, which
 * stops zlib: memory stays bounded, and a slow consumer stops the reading too.
 */
async function* gunzipped(input: AsyncGenerator<Buffer>, options: DecodeOptions): AsyncGenerator<Buffer> {
  const gunzip = createGunzip(inflateOptions);
  const blocks: Buffer[] = [];
  let ended = false;
  let failure: (Error & { code?: unknown }) | undefined;
  // Compressed bytes zlib had fully consumed when it failed: the fault lies at or just after this.
  let consumedAtFault = 0;
  let writing = false;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  gunzip.on('data', (block: Buffer) => {
    blocks.push(block);
    if (blocks.length >= OUTPUT_QUEUE) gunzip.pause();
    signal();
  });
  gunzip.on('end', () => {
    ended = true;
    signal();
  });
  gunzip.on('error', (error: Error) => {
    failure ??= error;
    consumedAtFault = gunzip.bytesWritten;
    signal();
  });
  const written = (): void => {
    writing = false;
    signal();
  };

  // The input chunk being handed to zlib, in slices of at most WRITE_SLICE_BYTES.
  let chunk: Buffer | undefined;
  let at = 0;
  let inputDone = false;
  let given = 0;
  let total = 0;
  const max = options.maxDecompressedBytes;
  try {
    for (;;) {
      const block = blocks.shift();
      if (block !== undefined) {
        if (blocks.length === 0 && gunzip.isPaused()) gunzip.resume();
        total += block.length;
        if (total > max) throw limitError(options);
        yield block;
        continue;
      }
      if (failure) throw gzipError(failure, consumedAtFault, given, options.sourceName);
      if (ended) return;
      if (!writing && !inputDone) {
        if (chunk === undefined || at >= chunk.length) {
          // Reading may take a while: look at zlib's news again before writing.
          const next = await input.next();
          if (next.done) {
            inputDone = true;
            gunzip.end();
          } else {
            chunk = next.value;
            at = 0;
          }
          continue;
        }
        const slice = chunk.subarray(at, at + WRITE_SLICE_BYTES);
        at += slice.length;
        given += slice.length;
        writing = true;
        gunzip.write(slice, written);
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    gunzip.destroy();
  }
}

/** A zlib fault as a 'gzip' RecordStreamError; anything else passes through. */
function gzipError(
  error: Error & { code?: unknown },
  consumedAtFault: number,
  given: number,
  sourceName: string,
): Error {
  if (!isZlibError(error)) return error;
  // zlib does not say where it failed. A truncated stream fails where the input ended; otherwise
  // the fault lies between what zlib had consumed and what it had been given.
  const truncated = error.code === 'Z_BUF_ERROR';
  const byte = truncated ? given : consumedAtFault;
  const where = truncated ? `at compressed byte ${given}` : `in compressed bytes ${consumedAtFault}-${given}`;
  return new RecordStreamError(
    'gzip',
    sourceName,
    `not valid gzip ${where}: ${error.message}`,
    { byte },
    { cause: error },
  );
}

function isZlibError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | undefined)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('Z_');
}

/** The source's chunks as non-empty Buffers (zero-copy views of Uint8Arrays). */
async function* byteChunks(source: ByteSource): AsyncGenerator<Buffer> {
  for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
    const bytes =
      typeof chunk === 'string'
        ? Buffer.from(chunk, 'utf8')
        : Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (bytes.length > 0) yield bytes;
  }
}
