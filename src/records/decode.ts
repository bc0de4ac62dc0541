/**
 * Bytes of a log file → its plain JSON bytes. Gzip (sniffed by its magic bytes, not the file
 * name) is inflated by zlib on libuv's thread pool, member after member; anything else passes
 * through untouched. Memory stays bounded: nothing is read from the source until the consumer
 * pulls, and zlib holds at most a chunk or two in flight.
 */
import { Readable, pipeline, type TransformOptions } from 'node:stream';
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
// writes on CloudTrail files (scripts/bench-records.ts); 1 MiB blocks gained little more.
const INFLATE_BLOCK_BYTES = 256 * 1024;
// zlib passes stream options on to its Transform. A readable buffer of a few blocks lets zlib
// inflate the next blocks on the thread pool while the splitter scans this one (with the default
// 16 KiB it would sit idle); the buffer is still bounded.
const inflateOptions: ZlibOptions & TransformOptions = {
  chunkSize: INFLATE_BLOCK_BYTES,
  readableHighWaterMark: 4 * INFLATE_BLOCK_BYTES,
};
// Compressed bytes handed to zlib per write: bounds how precisely a corrupt spot can be placed
// (each write is also a thread-pool round trip, so smaller slices cost CPU).
const WRITE_SLICE_BYTES = 64 * 1024;

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
  const all = withHead(head, input);
  const firstBytes = Buffer.concat(head, Math.min(headLength, GZIP_MAGIC.length));
  const isGzip = firstBytes[0] === GZIP_MAGIC[0] && firstBytes[1] === GZIP_MAGIC[1];
  try {
    yield* limited(isGzip ? gunzipped(all, options.sourceName) : all, options);
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

/** Passes chunks on, failing once their total passes maxDecompressedBytes. */
async function* limited(chunks: AsyncIterable<Buffer>, options: DecodeOptions): AsyncGenerator<Buffer> {
  const max = options.maxDecompressedBytes;
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.length;
    if (total > max) {
      throw new RecordStreamError(
        'limit',
        options.sourceName,
        `decompressed size exceeds ${max} bytes (MAX_DECOMPRESSED_BYTES)`,
        { byte: max },
      );
    }
    yield chunk;
  }
}

/** Inflates gzip members back to back. zlib faults become 'gzip' RecordStreamErrors. */
async function* gunzipped(compressed: CountedChunks, sourceName: string): AsyncGenerator<Buffer> {
  const gunzip = createGunzip(inflateOptions);
  // Compressed bytes zlib had fully consumed when it failed: the fault lies at or just after this.
  let consumedAtFault = 0;
  gunzip.on('error', () => {
    consumedAtFault = gunzip.bytesWritten;
  });
  // pipeline: source errors destroy gunzip (and surface below); destroying gunzip closes the source.
  const inflated = pipeline(Readable.from(compressed, { objectMode: false }), gunzip, () => {});
  try {
    for await (const chunk of inflated as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    if (!isZlibError(error)) throw error;
    // zlib does not say where it failed. A truncated stream fails where the input ended; otherwise
    // the fault lies between what zlib had consumed and what it had been given.
    const given = compressed.bytesRead;
    const truncated = error.code === 'Z_BUF_ERROR';
    const byte = truncated ? given : consumedAtFault;
    const where = truncated
      ? `at compressed byte ${given}`
      : `in compressed bytes ${consumedAtFault}-${given}`;
    throw new RecordStreamError(
      'gzip',
      sourceName,
      `not valid gzip ${where}: ${error.message}`,
      { byte },
      { cause: error },
    );
  } finally {
    gunzip.destroy();
  }
}

function isZlibError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | undefined)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('Z_');
}

/** An async iterable of chunks that also tells how many bytes it has handed out so far. */
interface CountedChunks extends AsyncIterable<Buffer> {
  readonly bytesRead: number;
}

/**
 * The sniffed head chunks, then the rest of `rest`, in slices of at most WRITE_SLICE_BYTES
 * (so a zlib fault can be placed within a slice), counting bytes. Closing it closes `rest`.
 */
function withHead(head: Buffer[], rest: AsyncGenerator<Buffer>): CountedChunks {
  function* sliced(chunk: Buffer): Generator<Buffer> {
    for (let at = 0; at < chunk.length; at += WRITE_SLICE_BYTES) {
      const slice = chunk.subarray(at, at + WRITE_SLICE_BYTES);
      counted.bytesRead += slice.length;
      yield slice;
    }
  }
  const counted = {
    bytesRead: 0,
    async *[Symbol.asyncIterator]() {
      for (const chunk of head) yield* sliced(chunk);
      // Iterating `rest` directly (not with for-await over a fresh iterable) keeps its position.
      try {
        for (let next = await rest.next(); !next.done; next = await rest.next()) yield* sliced(next.value);
      } finally {
        await rest.return(undefined);
      }
    },
  };
  return counted;
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
