/**
 * The decode stage: bytes of a (usually gzipped) CloudTrail log file → one record at a time,
 * in bounded memory. See decode.ts (bytes → JSON bytes) and splitter.ts (JSON bytes → records).
 */
import { decodedStream, type ByteSource } from './decode.js';
import { splitRecordBatches, splitRecords, type SplitRecord } from './splitter.js';

export { decodedStream, type ByteSource, type DecodeOptions } from './decode.js';
export {
  splitRecordBatches,
  splitRecords,
  RecordSplitter,
  type SplitOptions,
  type SplitRecord,
} from './splitter.js';
export { RecordStreamError, type RecordStreamErrorKind, type StreamPosition } from './errors.js';

export interface ReadRecordsOptions {
  /** Fail the file once it decompresses to more than this many bytes (MAX_DECOMPRESSED_BYTES). */
  maxDecompressedBytes: number;
  /** Elements larger than this are yielded flagged `tooLarge`, without bytes (MAX_RECORD_BYTES). */
  maxRecordBytes: number;
  /** Names the file in every error message, e.g. `s3://bucket/key`. */
  sourceName: string;
  /** Sees each decompressed chunk before it is split (e.g. to hash the file in the same pass). */
  onDecoded?: (chunk: Buffer) => void;
}

/**
 * Every element of the file's "Records" array, in order. Throws RecordStreamError for a malformed
 * file, only after yielding every record before the fault; errors of `source` itself pass through.
 * Stopping early (break/return) closes `source`.
 */
export function readRecords(source: ByteSource, options: ReadRecordsOptions): AsyncGenerator<SplitRecord> {
  return splitRecords(decoded(source, options), splitOptions(options));
}

/**
 * Exactly the records of readRecords (same order, same fields, same errors), handed over in
 * batches: one array per decompressed chunk (256 KiB, about 170 CloudTrail records), holding
 * the records that chunk completes. Never yields an empty array. Lets the consumer run a
 * synchronous loop per batch instead of an await per record:
 *
 *     for await (const batch of readRecordBatches(source, options))
 *       for (const record of batch) handle(record);
 *
 * On a malformed file it first yields the records before the fault (possibly as a shorter last
 * batch), then throws the RecordStreamError readRecords would; errors of `source` pass through.
 * Records are views into the decoded chunk, as with readRecords. Stopping early closes `source`.
 */
export function readRecordBatches(
  source: ByteSource,
  options: ReadRecordsOptions,
): AsyncGenerator<SplitRecord[]> {
  return splitRecordBatches(decoded(source, options), splitOptions(options));
}

function decoded(source: ByteSource, options: ReadRecordsOptions): AsyncGenerator<Buffer> {
  const chunks = decodedStream(source, {
    maxDecompressedBytes: options.maxDecompressedBytes,
    sourceName: options.sourceName,
  });
  return options.onDecoded ? observed(chunks, options.onDecoded) : chunks;
}

async function* observed(
  chunks: AsyncGenerator<Buffer>,
  observe: (chunk: Buffer) => void,
): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    observe(chunk);
    yield chunk;
  }
}

function splitOptions(options: ReadRecordsOptions) {
  return { maxRecordBytes: options.maxRecordBytes, sourceName: options.sourceName };
}
