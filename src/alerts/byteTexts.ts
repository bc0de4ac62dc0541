/**
 * Texts compared with a record's bytes where they are, with no string made: the alerts' prefilter runs
 * on every record, and decoding even one short value per record would cost more than all its lookups.
 * Both sides are UTF-8, and a value handed over by the builder has no escape in it (recordFields.ts),
 * so equal bytes are equal texts.
 */

/** A set of texts, looked up by a byte range. */
export class ByteTextMap<T> {
  /** By a hash of the bytes: the texts with that hash and what each maps to. */
  private readonly buckets = new Map<number, { text: Buffer; value: T }[]>();

  set(text: string, value: T): void {
    const bytes = Buffer.from(text, 'utf8');
    const hash = hashOf(bytes, 0, bytes.length);
    const bucket = this.buckets.get(hash);
    const entry = { text: bytes, value };
    if (bucket === undefined) this.buckets.set(hash, [entry]);
    else {
      const same = bucket.find((e) => e.text.equals(bytes));
      if (same) same.value = value;
      else bucket.push(entry);
    }
  }

  /** What the text `bytes[start, end)` maps to, or undefined. */
  get(bytes: Uint8Array, start: number, end: number): T | undefined {
    const bucket = this.buckets.get(hashOf(bytes, start, end));
    if (bucket === undefined) return undefined;
    for (const entry of bucket) if (equalAt(bytes, start, end, entry.text)) return entry.value;
    return undefined;
  }
}

/** Whether `bytes[start, end)` is `text`. */
export function equalAt(bytes: Uint8Array, start: number, end: number, text: Uint8Array): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[start + i] !== text[i]) return false;
  return true;
}

/** Whether `bytes[start, end)` starts with `text`. */
export function startsAt(bytes: Uint8Array, start: number, end: number, text: Uint8Array): boolean {
  return end - start >= text.length && equalAt(bytes, start, start + text.length, text);
}

/** Whether `bytes[start, end)` ends with `text`. */
export function endsAt(bytes: Uint8Array, start: number, end: number, text: Uint8Array): boolean {
  return end - start >= text.length && equalAt(bytes, end - text.length, end, text);
}

/** Whether `bytes[start, end)` holds `text`. */
export function holdsAt(bytes: Uint8Array, start: number, end: number, text: Uint8Array): boolean {
  for (let at = start; at + text.length <= end; at++) {
    if (equalAt(bytes, at, at + text.length, text)) return true;
  }
  return false;
}

/** FNV-1a over every byte: names such as `PutBucketAcl` and `PutBucketCors` differ in few of them. */
function hashOf(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash & 0x3fffffff; // a small integer: a Map key with no boxing
}
