/**
 * CloudTrail digest files (log file integrity validation): where they live and what they hold.
 *
 * Each hour CloudTrail writes, per trail and region, a gzipped JSON digest listing the log files it
 * delivered in that hour with the SHA-256 of each file's uncompressed bytes, and chains it to the
 * digest before it (its key, hash and signature). Keys follow
 * `[prefix/]AWSLogs/[o-org/]ACCOUNT/CloudTrail-Digest/REGION/YYYY/MM/DD/
 *  ACCOUNT_CloudTrail-Digest_REGION_TRAIL_HOMEREGION_YYYYMMDDTHHMMSSZ[_backfill].json.gz`,
 * where `_backfill` marks a late digest for files an earlier digest could not include. The first
 * digest of a chain has null `previousDigest*` fields; an hour without deliveries has an empty `logFiles`.
 */

/** What a digest's key says about it. */
export interface DigestKey {
  account: string;
  /** The organization id (`o-…`) of an organization trail's path. */
  organization?: string;
  region: string;
  trail: string;
  /** The trail's home region, as the file name gives it. */
  homeRegion: string;
  /** End of the hour the digest covers, from the file name (ISO 8601). */
  endTime: string;
  backfill: boolean;
}

export interface DigestLogFile {
  s3Bucket: string;
  s3Object: string;
  hashValue: string;
  hashAlgorithm: string;
  newestEventTime: string | null;
  oldestEventTime: string | null;
}

/** A digest file's documented fields. */
export interface Digest {
  awsAccountId: string;
  digestStartTime: string;
  digestEndTime: string;
  digestS3Bucket: string;
  digestS3Object: string;
  digestPublicKeyFingerprint: string;
  digestSignatureAlgorithm: string;
  newestEventTime: string | null;
  oldestEventTime: string | null;
  previousDigestS3Bucket: string | null;
  previousDigestS3Object: string | null;
  previousDigestHashValue: string | null;
  previousDigestHashAlgorithm: string | null;
  previousDigestSignature: string | null;
  logFiles: DigestLogFile[];
}

/** A digest that is not what CloudTrail writes: names the file and the field. */
export class DigestError extends Error {
  override readonly name = 'DigestError';
}

const DIGEST_KEY =
  /(?:^|\/)AWSLogs\/(?:(o-[a-z0-9]+)\/)?(\d{12})\/CloudTrail-Digest\/([a-z0-9-]+)\/\d{4}\/\d{2}\/\d{2}\/\2_CloudTrail-Digest_\3_(.+)_([a-z0-9-]+)_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z(_backfill)?\.json\.gz$/;

/** What the key of a digest says, or undefined when the key is not a digest's. */
export function parseDigestKey(key: string): DigestKey | undefined {
  const match = DIGEST_KEY.exec(key);
  if (!match) return undefined;
  const [, organization, account, region, trail, homeRegion, y, mo, d, h, mi, s, backfill] = match;
  return {
    account: account!,
    ...(organization ? { organization } : {}),
    region: region!,
    trail: trail!,
    homeRegion: homeRegion!,
    endTime: `${y}-${mo}-${d}T${h}:${mi}:${s}Z`,
    backfill: backfill !== undefined,
  };
}

const STRING_FIELDS = [
  'awsAccountId',
  'digestStartTime',
  'digestEndTime',
  'digestS3Bucket',
  'digestS3Object',
  'digestPublicKeyFingerprint',
  'digestSignatureAlgorithm',
] as const;
const NULLABLE_FIELDS = [
  'newestEventTime',
  'oldestEventTime',
  'previousDigestS3Bucket',
  'previousDigestS3Object',
  'previousDigestHashValue',
  'previousDigestHashAlgorithm',
  'previousDigestSignature',
] as const;
const LOG_FILE_STRINGS = ['s3Bucket', 's3Object', 'hashValue', 'hashAlgorithm'] as const;
const LOG_FILE_NULLABLE = ['newestEventTime', 'oldestEventTime'] as const;

/** Parses a digest's uncompressed text, checking every documented field; `source` names it in errors. */
export function parseDigest(text: string, source: string): Digest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DigestError(`${source}: not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isObject(value)) throw new DigestError(`${source}: expected a JSON object, got ${typeName(value)}`);
  for (const field of STRING_FIELDS) requireString(value, field, source);
  for (const field of NULLABLE_FIELDS) requireNullableString(value, field, source);
  const logFiles = value.logFiles;
  if (!Array.isArray(logFiles))
    throw new DigestError(`${source}: field logFiles: expected an array, got ${typeName(logFiles)}`);
  logFiles.forEach((logFile: unknown, position) => {
    const where = `${source}: logFiles[${position}]`;
    if (!isObject(logFile)) throw new DigestError(`${where}: expected an object, got ${typeName(logFile)}`);
    for (const field of LOG_FILE_STRINGS) requireString(logFile, field, where);
    for (const field of LOG_FILE_NULLABLE) requireNullableString(logFile, field, where);
  });
  return value as unknown as Digest;
}

function requireString(value: Record<string, unknown>, field: string, where: string): void {
  if (typeof value[field] !== 'string' || value[field] === '')
    throw new DigestError(
      `${where}: field ${field}: expected a non-empty string, got ${typeName(value[field])}`,
    );
}

function requireNullableString(value: Record<string, unknown>, field: string, where: string): void {
  // A missing field reads as null: CloudTrail writes them all, but a missing one means "none" too.
  if (value[field] === undefined) value[field] = null;
  if (value[field] !== null && typeof value[field] !== 'string')
    throw new DigestError(
      `${where}: field ${field}: expected a string or null, got ${typeName(value[field])}`,
    );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `"${value.slice(0, 40)}"` : typeof value;
}
