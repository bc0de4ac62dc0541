/** What both document builders share: the file's context, the error for non-documents, the `ct` shape. */
import type { FileTimes } from './eventTime.js';

/** The file a record comes from (see docs/field-model.md for how each part is used). */
export interface BuildContext extends FileTimes {
  /** Prepended to `YYYY-MM-DD` to name the daily index, e.g. `cloudtrail-`. */
  indexPrefix: string;
  /** Where the record came from (`s3://bucket/key` or a file path); stored as `ct.source`. */
  sourceName: string;
}

/** A record that cannot become a document (not JSON, not a JSON object, no usable time). */
export class DocumentError extends Error {
  constructor(
    readonly sourceName: string,
    readonly recordIndex: number,
    what: string,
  ) {
    super(`${sourceName} record ${recordIndex}: ${what}`);
    this.name = 'DocumentError';
  }
}

/** The `ct` object, in the order it is written. Optional members are left out when empty. */
export interface CtFields {
  source: string;
  recordIndex: number;
  tags?: string[];
  sourceIp?: string;
  /** The derived fields (derived.ts), in this order. */
  actor?: string;
  actorType?: string;
  sessionName?: string;
  mfa?: boolean;
  console?: boolean;
  truncated?: true;
  pairs?: string[];
  text?: string;
  /** JSON text of `{ "<JSON pointer>": originalValue, ... }` for values moved out of the record. */
  original?: string;
  /** JSON text of `{ "<JSON pointer>": [replaced values, ...] }` for duplicate keys (the last one is kept). */
  overwritten?: string;
}

/** Why a record has no time, for its dead letter. */
export const NO_TIME =
  'no usable time: eventTime and @timestamp are missing or invalid, and the file has no date in its key and no modification time';
