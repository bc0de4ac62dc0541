/** The document `_id`: CloudTrail's eventID, or a content hash so a replay still deduplicates. */
import { createHash } from 'node:crypto';
import { MAX_ID_BYTES } from './limits.js';

/** Prefix of hashed ids; an eventID is a UUID, so the two never collide in practice. */
export const HASH_ID_PREFIX = 'h-';

/** 32 base64url characters = 192 bits of SHA-256. */
const HASH_ID_CHARS = 32;

export function documentId(eventID: unknown, recordBytes: Buffer): { id: string; hashed: boolean } {
  if (typeof eventID === 'string' && eventID !== '' && Buffer.byteLength(eventID) <= MAX_ID_BYTES) {
    return { id: eventID, hashed: false };
  }
  return { id: contentHashId(recordBytes), hashed: true };
}

/** Deterministic: the same record bytes (a re-read of the same file) always give the same id. */
export function contentHashId(recordBytes: Buffer): string {
  return (
    HASH_ID_PREFIX + createHash('sha256').update(recordBytes).digest('base64url').slice(0, HASH_ID_CHARS)
  );
}
