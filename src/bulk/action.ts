/**
 * The bulk action line of a document: `{"create":{"_index":"…","_id":"…"}}` and its newline, written as
 * bytes into a request body or into the spare bytes in front of a document's source.
 *
 * `create`, never `index`: a replay of an already-stored id is a 409 we count as a duplicate.
 */

/** Printable ASCII without `"` or `\`: a JSON string as is (event ids and content hashes always are). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** The length of a CloudTrail eventID (a UUID), the id most documents have. */
const EVENT_ID_CHARS = 36;

/** Whether `id` is written as it is, one byte per character (see {@link PLAIN}). */
export function isPlainId(id: string): boolean {
  return PLAIN.test(id);
}

/** The action line as text (no newline). */
export function actionText(index: string, id: string): string {
  return `{"create":{"_index":${JSON.stringify(index)},"_id":${PLAIN.test(id) ? `"${id}"` : JSON.stringify(id)}}}`;
}

/**
 * Bytes of the action line and its newline for a daily index of `indexPrefix` and a 36-character id:
 * the spare bytes to leave in front of each document so that most are framed in place.
 */
export function actionLineRoom(indexPrefix: string): number {
  return Buffer.byteLength(actionText(`${indexPrefix}YYYY-MM-DD`, 'x'.repeat(EVENT_ID_CHARS)), 'utf8') + 1;
}

/**
 * Writes action lines. The `{"create":{"_index":"…","_id":` head is the same for every document of an
 * index (a day's, mostly one per file): kept as bytes for the last index seen.
 */
export class ActionLines {
  private headIndex: string | undefined;
  private head = Buffer.alloc(0);

  /** Bytes of the action line of (`index`, `id`) and its newline; `plain` is isPlainId(id). */
  size(index: string, id: string, plain: boolean): number {
    if (plain) return this.headOf(index).length + id.length + 5;
    return Buffer.byteLength(actionText(index, id), 'utf8') + 1;
  }

  /**
   * Writes the action line of (`index`, `id`) at `at`, taking exactly `size` bytes (at least
   * `this.size(index, id, plain)`): whitespace fills the room before the line's last `}`, then the
   * newline. Returns where it ends.
   */
  write(buffer: Buffer, at: number, index: string, id: string, plain: boolean, size: number): number {
    const end = at + size;
    if (plain) {
      // No string encoder call for ~40 bytes: the cached head, then the id one byte per character.
      const head = this.headOf(index);
      buffer.set(head, at);
      at += head.length;
      buffer[at++] = 0x22;
      for (let i = 0; i < id.length; i++) buffer[at++] = id.charCodeAt(i);
      buffer[at++] = 0x22;
      buffer[at++] = 0x7d;
    } else {
      const text = actionText(index, id);
      at += buffer.write(text, at, 'utf8') - 1; // its last `}` is written below
    }
    while (at < end - 2) buffer[at++] = 0x20;
    buffer[at++] = 0x7d;
    buffer[at++] = 0x0a;
    return at;
  }

  private headOf(index: string): Buffer {
    if (index !== this.headIndex) {
      this.head = Buffer.from(`{"create":{"_index":${JSON.stringify(index)},"_id":`, 'utf8');
      this.headIndex = index;
    }
    return this.head;
  }
}
