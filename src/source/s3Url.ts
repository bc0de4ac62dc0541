/** `s3://bucket/prefix` URLs, apart from the S3 client so the CLI can check its options without loading it. */

/** Parses `s3://bucket/prefix` (prefix may be empty). */
export function parseS3Url(url: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  return match ? { bucket: match[1]!, prefix: match[2]! } : undefined;
}
