/**
 * An alert made from the values the document builder hands over (src/documents/recordFields.ts) rather
 * than from a parse of the record: when the prefilter decided every rule it let through (no condition
 * on another path) and every text the alerts need was read in place, the record is never parsed.
 */
import { READ_FIELDS, UNREAD, type RecordFields } from '../documents/recordFields.js';
import { ALERT_PATHS, type EventTexts } from './alert.js';
import type { Rule } from './rules.js';

const READ_POSITION = new Map<string, number>(READ_FIELDS.map((path, position) => [path, position]));

/** Per rule: the READ_FIELDS positions its alert reads, or undefined when one is not handed over. */
export type AlertReads = readonly (Int32Array | undefined)[];

/** What each rule's alert reads (worked out once per rule set, not per file). */
export function alertReadsOf(rules: readonly Rule[]): AlertReads {
  return rules.map((rule) => {
    const paths = [...ALERT_PATHS, ...(rule.dedup?.key ?? [])];
    const positions = paths.map((path) => READ_POSITION.get(path) ?? -1);
    return positions.includes(-1) ? undefined : Int32Array.from(new Set(positions));
  });
}

export class FieldTexts implements EventTexts {
  private fields: RecordFields | undefined;

  constructor(private readonly reads: AlertReads) {}

  /** The texts of the record whose `fields` are given, when every alert of the rules at `positions` can be made from them. */
  of(fields: RecordFields, positions: readonly number[]): EventTexts | undefined {
    const starts = fields.starts;
    for (const position of positions) {
      const reads = this.reads[position];
      if (reads === undefined) return undefined;
      for (let i = 0; i < reads.length; i++) if (starts[reads[i]!] === UNREAD) return undefined;
    }
    this.fields = fields;
    return this;
  }

  first(path: string): string | undefined {
    const fields = this.fields!;
    const position = READ_POSITION.get(path)!;
    const start = fields.starts[position]!;
    return start < 0 ? undefined : fields.bytes.toString('utf8', start, fields.ends[position]);
  }

  /** A value read in place is one text (several values are never read in place). */
  joined(path: string): string {
    return this.first(path) ?? '';
  }
}
