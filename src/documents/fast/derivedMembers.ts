/**
 * The fast path's derived `ct` members (src/documents/derived.ts), from the leaves RecordWalker located.
 * Records repeat a few principals (a few hundred across a whole backfill of generated or real trails),
 * so the members' JSON is kept per distinct raw bytes of those leaves: a record whose leaves were seen
 * before costs a hash and a compare of those bytes where they lie in the record, and only a new one is
 * decoded and derived (with the very functions the reference builder uses, so the output is the same).
 *
 * What is remembered depends only on the leaves' bytes, never on the file: one DerivedMembers serves
 * file after file (it lives in the thread's FastWorkspace), so a warm thread derives each principal once.
 */
import {
  CONSOLE_LOGIN,
  DERIVATION_LEAF_NAMES,
  deriveFields,
  derivedJson,
  type DerivationInput,
} from '../derived.js';
import { LEAF_ABSENT, LEAF_FALSE, LEAF_TRUE, type RecordWalker } from './recordWalker.js';

/** Distinct leaf sets remembered (then forgotten all at once): a few hundred principals is usual. */
const MAX_REMEMBERED = 2048;
/** Leaves longer than this in all are not remembered (derived each time): bounds the memory kept. */
const MAX_KEY_BYTES = 4096;
/** What `hashOf` gives for leaves that are not remembered (a string with escapes, or too long). */
const NOT_REMEMBERED = 0x7fffffff;

/** One distinct set of leaves: each leaf's length (or its LEAF_* marker), their bytes back to back. */
class Remembered {
  constructor(
    readonly lengths: Int32Array,
    readonly bytes: Buffer,
    readonly view: DataView,
    readonly members: Buffer,
  ) {}
}

export class DerivedMembers {
  /** By a hash of the leaves' bytes (the leaves themselves are compared on a hit: no key is made). */
  private readonly remembered = new Map<number, Remembered>();

  /**
   * The derived members' JSON (each with its leading comma) of the record the walker walked, whose
   * bytes are `bytes` (`view` reads the same memory).
   */
  of(bytes: Buffer, view: DataView, walker: RecordWalker): Buffer {
    const hash = hashOf(bytes, view, walker);
    if (hash !== NOT_REMEMBERED) {
      const known = this.remembered.get(hash);
      if (known !== undefined && matches(known, bytes, view, walker)) return known.members;
    }
    const input = decoded(bytes, walker);
    const members = Buffer.from(derivedJson(deriveFields(input)), 'utf8');
    // A console login's members also depend on additionalEventData, which the leaves do not hold.
    if (hash !== NOT_REMEMBERED && input.eventName !== CONSOLE_LOGIN) {
      if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
      this.remembered.set(hash, remember(bytes, walker, members));
    }
    return members;
  }
}

/**
 * A hash of the leaves' lengths (or markers) and bytes, read four bytes at a time where they lie;
 * NOT_REMEMBERED when a string has escapes (two spellings of one value: left to decoding) or the leaves
 * are too long.
 */
function hashOf(bytes: Buffer, view: DataView, walker: RecordWalker): number {
  const starts = walker.leafStarts;
  const ends = walker.leafEnds;
  const flags = walker.leafFlags;
  let hash = 0x811c9dc5 | 0;
  let total = 0;
  for (let leaf = 0; leaf < starts.length; leaf++) {
    const start = starts[leaf]!;
    if (start < 0) {
      hash = Math.imul(hash ^ start, 0x01000193);
      continue;
    }
    const end = ends[leaf]!;
    if (flags[leaf] !== 0) return NOT_REMEMBERED;
    total += end - start;
    if (total > MAX_KEY_BYTES) return NOT_REMEMBERED;
    hash = Math.imul(hash ^ (end - start), 0x01000193);
    let at = start;
    for (; at + 4 <= end; at += 4) hash = Math.imul(hash ^ view.getInt32(at, true), 0x01000193);
    for (; at < end; at++) hash = Math.imul(hash ^ bytes[at]!, 0x01000193);
  }
  // Never NOT_REMEMBERED itself (a hash that lands on it is moved off it).
  return hash === NOT_REMEMBERED ? 0 : hash;
}

/** Whether the walked record's leaves are exactly the remembered ones. */
function matches(known: Remembered, bytes: Buffer, view: DataView, walker: RecordWalker): boolean {
  const starts = walker.leafStarts;
  const ends = walker.leafEnds;
  const lengths = known.lengths;
  const keptView = known.view;
  const kept = known.bytes;
  let from = 0;
  for (let leaf = 0; leaf < starts.length; leaf++) {
    const start = starts[leaf]!;
    const length = lengths[leaf]!;
    if (start < 0) {
      if (length !== start) return false;
      continue;
    }
    const end = ends[leaf]!;
    if (length !== end - start) return false;
    let at = start;
    for (; at + 4 <= end; at += 4, from += 4) if (view.getInt32(at) !== keptView.getInt32(from)) return false;
    for (; at < end; at++, from++) if (bytes[at] !== kept[from]) return false;
  }
  return true;
}

/** The walked record's leaves as a Remembered with `members` (copied: the record's bytes are reused). */
function remember(bytes: Buffer, walker: RecordWalker, members: Buffer): Remembered {
  const starts = walker.leafStarts;
  const ends = walker.leafEnds;
  const lengths = new Int32Array(starts.length);
  let total = 0;
  for (let leaf = 0; leaf < starts.length; leaf++) {
    const start = starts[leaf]!;
    lengths[leaf] = start < 0 ? start : ends[leaf]! - start;
    if (start >= 0) total += ends[leaf]! - start;
  }
  const kept = Buffer.alloc(total);
  let at = 0;
  for (let leaf = 0; leaf < starts.length; leaf++) {
    const start = starts[leaf]!;
    if (start < 0) continue;
    kept.set(bytes.subarray(start, ends[leaf]!), at);
    at += ends[leaf]! - start;
  }
  return new Remembered(lengths, kept, new DataView(kept.buffer, kept.byteOffset, kept.length), members);
}

/** The derivation's input as the reference builder's parse holds it. */
function decoded(bytes: Buffer, walker: RecordWalker): DerivationInput {
  const input: DerivationInput = {};
  const starts = walker.leafStarts;
  for (let leaf = 0; leaf < starts.length; leaf++) {
    const start = starts[leaf]!;
    if (start === LEAF_ABSENT) continue;
    const end = walker.leafEnds[leaf]!;
    input[DERIVATION_LEAF_NAMES[leaf]!] =
      start === LEAF_TRUE
        ? true
        : start === LEAF_FALSE
          ? false
          : walker.leafFlags[leaf] === 0
            ? bytes.toString('utf8', start, end)
            : (JSON.parse(bytes.toString('utf8', start - 1, end + 1)) as string);
  }
  if (input.eventName === CONSOLE_LOGIN && walker.freeSpanStart >= 0) {
    // Console logins only (rare): the one free-form value the derivation reads, from its own bytes.
    const parsed = JSON.parse(bytes.toString('utf8', walker.freeSpanStart, walker.freeSpanEnd)) as unknown;
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      !Array.isArray(parsed) &&
      Object.hasOwn(parsed, 'MFAUsed')
    )
      input.mfaUsed = (parsed as Record<string, unknown>).MFAUsed;
  }
  return input;
}
