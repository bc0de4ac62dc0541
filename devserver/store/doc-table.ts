/**
 * The documents of one index, numbered 0, 1, 2, ... in indexing order (the order Lucene returns
 * unsorted hits in). A write of an existing id gives the new version a new number and retires the old
 * one, which stays searchable until the next refresh; numbers are never reused. Ids, versions and
 * sequence numbers live in typed arrays and a term dictionary, not in one object per document.
 */
import { GrowableFloat64, GrowableInt32, GrowableUint8 } from './growable.js';
import { TermDictionary } from './term-dictionary.js';

export class DocTable {
  private readonly ids = new TermDictionary();
  /** By id ordinal: the live document with that id, or -1. */
  private readonly docOfId = new GrowableInt32();
  /** By document: its id ordinal. */
  private readonly idOfDoc = new GrowableInt32();
  private readonly versions = new GrowableInt32();
  private readonly seqNos = new GrowableFloat64();
  readonly live = new GrowableUint8();
  /** Routing values, for the few documents written with one. */
  private readonly routings = new Map<number, string>();
  liveCount = 0;
  /** The document the last add() retired (the live one with the same id), or -1. */
  replaced = -1;

  get size(): number {
    return this.idOfDoc.length;
  }

  /** The live document with `id`, or -1. */
  find(id: string): number {
    const idOrd = this.ids.find(id);
    return idOrd < 0 ? -1 : this.docOfId.get(idOrd);
  }

  /** Adds a document (retiring the live one with the same id); returns its number. */
  add(id: string, version: number, seqNo: number, routing: string | undefined): number {
    const idOrd = this.ids.add(id);
    if (idOrd === this.docOfId.length) this.docOfId.push(-1);
    const previous = this.docOfId.get(idOrd);
    if (previous >= 0) this.retire(previous);
    this.replaced = previous;
    const doc = this.idOfDoc.push(idOrd);
    this.versions.push(version);
    this.seqNos.push(seqNo);
    this.live.push(1);
    if (routing !== undefined) this.routings.set(doc, routing);
    this.docOfId.set(idOrd, doc);
    this.liveCount++;
    return doc;
  }

  /** Deletes the live document `doc`. */
  remove(doc: number): void {
    this.docOfId.set(this.idOfDoc.get(doc), -1);
    this.retire(doc);
  }

  id(doc: number): string {
    return this.ids.term(this.idOfDoc.get(doc));
  }

  version(doc: number): number {
    return this.versions.get(doc);
  }

  seqNo(doc: number): number {
    return this.seqNos.get(doc);
  }

  routing(doc: number): string | undefined {
    return this.routings.get(doc);
  }

  hasRouting(): boolean {
    return this.routings.size > 0;
  }

  /** Every live document number, in order. */
  *liveDocs(): Generator<number> {
    const live = this.live.array;
    for (let doc = 0; doc < this.size; doc++) if (live[doc] === 1) yield doc;
  }

  bytes(): number {
    return (
      this.ids.bytes() +
      this.docOfId.bytes() +
      this.idOfDoc.bytes() +
      this.versions.bytes() +
      this.seqNos.bytes() +
      this.live.bytes()
    );
  }

  private retire(doc: number): void {
    this.live.set(doc, 0);
    this.liveCount--;
  }
}
