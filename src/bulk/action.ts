/**
 * The bulk action line of a document, as text and as bytes. Shared by the request framing (batch.ts) and
 * the document allocator (src/documents/encoded.ts), which writes each document's action line in front of
 * its source so that consecutive documents already form a request body.
 */

import type { BulkDocument } from '../types.js';

export function actionLine(doc: BulkDocument): string {
  return actionText(doc.index, doc.id);
}

export function actionText(index: string, id: string): string {
  // `create`, never `index`: a replay of an already-stored id is a 409 we count as a duplicate.
  return `${actionPrefix(index)}${quoted(id)}}}`;
}

// The action line's head is the same for every document of a day's index: built once per index name.
let lastIndex = '';
let lastPrefix = '{"create":{"_index":"","_id":';
function actionPrefix(index: string): string {
  if (index !== lastIndex) {
    lastPrefix = `{"create":{"_index":${JSON.stringify(index)},"_id":`;
    lastIndex = index;
  }
  return lastPrefix;
}

/** Printable ASCII without `"` or `\`: a JSON string as is (event ids and content hashes always are). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
function quoted(text: string): string {
  return PLAIN.test(text) ? `"${text}"` : JSON.stringify(text);
}

/** True when `id` needs no escaping and is one byte per character (see {@link writePlainAction}). */
export function isPlainId(id: string): boolean {
  return PLAIN.test(id);
}

// `{"create":{"_index":"…","_id":` as bytes, built once per index name (a day's index: one per file, mostly).
let lastHeadIndex: string | undefined;
let lastHead = Buffer.alloc(0);
export function actionHead(index: string): Buffer {
  if (index !== lastHeadIndex) {
    lastHead = Buffer.from(actionPrefix(index), 'utf8');
    lastHeadIndex = index;
  }
  return lastHead;
}

/** Bytes of the action line and its newline for a plain id (see {@link isPlainId}), with `head = actionHead(index)`. */
export function plainActionBytes(head: Buffer, id: string): number {
  return head.length + id.length + 5;
}

/**
 * Writes the action line of a plain id and its newline at `at`: the head's bytes, then the id one byte per
 * character (no string encoder call for ~40 bytes). Returns where it ends.
 */
export function writePlainAction(buffer: Buffer, at: number, head: Buffer, id: string): number {
  buffer.set(head, at);
  at += head.length;
  buffer[at++] = 0x22;
  for (let i = 0; i < id.length; i++) buffer[at++] = id.charCodeAt(i);
  buffer[at++] = 0x22;
  buffer[at++] = 0x7d;
  buffer[at++] = 0x7d;
  buffer[at++] = 0x0a;
  return at;
}
