/**
 * Groups one file's dead letters into fixed windows of record indices, so that what is written, and in
 * which chunks, does not depend on the order bulk responses came back in.
 *
 * Why: Lambda, SQS and a re-run backfill deliver a file at least once. The S3 sink names each object
 * after the entries it holds, so a replay overwrites the first write instead of adding a copy of every
 * entry. That only holds if a replay makes the same chunks. Flushing "every 500 entries as they arrive"
 * does not: concurrent requests finish in any order. A window (records [w·size, (w+1)·size)) is written
 * once every record in it has an outcome, with its entries sorted by record index.
 */
import type { DeadLetterEntry } from './entry.js';

export class DeadLetterWindows {
  /** Records read so far, per window (windows are numbered from 0, so an array). */
  private readonly readCount: number[] = [];
  /** Records with an outcome (indexed, duplicate, dead-lettered), per window. */
  private readonly settledCount: number[] = [];
  private readonly pending = new Map<number, DeadLetterEntry[]>();
  /** Windows whose records have all been read: the reader has moved past their last index. */
  private readThrough = -1;
  private readonly ready: number[] = [];

  constructor(private readonly windowRecords: number) {
    if (!(windowRecords >= 1)) throw new RangeError(`windowRecords must be at least 1, got ${windowRecords}`);
  }

  /** A record was read from the file (indices come in increasing order). */
  read(recordIndex: number): void {
    const window = this.windowOf(recordIndex);
    while (this.readCount.length <= window) {
      this.readCount.push(0);
      this.settledCount.push(0);
    }
    this.readCount[window]! += 1;
    // Reading record n means every window before n's has been read in full.
    while (this.readThrough < window - 1) this.checkReady(++this.readThrough);
  }

  /** A record's outcome is known; `entry` is its dead letter, if it got one. */
  settle(recordIndex: number, entry?: DeadLetterEntry): void {
    const window = this.windowOf(recordIndex);
    if (entry) this.add(window, entry);
    this.settledCount[window]! += 1; // read() made the slot: a record is read before its outcome
    if (window <= this.readThrough) this.checkReady(window);
  }

  /** True when at least one complete window has entries waiting to be written. */
  get hasReady(): boolean {
    return this.ready.length > 0;
  }

  /** Complete windows' entries, each window sorted by record index, and forgets them. */
  takeReady(): DeadLetterEntry[][] {
    const chunks = this.ready.sort((a, b) => a - b).map((window) => this.take(window));
    this.ready.length = 0;
    return chunks.filter((chunk) => chunk.length > 0);
  }

  /** Everything still held, window by window (the file is done, or has failed part way). */
  takeAll(): DeadLetterEntry[][] {
    const chunks = [...this.pending.keys()].sort((a, b) => a - b).map((window) => this.take(window));
    this.ready.length = 0;
    return chunks.filter((chunk) => chunk.length > 0);
  }

  /** Entries held in memory now (tests check that nothing is left behind). */
  get heldEntries(): number {
    let held = 0;
    for (const entries of this.pending.values()) held += entries.length;
    return held;
  }

  private windowOf(recordIndex: number): number {
    return Math.floor(recordIndex / this.windowRecords);
  }

  private add(window: number, entry: DeadLetterEntry): void {
    const entries = this.pending.get(window);
    if (entries) entries.push(entry);
    else this.pending.set(window, [entry]);
  }

  private checkReady(window: number): void {
    if (this.settledCount[window]! < this.readCount[window]!) return;
    if (this.pending.has(window)) this.ready.push(window);
  }

  private take(window: number): DeadLetterEntry[] {
    const entries = this.pending.get(window) ?? [];
    this.pending.delete(window);
    return entries.sort((a, b) => (a.recordIndex ?? -1) - (b.recordIndex ?? -1));
  }
}
