/** Reading CloudTrail objects from S3: one streamed GetObject per file, and prefix listing for backfills. */
import { GetObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../http/retry.js';
import { DeadlineHttpHandler } from '../http/s3Handler.js';
import type { ObjectRef } from '../types.js';

/** A failure to read an object that retrying will not fix (missing object, no permission). */
export class PermanentSourceError extends Error {}

/**
 * The region S3 requests are first signed for: the option, else $AWS_REGION, else $AWS_DEFAULT_REGION
 * (what the AWS CLI reads), else us-east-1. A bucket elsewhere is still reached: see followRegionRedirects.
 */
export function s3RegionOf(region: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const given = [region, env.AWS_REGION, env.AWS_DEFAULT_REGION].find((value) => value?.trim());
  return given?.trim() ?? 'us-east-1';
}

export function s3Client(
  options: { region?: string; endpoint?: string; requestTimeoutMs?: number } = {},
  env: NodeJS.ProcessEnv = process.env,
): S3Client {
  return new S3Client({
    region: s3RegionOf(options.region, env),
    // A backfill names a bucket, not its region: when S3 answers that the bucket lives in another region
    // (301 with x-amz-bucket-region), the request is signed for that region and sent again.
    followRegionRedirects: true,
    // Throttling (503 SlowDown) and network errors are retried by the SDK's standard retry strategy.
    maxAttempts: 6,
    // Each attempt has a deadline for its answer, and a body that stalls fails (see s3Handler.ts).
    requestHandler: new DeadlineHttpHandler(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
  });
}

/**
 * A Lambda's S3 client: the function's region and request deadline, and `S3_ENDPOINT` when set (an
 * S3-compatible endpoint, path-style: local stacks and tests). Every Lambda of the stack builds it so.
 */
export function lambdaS3Client(
  config: { region?: string; requestTimeoutMs: number },
  env: NodeJS.ProcessEnv = process.env,
): S3Client {
  return s3Client({
    region: config.region,
    endpoint: env.S3_ENDPOINT,
    requestTimeoutMs: config.requestTimeoutMs,
  });
}

/** An opened object: its bytes, and the metadata that stays the same for as long as the object exists. */
export interface OpenedObject {
  stream: Readable;
  /** LastModified: when this object was written (documents' time rules read it, never the clock). */
  lastModifiedMs?: number;
  size?: number;
  etag?: string;
  versionId?: string;
}

/**
 * Opens the object as a byte stream. Nothing is buffered beyond the socket's own window. `abortSignal`
 * ends the request (and the stream) when the caller runs out of time.
 */
export async function openS3Object(
  s3: S3Client,
  ref: ObjectRef,
  abortSignal?: AbortSignal,
): Promise<OpenedObject> {
  try {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }),
      abortSignal ? { abortSignal } : {},
    );
    const lastModified = response.LastModified?.getTime();
    return {
      stream: response.Body as Readable,
      lastModifiedMs: lastModified !== undefined && Number.isFinite(lastModified) ? lastModified : undefined,
      size: response.ContentLength,
      etag: response.ETag,
      versionId: response.VersionId,
    };
  } catch (error) {
    throw describeS3Error(error, ref);
  }
}

function describeS3Error(error: unknown, ref: ObjectRef): Error {
  const where = `s3://${ref.bucket}/${ref.key}`;
  if (!(error instanceof S3ServiceException))
    return error instanceof Error ? error : new Error(String(error));
  const status = error.$metadata.httpStatusCode;
  if (error.name === 'NoSuchKey' || error.name === 'NotFound' || status === 404) {
    return new PermanentSourceError(
      `${where}: object not found (NoSuchKey). It was deleted or moved after the notification, or the key was decoded wrongly.`,
    );
  }
  if (error.name === 'AccessDenied' || status === 403) {
    return new PermanentSourceError(
      `${where}: access denied. The function's role needs s3:GetObject on this key, and kms:Decrypt if the trail uses SSE-KMS.`,
    );
  }
  if (error.name === 'NoSuchBucket') return new PermanentSourceError(`${where}: bucket does not exist`);
  return new Error(`${where}: ${error.name}: ${error.message}`);
}

/** Lists every object under a prefix, page by page (for `index s3://bucket/prefix` backfills). */
export async function* listS3Objects(
  s3: S3Client,
  bucket: string,
  prefix: string,
): AsyncGenerator<ObjectRef> {
  let continuationToken: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: continuationToken }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key !== undefined) yield { bucket, key: object.Key, size: object.Size, etag: object.ETag };
    }
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);
}

export { parseS3Url } from './s3Url.js';
