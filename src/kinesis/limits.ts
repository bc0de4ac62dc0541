/**
 * PutRecords' limits (Kinesis Data Streams API reference, PutRecords): at most 500 records and 5 MiB per
 * call, and at most 1 MiB per record, where a record's size is its data plus its partition key (UTF-8).
 * A partition key is 1 to 256 Unicode characters.
 */
export const PUT_RECORDS_MAX_RECORDS = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;
export const KINESIS_RECORD_MAX_BYTES = 1024 * 1024;
export const PARTITION_KEY_MAX_CHARS = 256;

/**
 * The per-record error codes PutRecords answers with that clear on their own; the call is otherwise
 * accepted, so only these records are sent again.
 */
export const RETRIED_RECORD_ERRORS: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'InternalFailure',
]);

/** Largest PutRecords answer read: 500 results of about 150 bytes each fit many times over. */
export const MAX_ANSWER_BYTES = 1024 * 1024;
