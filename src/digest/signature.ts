/**
 * Digest signatures. CloudTrail signs, with SHA256withRSA, the string made of four lines: the digest's
 * end time, its `bucket/key`, the hex SHA-256 of its uncompressed bytes, and the previous digest's hex
 * signature (`null` for the first digest of a chain). Public keys come from CloudTrail's
 * `ListPublicKeys` in the digest's region, matched by the fingerprint the digest names.
 */
import { CloudTrailClient, ListPublicKeysCommand } from '@aws-sdk/client-cloudtrail';
import { createPublicKey, verify } from 'node:crypto';
import { BoundedAnswerHandler } from '../http/awsAnswer.js';
import type { ReadDigest } from './read.js';

export function signingString(read: ReadDigest): string {
  const { digest } = read;
  return [
    digest.digestEndTime,
    `${digest.digestS3Bucket}/${digest.digestS3Object}`,
    read.sha256,
    digest.previousDigestSignature ?? 'null',
  ].join('\n');
}

/** Why the digest's signature does not hold, or undefined when it does. */
export function signatureProblem(read: ReadDigest, publicKeyDer: Uint8Array | undefined): string | undefined {
  if (!read.signature) return 'the object has no x-amz-meta-signature metadata';
  const algorithm = read.signatureAlgorithm ?? read.digest.digestSignatureAlgorithm;
  if (algorithm !== 'SHA256withRSA') return `unsupported signature algorithm ${algorithm}`;
  if (!publicKeyDer)
    return `no CloudTrail public key with fingerprint ${read.digest.digestPublicKeyFingerprint} for ${read.where.region}`;
  if (!/^[0-9a-f]+$/i.test(read.signature)) return 'the signature is not hex';
  const key = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'pkcs1' });
  const ok = verify(
    'sha256',
    Buffer.from(signingString(read), 'utf8'),
    key,
    Buffer.from(read.signature, 'hex'),
  );
  return ok ? undefined : 'the signature does not match the digest (altered, or not signed by CloudTrail)';
}

export interface PublicKeySettings {
  /** A CloudTrail-compatible endpoint instead of AWS's (tests, VPC endpoints). */
  endpoint?: string;
  requestTimeoutMs: number;
}

/** CloudTrail's public keys by region and fingerprint, fetched once per region for the audited range. */
export class PublicKeys {
  private readonly byRegion = new Map<string, Promise<Map<string, Uint8Array>>>();

  constructor(
    private readonly settings: PublicKeySettings,
    private readonly from: Date,
    private readonly to: Date,
  ) {}

  async find(region: string, fingerprint: string): Promise<Uint8Array | undefined> {
    let keys = this.byRegion.get(region);
    if (!keys) {
      keys = this.list(region);
      this.byRegion.set(region, keys);
    }
    return (await keys).get(fingerprint.toLowerCase());
  }

  private async list(region: string): Promise<Map<string, Uint8Array>> {
    const client = new CloudTrailClient({
      region,
      maxAttempts: 4,
      requestHandler: new BoundedAnswerHandler({
        service: 'CloudTrail',
        timeoutMs: this.settings.requestTimeoutMs,
      }),
      ...(this.settings.endpoint ? { endpoint: this.settings.endpoint } : {}),
    });
    const keys = new Map<string, Uint8Array>();
    try {
      let nextToken: string | undefined;
      do {
        const page = await client.send(
          new ListPublicKeysCommand({ StartTime: this.from, EndTime: this.to, NextToken: nextToken }),
        );
        for (const key of page.PublicKeyList ?? []) {
          if (key.Fingerprint && key.Value) keys.set(key.Fingerprint.toLowerCase(), key.Value);
        }
        nextToken = page.NextToken;
      } while (nextToken);
    } finally {
      client.destroy();
    }
    return keys;
  }
}
