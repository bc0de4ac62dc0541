/**
 * The indexed values of one field, as (document ordinal, value) pairs in document order: the pairs of
 * a document are contiguous, because a document's values are appended at once. Queries scan a column
 * once; sorting and aggregations that need the values of given documents ask for the document index,
 * built on first use and extended as documents arrive.
 */
import { GrowableFloat64, GrowableInt32, GrowableUint8 } from './growable.js';
import { TermDictionary } from './term-dictionary.js';

abstract class Column {
  readonly docs = new GrowableInt32();
  private firstPair = new Int32Array(0);
  private indexedPairs = 0;

  get pairCount(): number {
    return this.docs.length;
  }

  /** For each document ordinal below `docCount`, its first pair, or -1 when it has no value here. */
  docIndex(docCount: number): Int32Array {
    if (this.firstPair.length < docCount) {
      const grown = new Int32Array(Math.max(docCount, this.firstPair.length * 2)).fill(-1);
      grown.set(this.firstPair.subarray(0, this.firstPair.length));
      this.firstPair = grown;
    }
    const docs = this.docs.array;
    for (let i = this.indexedPairs; i < this.docs.length; i++) {
      const doc = docs[i]!;
      if (doc >= this.firstPair.length) break; // newer than the snapshot asked for
      if (i === 0 || docs[i - 1] !== doc) this.firstPair[doc] = i;
      this.indexedPairs = i + 1;
    }
    return this.firstPair;
  }

  /** The pair range [start, end) of `doc`, given the document index. */
  pairsOf(index: Int32Array, doc: number): [number, number] {
    const start = index[doc] ?? -1;
    if (start < 0) return [0, 0];
    let end = start + 1;
    const docs = this.docs.array;
    while (end < this.docs.length && docs[end] === doc) end++;
    return [start, end];
  }

  abstract bytes(): number;
}

/** Keyword-like values, ip addresses (canonical text), text tokens and flat_object leaves. */
export class TermColumn extends Column {
  readonly kind = 'terms' as const;
  readonly dict = new TermDictionary();
  readonly ords = new GrowableInt32();
  /** Text fields: 1 on the first token of each value, so phrases never span two array values. */
  readonly valueStarts: GrowableUint8 | undefined;

  constructor(positional: boolean) {
    super();
    this.valueStarts = positional ? new GrowableUint8() : undefined;
  }

  append(doc: number, term: string, startsValue = false): void {
    this.docs.push(doc);
    this.ords.push(this.dict.add(term));
    this.valueStarts?.push(startsValue ? 1 : 0);
  }

  bytes(): number {
    return this.docs.bytes() + this.ords.bytes() + this.dict.bytes() + (this.valueStarts?.bytes() ?? 0);
  }
}

/** Numbers, dates (epoch milliseconds) and booleans (0 and 1). */
export class NumberColumn extends Column {
  readonly kind = 'numbers' as const;
  readonly values = new GrowableFloat64();

  append(doc: number, value: number): void {
    this.docs.push(doc);
    this.values.push(value);
  }

  bytes(): number {
    return this.docs.bytes() + this.values.bytes();
  }
}

export type FieldColumn = TermColumn | NumberColumn;
