/**
 * Finds repeated keys in the objects the fast path walks (JSON.parse keeps the last value, and OpenSearch
 * refuses a document that repeats one; the reference builder handles such records), and hands out the
 * object serials that typed keys are checked with (Table.seen).
 *
 * Each open object's free-form keys are contiguous on a stack (a nested object's keys are popped when it
 * closes). An object's first SMALL_OBJECT keys are compared linearly; past that its keys also go into a
 * hash table of slots [object serial, hash, start, end]. Serials keep growing from record to record, so a
 * slot whose serial is below the record's first one is free (no clearing per record).
 */
import { bail } from './bail.js';
import type { FieldTables } from './fieldTable.js';

const SMALL_OBJECT = 8;
const KEY_STACK = 4096;
const KEY_SLOTS = 4096;
const MAX_KEYS = KEY_SLOTS / 2;

export function fnv(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash;
}

export function sameBytes(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = aStart, j = bStart; i < aEnd; i++, j++) if (a[i] !== b[j]) return false;
  return true;
}

export class KeyGuard {
  private readonly keyStarts = new Int32Array(KEY_STACK);
  private readonly keyEnds = new Int32Array(KEY_STACK);
  /** A large object's serial, at its first key's index. */
  private readonly largeSerials = new Int32Array(KEY_STACK);
  /** Top of the key stack. */
  top = 0;
  private readonly keyTable = new Int32Array(KEY_SLOTS * 4);
  /** Keys in keyTable for this record. */
  private keyCount = 0;
  private objectSerial = 0;
  private firstSerial = 1;

  constructor(private readonly tables: FieldTables) {}

  /** Before each record. */
  startRecord(): void {
    this.keyCount = 0;
    this.top = 0;
    if (this.objectSerial > 0x7fff0000) {
      this.objectSerial = 0;
      this.keyTable.fill(0);
      this.tables.clearSeen();
    }
    this.firstSerial = this.objectSerial + 1;
  }

  /** A serial for an object about to be walked (its typed keys are stamped with it). */
  newObject(): number {
    return ++this.objectSerial;
  }

  /**
   * Bails when the free-form key `src[start, end)` repeats one of its object's keys, which start at
   * `base` on the key stack; else pushes it.
   */
  checkFree(src: Buffer, start: number, end: number, base: number): void {
    const top = this.top;
    const count = top - base;
    if (count < SMALL_OBJECT) {
      const length = end - start;
      const keyStarts = this.keyStarts;
      const keyEnds = this.keyEnds;
      for (let k = base; k < top; k++) {
        const other = keyStarts[k]!;
        if (keyEnds[k]! - other !== length) continue;
        let i = 0;
        while (i < length && src[other + i] === src[start + i]) i++;
        if (i === length) bail('duplicate-key');
      }
    } else {
      // A large object: its keys so far (distinct) go into the hash table under a serial of its own.
      let serial: number;
      if (count === SMALL_OBJECT) {
        serial = this.largeSerials[base] = ++this.objectSerial;
        for (let k = base; k < top; k++) this.hashKey(src, serial, this.keyStarts[k]!, this.keyEnds[k]!);
      } else serial = this.largeSerials[base]!;
      this.hashKey(src, serial, start, end);
    }
    if (top === KEY_STACK) bail('limits');
    this.keyStarts[top] = start;
    this.keyEnds[top] = end;
    this.top = top + 1;
  }

  /** Adds a key of the large object `serial` to keyTable; bails on a repeat. */
  private hashKey(src: Buffer, serial: number, start: number, end: number): void {
    if (++this.keyCount > MAX_KEYS) bail('limits');
    const hash = fnv(src, start, end);
    const table = this.keyTable;
    const firstSerial = this.firstSerial;
    let at = ((hash ^ Math.imul(serial, 0x9e3779b1)) & (KEY_SLOTS - 1)) << 2;
    let owner = table[at]!;
    while (owner >= firstSerial) {
      if (
        owner === serial &&
        table[at + 1] === hash &&
        sameBytes(src, table[at + 2]!, table[at + 3]!, src, start, end)
      )
        bail('duplicate-key');
      at = (at + 4) & (KEY_SLOTS * 4 - 1);
      owner = table[at]!;
    }
    table[at] = serial;
    table[at + 1] = hash;
    table[at + 2] = start;
    table[at + 3] = end;
  }
}
