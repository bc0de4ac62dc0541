/**
 * The values one document indexes, gathered while its source is walked and written to the index's
 * columns only when the whole document was accepted (a document that fails adds nothing). One
 * instance is reused for every document of a request.
 */
import type { FieldColumn } from '../store/columns.js';
import type { IndexedValue } from './values.js';

export class PendingValues {
  readonly columns: FieldColumn[] = [];
  readonly values: IndexedValue[] = [];
  /** Text fields: true on the first token of each value (phrases never span two values). */
  readonly starts: boolean[] = [];
  /** Fields whose value `ignore_malformed` skipped (the `_ignored` metadata field). */
  readonly ignored: string[] = [];

  add(column: FieldColumn, value: IndexedValue, startsValue = false): void {
    this.columns.push(column);
    this.values.push(value);
    this.starts.push(startsValue);
  }

  get size(): number {
    return this.columns.length;
  }

  reset(): void {
    this.columns.length = 0;
    this.values.length = 0;
    this.starts.length = 0;
    this.ignored.length = 0;
  }
}
