/**
 * The SQS message that asks the indexer Lambda to index one S3 object: an S3 event notification with
 * one `ObjectCreated` record, the shape the Lambda reads from its queue (src/trigger/payload.ts), so a
 * backfill sent this way takes exactly the path of a live delivery.
 */
import type { ObjectRef } from '../types.js';

/** Set as the record's `configurationId`, so a message can be told from one S3 sent. */
export const ENQUEUED_BY = 'cloudtrail-opensearch-enqueue';

/** S3 notifications carry the key form-URL-encoded (`+` for a space); the Lambda decodes it back. */
export function notificationKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

export function notificationBody(ref: ObjectRef): string {
  const object: Record<string, unknown> = { key: notificationKey(ref.key) };
  if (ref.size !== undefined) object.size = ref.size;
  if (ref.etag !== undefined) object.eTag = ref.etag.replace(/"/g, '');
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { s3SchemaVersion: '1.0', configurationId: ENQUEUED_BY, bucket: { name: ref.bucket }, object },
      },
    ],
  });
}
