/**
 * A trail-shaped bucket written the way CloudTrail writes one: gzipped log files under
 * `AWSLogs/[o-org/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/`, and hourly digest files under
 * `CloudTrail-Digest/` listing each log file with the SHA-256 of its uncompressed bytes, chained to the
 * digest before, signed with a test RSA key (SHA256withRSA over the documented signing string), the
 * signature in the object's `signature` metadata. Also answers CloudTrail's ListPublicKeys (JSON 1.1
 * protocol) with the test key, so the real SDK client can fetch it.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { TestS3 } from '../helpers/s3server.js';

export interface TrailObject {
  key: string;
  body: Buffer;
  metadata?: Record<string, string>;
}

export interface LogFile extends TrailObject {
  records: number;
}

export interface Trail {
  logFiles: LogFile[];
  digests: TrailObject[];
  fingerprint: string;
  publicKeyDer: Buffer;
}

export const DAY = '2026-11-02';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function logFileBody(account: string, region: string, time: string, records: number): Buffer {
  const list = Array.from({ length: records }, (_, position) => ({
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', accountId: account, arn: `arn:aws:iam::${account}:user/auditor` },
    eventTime: time.replace(/:\d\dZ$/, `:${String(position % 60).padStart(2, '0')}Z`),
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    awsRegion: region,
    sourceIPAddress: '203.0.113.9',
    requestParameters: { bucketName: 'data', key: `object-${position}` },
    eventID: randomUUID(),
    eventType: 'AwsApiCall',
    recipientAccountId: account,
  }));
  return Buffer.from(JSON.stringify({ Records: list }));
}

interface ChainSpec {
  /** `AWSLogs/` or `AWSLogs/o-org/` (organization trail). */
  root: string;
  account: string;
  region: string;
  /** Log files per hour (0: an hour without deliveries, so an empty `logFiles`). */
  filesPerHour: number[];
}

const stamp = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d+/, '');
const folder = (iso: string) => iso.slice(0, 10).replace(/-/g, '/');

/**
 * A trail in `bucket`: one chain per spec (hours 01:00 to N:00 of DAY, the first digest with null previous
 * fields), plus a late `_backfill` digest for the first chain listing one file delivered late.
 */
export function buildTrail(bucket: string, specs: ChainSpec[]): Trail {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKey = pair.privateKey;
  const publicKeyDer = pair.publicKey.export({ format: 'der', type: 'pkcs1' });
  const fingerprint = createHash('md5').update(publicKeyDer).digest('hex');
  const trail: Trail = { logFiles: [], digests: [], fingerprint, publicKeyDer };

  const digest = (
    spec: ChainSpec,
    start: string,
    end: string,
    files: { key: string; raw: Buffer; time: string }[],
    previous: { key: string; sha: string; signature: string } | undefined,
    backfill = false,
  ) => {
    const key = `${spec.root}${spec.account}/CloudTrail-Digest/${spec.region}/${folder(end)}/${spec.account}_CloudTrail-Digest_${spec.region}_audit-trail_${spec.region}_${stamp(end)}${backfill ? '_backfill' : ''}.json.gz`;
    const content = {
      awsAccountId: spec.account,
      digestStartTime: start,
      digestEndTime: end,
      digestS3Bucket: bucket,
      digestS3Object: key,
      digestPublicKeyFingerprint: fingerprint,
      digestSignatureAlgorithm: 'SHA256withRSA',
      newestEventTime: files.length ? files[files.length - 1]!.time : null,
      oldestEventTime: files.length ? files[0]!.time : null,
      previousDigestS3Bucket: previous ? bucket : null,
      previousDigestS3Object: previous?.key ?? null,
      previousDigestHashValue: previous?.sha ?? null,
      previousDigestHashAlgorithm: previous ? 'SHA-256' : null,
      previousDigestSignature: previous?.signature ?? null,
      logFiles: files.map((file) => ({
        s3Bucket: bucket,
        s3Object: file.key,
        hashValue: sha256(file.raw),
        hashAlgorithm: 'SHA-256',
        newestEventTime: file.time,
        oldestEventTime: file.time,
      })),
    };
    const raw = Buffer.from(JSON.stringify(content));
    const sha = sha256(raw);
    const signingString = `${end}\n${bucket}/${key}\n${sha}\n${previous?.signature ?? 'null'}`;
    const signature = sign('sha256', Buffer.from(signingString), privateKey).toString('hex');
    trail.digests.push({
      key,
      body: gzipSync(raw),
      metadata: { signature, 'signature-algorithm': 'SHA256withRSA' },
    });
    return { key, sha, signature };
  };

  const logFile = (spec: ChainSpec, time: string, records: number) => {
    const raw = logFileBody(spec.account, spec.region, time, records);
    const random = randomUUID().replace(/-/g, '').slice(0, 16);
    const key = `${spec.root}${spec.account}/CloudTrail/${spec.region}/${folder(time)}/${spec.account}_CloudTrail_${spec.region}_${stamp(time).slice(0, 13)}Z_${random}.json.gz`;
    trail.logFiles.push({ key, body: gzipSync(raw), records });
    return { key, raw, time };
  };

  specs.forEach((spec, chainNumber) => {
    let previous: { key: string; sha: string; signature: string } | undefined;
    spec.filesPerHour.forEach((count, hour) => {
      const start = `${DAY}T${String(hour).padStart(2, '0')}:00:31Z`;
      const end = `${DAY}T${String(hour + 1).padStart(2, '0')}:00:31Z`;
      const files = Array.from({ length: count }, (_, n) =>
        logFile(
          spec,
          `${DAY}T${String(hour).padStart(2, '0')}:${String(10 + n * 5).padStart(2, '0')}:00Z`,
          3 + n,
        ),
      );
      previous = digest(spec, start, end, files, previous);
    });
    if (chainNumber === 0) {
      const late = logFile(spec, `${DAY}T00:50:00Z`, 2);
      const hours = spec.filesPerHour.length;
      digest(
        spec,
        `${DAY}T00:00:31Z`,
        `${DAY}T${String(hours).padStart(2, '0')}:20:31Z`,
        [late],
        undefined,
        true,
      );
    }
  });
  return trail;
}

/** The usual test trail: a member account with an empty hour, and an organization trail's account. */
export function standardTrail(bucket: string): Trail {
  return buildTrail(bucket, [
    { root: 'AWSLogs/', account: '111122223333', region: 'us-east-1', filesPerHour: [2, 0, 2] },
    { root: 'AWSLogs/o-abc123def4/', account: '444455556666', region: 'eu-west-1', filesPerHour: [1, 1] },
  ]);
}

export async function upload(s3: TestS3, bucket: string, objects: readonly TrailObject[]): Promise<void> {
  for (const object of objects) {
    await s3.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body, Metadata: object.metadata }),
    );
  }
}

/** A local CloudTrail endpoint answering ListPublicKeys with the given keys (JSON 1.1, as AWS does). */
export async function startCloudTrail(
  keys: () => { fingerprint: string; publicKeyDer: Buffer }[],
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      if (!target.endsWith('.ListPublicKeys')) {
        response.statusCode = 400;
        response.end(JSON.stringify({ __type: 'UnknownOperationException', message: target }));
        return;
      }
      const now = Math.floor(Date.parse(`${DAY}T00:00:00Z`) / 1000);
      response.end(
        JSON.stringify({
          PublicKeyList: keys().map((key) => ({
            Value: key.publicKeyDer.toString('base64'),
            ValidityStartTime: now - 86_400 * 30,
            ValidityEndTime: now + 86_400 * 30,
            Fingerprint: key.fingerprint,
          })),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
