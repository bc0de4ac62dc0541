/**
 * A dictionary of distinct terms (keyword values, text tokens, ids) numbered 0, 1, 2, ... in order of
 * first appearance. A field with few distinct values (event names, regions, account ids), or with a
 * few tens of thousands that come up again and again (the tokens of a text field), keeps them in a JS
 * Map, the fastest lookup there is. Past that the dictionary moves them into large shared chunks of
 * UTF-8 bytes found through an open-addressing hash table of ordinals, so a million distinct terms
 * (event ids) cost their bytes plus about 28 bytes each, and no JS object per term for the garbage
 * collector to trace.
 *
 * Hashes are taken over the UTF-16 code units of the JS string, so a lookup never encodes it; an
 * ASCII term (nearly every CloudTrail value) is compared and written byte by byte. A large table is
 * mostly cache misses, so each slot holds the term's hash beside its ordinal (a different term is
 * usually rejected without reading it) and a term's chunk, offset and length sit side by side.
 */
import { GrowableInt32 } from './growable.js';

const chunkBytes = 1 << 20;
/** Terms always kept in a Map before the dictionary may move to the byte arena. */
const smallLimit = 4096;
/**
 * Terms kept in a Map at most, while each is looked up at least `reuseForMap` times on average: a
 * Map lookup costs about a third of an arena one, and a few tens of thousands of strings are little
 * for the garbage collector (ids, each added once, still move at `smallLimit`).
 */
const mapLimit = 65536;
const reuseForMap = 16;

function hashString(term: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) hash = Math.imul(hash ^ term.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash | 0;
}

function isAscii(term: string): boolean {
  for (let i = 0; i < term.length; i++) if (term.charCodeAt(i) > 127) return false;
  return true;
}

export class TermDictionary {
  /** While the dictionary is small: term → ordinal, and the terms by ordinal. */
  private small: Map<string, number> | undefined = new Map();
  private smallTerms: string[] = [];
  /** Calls of add() while the terms are in the Map. */
  private smallAdds = 0;
  private readonly chunks: Buffer[] = [];
  private chunkUsed = 0;
  /** Per term, three values: its chunk, its offset there, and its byte length × 2 (+ 1 when ASCII). */
  private readonly meta = new GrowableInt32(192);
  private count = 0;
  /** Slot pairs: the term's hash, then its ordinal + 1 (0 = empty). */
  private table = new Int32Array(2 * 1024);
  /**
   * The last term found or added, and its ordinal: consecutive documents often repeat a value (the
   * account, region and event source of one log file), and comparing with the previous term is
   * cheaper than a lookup.
   */
  private lastTerm: string | undefined;
  private lastOrd = -1;
  /** The last term hashed, and its hash: an id is looked up, then added. */
  private hashedTerm: string | undefined;
  private hashedValue = 0;

  get size(): number {
    return this.small ? this.smallTerms.length : this.count;
  }

  /** The ordinal of `term`, or -1. */
  find(term: string): number {
    if (term === this.lastTerm) return this.lastOrd;
    const ord = this.small ? (this.small.get(term) ?? -1) : this.probe(term, this.hash(term));
    if (ord >= 0) this.remember(term, ord);
    return ord;
  }

  /** The ordinal of `term`, adding it when new. */
  add(term: string): number {
    if (term === this.lastTerm) return this.lastOrd;
    const small = this.small;
    let ord: number;
    if (small) {
      this.smallAdds++;
      const found = small.get(term);
      if (found !== undefined) ord = found;
      else if (this.staysSmall(small.size)) {
        ord = this.smallTerms.push(term) - 1;
        small.set(term, ord);
      } else {
        this.moveToArena();
        ord = this.insert(term, this.hash(term));
      }
    } else {
      const hash = this.hash(term);
      const found = this.probe(term, hash);
      ord = found >= 0 ? found : this.insert(term, hash);
    }
    this.remember(term, ord);
    return ord;
  }

  term(ord: number): string {
    if (this.small) return this.smallTerms[ord]!;
    const meta = this.meta.array;
    const chunk = this.chunks[meta[3 * ord]!]!;
    const offset = meta[3 * ord + 1]!;
    const lengthAscii = meta[3 * ord + 2]!;
    const end = offset + (lengthAscii >>> 1);
    return (lengthAscii & 1) === 1
      ? chunk.toString('latin1', offset, end)
      : chunk.toString('utf8', offset, end);
  }

  /** Bytes held, for memory reports (a small dictionary: roughly, its strings). */
  bytes(): number {
    if (this.small) return this.smallTerms.reduce((sum, term) => sum + 48 + term.length, 0);
    return this.chunks.length * chunkBytes + this.table.byteLength + this.meta.bytes();
  }

  private staysSmall(size: number): boolean {
    return size < smallLimit || (size < mapLimit && this.smallAdds >= reuseForMap * size);
  }

  private remember(term: string, ord: number): void {
    this.lastTerm = term;
    this.lastOrd = ord;
  }

  private hash(term: string): number {
    if (term === this.hashedTerm) return this.hashedValue;
    const hash = hashString(term);
    this.hashedTerm = term;
    this.hashedValue = hash;
    return hash;
  }

  private probe(term: string, hash: number): number {
    const table = this.table;
    const mask = (table.length >>> 1) - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = table[2 * slot + 1]!;
      if (entry === 0) return -1;
      if (table[2 * slot] === hash && this.equals(entry - 1, term)) return entry - 1;
    }
  }

  private equals(ord: number, term: string): boolean {
    const meta = this.meta.array;
    const lengthAscii = meta[3 * ord + 2]!;
    if ((lengthAscii & 1) === 0) return this.term(ord) === term;
    const length = lengthAscii >>> 1;
    if (length !== term.length) return false;
    const chunk = this.chunks[meta[3 * ord]!]!;
    const offset = meta[3 * ord + 1]!;
    for (let i = 0; i < length; i++) if (chunk[offset + i] !== term.charCodeAt(i)) return false;
    return true;
  }

  private insert(term: string, hash: number): number {
    const ascii = isAscii(term);
    const length = ascii ? term.length : Buffer.byteLength(term, 'utf8');
    if (this.chunkUsed + length > chunkBytes) {
      this.chunks.push(Buffer.allocUnsafe(Math.max(chunkBytes, length)));
      this.chunkUsed = 0;
    }
    const chunk = this.chunks[this.chunks.length - 1]!;
    const offset = this.chunkUsed;
    if (ascii) for (let i = 0; i < length; i++) chunk[offset + i] = term.charCodeAt(i);
    else chunk.write(term, offset, 'utf8');
    const ord = this.count++;
    const at = this.meta.reserve(3);
    const meta = this.meta.array;
    meta[at] = this.chunks.length - 1;
    meta[at + 1] = offset;
    meta[at + 2] = length * 2 + (ascii ? 1 : 0);
    // An oversized term fills its own chunk.
    this.chunkUsed = length > chunkBytes ? chunkBytes : offset + length;
    if (this.count * 4 > this.table.length) this.rehash();
    this.place(this.table, ord, hash);
    return ord;
  }

  private moveToArena(): void {
    const terms = this.smallTerms;
    this.small = undefined;
    this.smallTerms = [];
    this.chunks.push(Buffer.allocUnsafe(chunkBytes));
    for (const term of terms) this.insert(term, hashString(term));
  }

  private place(table: Int32Array, ord: number, hash: number): void {
    const mask = (table.length >>> 1) - 1;
    let slot = hash & mask;
    while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
    table[2 * slot] = hash;
    table[2 * slot + 1] = ord + 1;
  }

  /** Doubles the table (kept at most half full), moving each entry by the hash its slot holds. */
  private rehash(): void {
    const old = this.table;
    const table = new Int32Array(old.length * 2);
    for (let slot = 0; slot < old.length; slot += 2) {
      if (old[slot + 1] !== 0) this.place(table, old[slot + 1]! - 1, old[slot]!);
    }
    this.table = table;
  }
}
