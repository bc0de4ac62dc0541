/**
 * A few values of a record as the document builder read them on its way, handed to the per-record
 * extensions with the document (BuiltRecord.fields in src/pipeline/extensions.ts): an extension that
 * only needs to look at these (the alerts' prefilter) need not parse or search the record again.
 *
 * The fast path gives where each value's text is in the bytes it scanned, with no string made; the
 * reference builder, which parsed the record, gives its parse. One instance per builder, overwritten
 * by each record: it is only readable while the record is being handed over.
 *
 * Besides the typed values, the builder notes where a few free-form root objects are (READ_OBJECTS),
 * so that a member of one (`responseElements.ConsoleLogin`) can be looked up in its bytes by whoever
 * needs it, only for the records where it matters (src/alerts/memberValues.ts).
 */

/**
 * The values read, in the order of `RecordFields.starts`: paths into the record, as in `ct.pairs`. All
 * are typed leaves (src/documents/typedFields.ts): what the alerts' rules test most and what an alert
 * shows.
 */
export const READ_FIELDS = [
  'eventName',
  'eventSource',
  'errorCode',
  'userIdentity.type',
  'eventType',
  'errorMessage',
  'eventID',
  'eventTime',
  'awsRegion',
  'sourceIPAddress',
  'recipientAccountId',
  // userIdentity's, in the order of the typed-field table
  'userIdentity.principalId',
  'userIdentity.arn',
  'userIdentity.accountId',
  'userIdentity.userName',
  'userIdentity.invokedBy',
] as const;
export type ReadField = (typeof READ_FIELDS)[number];

/**
 * Free-form root values whose bytes are noted, in the order of `RecordFields.objectStarts`: the ones
 * whose members the built-in alert rules test (a console sign-in's result and its MFA).
 */
export const READ_OBJECTS = ['additionalEventData', 'responseElements'] as const;

/** The record has no value there: the member is missing or null. */
export const ABSENT = -1;
/** A value that is not plain text (a number, a list, a string with escapes...): parse the record to know it. */
export const UNREAD = -2;

const NO_BYTES = Buffer.alloc(0);

export class RecordFields {
  /** The bytes the spans point into (the builder's copy of the record). */
  bytes: Buffer = NO_BYTES;
  /**
   * Per READ_FIELDS entry: its value is the UTF-8 text `bytes[starts[i], ends[i])` (a JSON string's
   * content with no escape in it) when `starts[i] >= 0`; else ABSENT or UNREAD.
   */
  readonly starts = new Int32Array(READ_FIELDS.length).fill(UNREAD);
  readonly ends = new Int32Array(READ_FIELDS.length);
  /**
   * Per READ_OBJECTS entry: its value (whatever its type: the JSON text, not only an object's) is
   * `bytes[objectStarts[i], objectEnds[i])` when `objectStarts[i] >= 0`; else ABSENT or UNREAD.
   */
  readonly objectStarts = new Int32Array(READ_OBJECTS.length).fill(UNREAD);
  readonly objectEnds = new Int32Array(READ_OBJECTS.length);
  /** The record as JSON.parse reads it, when the builder parsed it (then every span is UNREAD). */
  parsed: Record<string, unknown> | undefined;

  /** A record about to be scanned in `bytes`: nothing read yet, so every value is ABSENT until seen. */
  startScan(bytes: Buffer): void {
    this.bytes = bytes;
    this.starts.fill(ABSENT);
    this.objectStarts.fill(ABSENT);
    this.parsed = undefined;
  }

  /** The value of READ_OBJECTS[object] is the JSON at [start, end) (a root member: seen once). */
  sawObject(object: number, start: number, end: number): void {
    this.objectStarts[object] = start;
    this.objectEnds[object] = end;
  }

  /** The value of READ_FIELDS[field] was seen: plain text at [start, end), or UNREAD. */
  saw(field: number, start: number, end: number): void {
    // A second value (an array of objects) is more than the spans can say.
    this.starts[field] = this.starts[field] === ABSENT ? start : UNREAD;
    this.ends[field] = end;
  }

  /** A record the builder parsed: its values are in `record`. */
  parsedRecord(record: Record<string, unknown>): void {
    this.bytes = NO_BYTES;
    this.starts.fill(UNREAD);
    this.objectStarts.fill(UNREAD);
    this.parsed = record;
  }
}
