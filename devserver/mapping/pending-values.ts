/**
 * The values one document indexes, gathered while its source is walked and written to the index's
 * columns only when the whole document was accepted (a document that fails adds nothing). One
 * instance is reused for every document of a request.
 *
 * Terms and numbers are kept apart (a column holds one kind), so the loops that store them each see
 * one column class and one value type: about a hundred values per document go through them.
 */
import type { FieldColumn, NumberColumn, TermColumn } from '../store/columns.js';
import type { IndexedValue } from './values.js';

export class PendingValues {
  readonly termColumns: TermColumn[] = [];
  readonly terms: string[] = [];
  /** Text fields: true on the first token of each value (phrases never span two values). */
  readonly starts: boolean[] = [];
  readonly numberColumns: NumberColumn[] = [];
  readonly numbers: number[] = [];
  /** Fields whose value `ignore_malformed` skipped (the `_ignored` metadata field). */
  readonly ignored: string[] = [];

  add(column: FieldColumn, value: IndexedValue, startsValue = false): void {
    if (column.kind === 'numbers') {
      this.numberColumns.push(column);
      this.numbers.push(value as number);
    } else {
      this.termColumns.push(column);
      this.terms.push(value as string);
      this.starts.push(startsValue);
    }
  }

  get size(): number {
    return this.termColumns.length + this.numberColumns.length;
  }

  reset(): void {
    this.termColumns.length = 0;
    this.terms.length = 0;
    this.starts.length = 0;
    this.numberColumns.length = 0;
    this.numbers.length = 0;
    this.ignored.length = 0;
  }
}
