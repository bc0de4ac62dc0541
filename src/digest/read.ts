/**
 * Reads one digest object from S3: its uncompressed bytes (bounded), their SHA-256, the parsed digest,
 * and the signature CloudTrail put in the object's metadata (`x-amz-meta-signature`,
 * `x-amz-meta-signature-algorithm`).
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { readAtMost } from '../http/awsAnswer.js';
import { parseDigest, parseDigestKey, DigestError, type Digest, type DigestKey } from './digest.js';

const gunzipAsync = promisify(gunzip);

/** A digest lists at most an hour of one region's files: a few MB at most; more is not a digest. */
export const MAX_DIGEST_BYTES = 64 * 1024 * 1024;

export interface ReadDigest {
  bucket: string;
  key: string;
  where: DigestKey;
  digest: Digest;
  /** Hex SHA-256 of the uncompressed digest (what the next digest's previousDigestHashValue holds). */
  sha256: string;
  signature?: string;
  signatureAlgorithm?: string;
  size?: number;
  etag?: string;
  versionId?: string;
}

export async function readDigest(s3: S3Client, bucket: string, key: string): Promise<ReadDigest> {
  const source = `s3://${bucket}/${key}`;
  const where = parseDigestKey(key);
  if (!where) throw new DigestError(`${source}: not a CloudTrail digest key`);
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  // Read only up to the bound: a huge object named like a digest must not be held whole first.
  const compressed = await readAtMost(response.Body as Readable, MAX_DIGEST_BYTES, source).catch(
    (error: Error) => {
      throw new DigestError(`${error.message}, more than a digest holds`);
    },
  );
  let bytes: Buffer;
  try {
    bytes = await gunzipAsync(compressed, { maxOutputLength: MAX_DIGEST_BYTES });
  } catch (error) {
    throw new DigestError(
      `${source}: not a gzip file of at most ${MAX_DIGEST_BYTES} bytes: ${String(error)}`,
    );
  }
  const metadata = response.Metadata ?? {};
  return {
    bucket,
    key,
    where,
    digest: parseDigest(bytes.toString('utf8'), source),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    signature: metadata.signature,
    signatureAlgorithm: metadata['signature-algorithm'],
    size: response.ContentLength,
    etag: response.ETag,
    versionId: response.VersionId,
  };
}
