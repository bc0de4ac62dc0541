/**
 * A dictionary of distinct terms (keyword values, text tokens, ids) numbered 0, 1, 2, ... in order of
 * first appearance. A field with few distinct values (event names, regions, account ids) keeps them in
 * a JS Map, the fastest lookup there is. Past a few thousand terms the dictionary moves them into
 * large shared chunks of UTF-8 bytes found through an open-addressing hash table of ordinals, so a
 * million distinct terms (event ids, text tokens) cost their bytes plus about 20 bytes each, and no
 * JS object per term for the garbage collector to trace.
 *
 * Hashes are taken over the UTF-16 code units of the JS string, so a lookup never encodes it; an
 * ASCII term (nearly every CloudTrail value) is compared and written byte by byte.
 */
import { GrowableInt32, GrowableUint8 } from './growable.js';

const chunkBytes = 1 << 20;
/** Terms kept in a Map before the dictionary moves to the byte arena. */
const smallLimit = 4096;

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
  private readonly chunks: Buffer[] = [];
  private chunkUsed = 0;
  private readonly termChunk = new GrowableInt32();
  private readonly termOffset = new GrowableInt32();
  /** Bytes of each term. */
  private readonly termLength = new GrowableInt32();
  private readonly termHash = new GrowableInt32();
  /** 1 when the term is ASCII (its bytes are its code units). */
  private readonly termAscii = new GrowableUint8();
  /** Slots hold ordinal + 1 (0 = empty). */
  private table = new Int32Array(1024);

  get size(): number {
    return this.small ? this.smallTerms.length : this.termLength.length;
  }

  /** The ordinal of `term`, or -1. */
  find(term: string): number {
    if (this.small) return this.small.get(term) ?? -1;
    return this.probe(term, hashString(term));
  }

  /** The ordinal of `term`, adding it when new. */
  add(term: string): number {
    const small = this.small;
    if (small) {
      const found = small.get(term);
      if (found !== undefined) return found;
      if (small.size < smallLimit) {
        small.set(term, this.smallTerms.length);
        return this.smallTerms.push(term) - 1;
      }
      this.moveToArena();
    }
    const hash = hashString(term);
    const found = this.probe(term, hash);
    return found >= 0 ? found : this.insert(term, hash);
  }

  term(ord: number): string {
    if (this.small) return this.smallTerms[ord]!;
    const chunk = this.chunks[this.termChunk.get(ord)]!;
    const offset = this.termOffset.get(ord);
    const end = offset + this.termLength.get(ord);
    return this.termAscii.get(ord) === 1
      ? chunk.toString('latin1', offset, end)
      : chunk.toString('utf8', offset, end);
  }

  /** Bytes held, for memory reports (a small dictionary: roughly, its strings). */
  bytes(): number {
    if (this.small) return this.smallTerms.reduce((sum, term) => sum + 48 + term.length, 0);
    return (
      this.chunks.length * chunkBytes +
      this.table.byteLength +
      this.termChunk.bytes() +
      this.termOffset.bytes() +
      this.termLength.bytes() +
      this.termHash.bytes() +
      this.termAscii.bytes()
    );
  }

  private probe(term: string, hash: number): number {
    const table = this.table;
    const hashes = this.termHash.array;
    const mask = table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot]!;
      if (entry === 0) return -1;
      const ord = entry - 1;
      if (hashes[ord] === hash && this.equals(ord, term)) return ord;
    }
  }

  private equals(ord: number, term: string): boolean {
    // Typed arrays read directly: one array type per call site keeps the access monomorphic.
    if (this.termAscii.array[ord] !== 1) return this.term(ord) === term;
    const length = this.termLength.array[ord]!;
    if (length !== term.length) return false;
    const chunk = this.chunks[this.termChunk.array[ord]!]!;
    const offset = this.termOffset.array[ord]!;
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
    const ord = this.termLength.push(length);
    this.termChunk.push(this.chunks.length - 1);
    this.termOffset.push(offset);
    this.termHash.push(hash);
    this.termAscii.push(ascii ? 1 : 0);
    // An oversized term fills its own chunk.
    this.chunkUsed = length > chunkBytes ? chunkBytes : offset + length;
    if ((ord + 1) * 2 > this.table.length) this.rehash();
    else this.place(ord, hash);
    return ord;
  }

  private moveToArena(): void {
    const terms = this.smallTerms;
    this.small = undefined;
    this.smallTerms = [];
    this.chunks.push(Buffer.allocUnsafe(chunkBytes));
    for (const term of terms) this.insert(term, hashString(term));
  }

  private place(ord: number, hash: number): void {
    const mask = this.table.length - 1;
    let slot = hash & mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & mask;
    this.table[slot] = ord + 1;
  }

  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    for (let ord = 0; ord < this.size; ord++) this.place(ord, this.termHash.get(ord));
  }
}
