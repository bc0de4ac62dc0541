/**
 * The decode stage: bytes of a (usually gzipped) CloudTrail log file → one record at a time,
 * in bounded memory. See decode.ts (bytes → JSON bytes) and splitter.ts (JSON bytes → records).
 */
import { decodedStream, type ByteSource } from './decode.js';
import { splitRecords, type SplitRecord } from './splitter.js';

export { decodedStream, type ByteSource, type DecodeOptions } from './decode.js';
export { splitRecords, RecordSplitter, type SplitOptions, type SplitRecord } from './splitter.js';
export { RecordStreamError, type RecordStreamErrorKind, type StreamPosition } from './errors.js';

export interface ReadRecordsOptions {
  /** Fail the file once it decompresses to more than this many bytes (MAX_DECOMPRESSED_BYTES). */
  maxDecompressedBytes: number;
  /** Elements larger than this are yielded flagged `tooLarge`, without bytes (MAX_RECORD_BYTES). */
  maxRecordBytes: number;
  /** Names the file in every error message, e.g. `s3://bucket/key`. */
  sourceName: string;
}

/**
 * Every element of the file's "Records" array, in order. Throws RecordStreamError for a malformed
 * file, only after yielding every record before the fault; errors of `source` itself pass through.
 * Stopping early (break/return) closes `source`.
 */
export function readRecords(source: ByteSource, options: ReadRecordsOptions): AsyncGenerator<SplitRecord> {
  const decoded = decodedStream(source, {
    maxDecompressedBytes: options.maxDecompressedBytes,
    sourceName: options.sourceName,
  });
  return splitRecords(decoded, { maxRecordBytes: options.maxRecordBytes, sourceName: options.sourceName });
}
