/**
 * The fast path's derived `ct` members (src/documents/derived.ts), from the leaves RecordWalker located.
 * A file's records repeat a few principals, so the members' JSON is kept per distinct raw bytes of those
 * leaves: a record whose leaves were seen before costs a copy and a map lookup, and only a new one is
 * decoded and derived (with the very functions the reference builder uses, so the output is the same).
 */
import {
  CONSOLE_LOGIN,
  DERIVATION_LEAF_NAMES,
  deriveFields,
  derivedJson,
  type DerivationInput,
} from '../derived.js';
import { fnv, sameBytes } from './keyGuard.js';
import { LEAF_ABSENT, LEAF_FALSE, LEAF_TRUE, type RecordWalker } from './recordWalker.js';

/** Distinct leaf sets remembered (then forgotten all at once): a few hundred principals per file is usual. */
const MAX_REMEMBERED = 2048;
const MAX_KEY_BYTES = 4096;

interface Remembered {
  key: Buffer;
  members: Buffer;
}

export class DerivedMembers {
  /** By a hash of the key bytes (the key itself is compared on a hit: no string is made per record). */
  private readonly remembered = new Map<number, Remembered>();
  private readonly key = Buffer.alloc(MAX_KEY_BYTES);

  /** The derived members' JSON (each with its leading comma) of the record `bytes` the walker walked. */
  of(bytes: Buffer, walker: RecordWalker): Buffer {
    const length = this.keyOf(bytes, walker);
    const hash = length < 0 ? 0 : fnv(this.key, 0, length);
    if (length >= 0) {
      const known = this.remembered.get(hash);
      if (known !== undefined && sameBytes(known.key, 0, known.key.length, this.key, 0, length))
        return known.members;
    }
    const input = decoded(bytes, walker);
    const members = Buffer.from(derivedJson(deriveFields(input)), 'utf8');
    // A console login's members also depend on additionalEventData, which the key does not hold.
    if (length >= 0 && input.eventName !== CONSOLE_LOGIN) {
      if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
      this.remembered.set(hash, { key: Buffer.from(this.key.subarray(0, length)), members });
    }
    return members;
  }

  /**
   * Writes the leaves' raw bytes in leaf order into `key`, each `-` (absent), `t`, `f` or `"content"`,
   * and returns the length; -1 when a string has escapes (its content may hold a quote: left to
   * decoding) or the key would be too long.
   */
  private keyOf(bytes: Buffer, walker: RecordWalker): number {
    const key = this.key;
    const starts = walker.leafStarts;
    let at = 0;
    for (let leaf = 0; leaf < starts.length; leaf++) {
      const start = starts[leaf]!;
      if (start < 0) {
        key[at++] = start === LEAF_ABSENT ? 0x2d : start === LEAF_TRUE ? 0x74 : 0x66;
        continue;
      }
      const end = walker.leafEnds[leaf]!;
      if (walker.leafFlags[leaf] !== 0 || at + end - start + 2 > MAX_KEY_BYTES) return -1;
      key[at++] = 0x22;
      at += bytes.copy(key, at, start, end);
      key[at++] = 0x22;
    }
    return at;
  }
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
