/**
 * The one error type of the decode stage. Every fault in a file's bytes (bad gzip, broken JSON,
 * a limit crossed) becomes a RecordStreamError naming the file and, where known, where in it.
 * Errors of the byte source itself (network, S3) are passed through untouched, so callers can
 * tell "this file is malformed" from "reading it failed, try again".
 */

/**
 * - `gzip`: the compressed bytes are corrupt or truncated.
 * - `json`: the decompressed bytes are not a well-formed CloudTrail document (includes truncation).
 * - `no-records`: a complete JSON object with no top-level `Records` array (e.g. a digest file).
 * - `limit`: a configured size limit was crossed.
 * - `not-object`: an element of `Records` is not an object (used for flagged records, see SplitRecord).
 */
export type RecordStreamErrorKind = 'gzip' | 'json' | 'no-records' | 'limit' | 'not-object';

export interface StreamPosition {
  /** Byte offset: in the decompressed stream, except for `gzip` errors where it counts compressed bytes. */
  byte?: number;
  /** 0-based index of the record being read when the fault was found (= records delivered before it). */
  record?: number;
}

export class RecordStreamError extends Error {
  override readonly name = 'RecordStreamError';
  readonly kind: RecordStreamErrorKind;
  readonly sourceName: string;
  readonly position?: StreamPosition;

  /** `detail` is the message without the source prefix; the message is "<sourceName>: <detail>". */
  constructor(
    kind: RecordStreamErrorKind,
    sourceName: string,
    detail: string,
    position?: StreamPosition,
    options?: { cause?: unknown },
  ) {
    super(`${sourceName}: ${detail}`, options);
    this.kind = kind;
    this.sourceName = sourceName;
    if (position) this.position = position;
  }
}

/** A byte as a reader wants to see it in a message: 'x' when printable ASCII, else 0xNN. */
export function describeByte(byte: number): string {
  if (byte >= 0x21 && byte <= 0x7e) return `'${String.fromCharCode(byte)}'`;
  return `0x${byte.toString(16).padStart(2, '0')}`;
}
