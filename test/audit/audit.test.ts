/**
 * The audit end to end, as an auditor runs it: a trail-shaped bucket in s3rver (log files and signed,
 * chained digest files in CloudTrail's format and layout), files indexed by the Lambda handler or the
 * `index` command, then `audit` run as a child process against the dev server, with ListPublicKeys
 * answered by a local CloudTrail endpoint through the real SDK client. Each case asserts what the
 * report names and the exit code.
 */
import { strict as assert } from 'node:assert';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { handler } from '../../index.js';
import { lambdaContext, withLambdaEnv } from './lambdaEnv.js';
import { cliWithEnv, type CliResult } from '../helpers/cli.js';
import { auditStand } from './stand.js';
import { DAY, upload, type Trail } from './trail.js';

interface JsonReport {
  digests: number;
  backfillDigests: number;
  logFiles: number;
  signaturesVerified?: number;
  counts: Record<string, number>;
  findings: { kind: string; object: string; detail: string }[];
}

function s3Event(bucket: string, keys: string[]) {
  return {
    Records: keys.map((key) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      s3: {
        bucket: { name: bucket },
        object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: 100 },
      },
    })),
  };
}

describe('audit against CloudTrail digest files (s3rver + dev server + CLI child process)', function () {
  this.timeout(180_000);
  const stand = auditStand();
  const newTrail = () => stand.newTrail('audit-trail');
  const indexWithCli = (bucket: string, prefix: string) => stand.indexWithCli(bucket, prefix);

  async function audit(bucket: string, prefix: string, ...extra: string[]): Promise<CliResult> {
    return cliWithEnv(
      { INDEX_PREFIX: prefix, S3_ENDPOINT: stand.s3.endpoint, CLOUDTRAIL_ENDPOINT: stand.cloudTrail.url },
      'audit',
      `s3://${bucket}/`,
      '--endpoint',
      stand.server.url,
      '--from',
      DAY,
      '--to',
      DAY,
      ...extra,
    );
  }

  async function auditJson(
    bucket: string,
    prefix: string,
    ...extra: string[]
  ): Promise<{ code: number; report: JsonReport }> {
    const result = await audit(bucket, prefix, '--json', ...extra);
    assert.ok(result.stdout.startsWith('{'), `JSON report expected:\n${result.stdout}\n${result.stderr}`);
    return { code: result.code, report: JSON.parse(result.stdout) as JsonReport };
  }

  async function indexWithLambda(bucket: string, prefix: string, keys: string[]): Promise<void> {
    await withLambdaEnv(
      { OPENSEARCH_ENDPOINT: stand.server.url, S3_ENDPOINT: stand.s3.endpoint, INDEX_PREFIX: prefix },
      async () => {
        for (const key of keys) await handler(s3Event(bucket, [key]), lambdaContext());
      },
    );
  }

  async function eventCount(prefix: string): Promise<number> {
    await fetch(`${stand.server.url}/_refresh`, { method: 'POST' });
    const body = (await (await fetch(`${stand.server.url}/${prefix}2*/_count`)).json()) as { count: number };
    return body.count;
  }

  const url = (bucket: string, key: string) => `s3://${bucket}/${key}`;
  const totalRecords = (trail: Trail) => trail.logFiles.reduce((sum, file) => sum + file.records, 0);

  it('Lambda handler: every log file and digest triggered → the audit is clean, signatures verified, digests in the ledger', async () => {
    const { bucket, prefix, trail } = await newTrail();
    await upload(stand.s3, bucket, [...trail.logFiles, ...trail.digests]);
    await indexWithLambda(
      bucket,
      prefix,
      [...trail.logFiles, ...trail.digests].map((o) => o.key),
    );
    assert.equal(await eventCount(prefix), totalRecords(trail));
    const ledger = (await (
      await fetch(`${stand.server.url}/${prefix}ledger/_search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ size: 0, query: { term: { kind: 'digest' } } }),
      })
    ).json()) as { hits: { total: { value: number } } };
    assert.equal(
      ledger.hits.total.value,
      trail.digests.length,
      'the Lambda keeps every digest in the ledger',
    );

    const { code, report } = await auditJson(bucket, prefix, '--verify-signatures');
    assert.deepEqual(report.findings, []);
    assert.equal(code, 0);
    assert.equal(report.digests, trail.digests.length);
    assert.equal(report.backfillDigests, 1);
    assert.equal(report.logFiles, trail.logFiles.length);
    assert.equal(report.signaturesVerified, trail.digests.length);
    const text = await audit(bucket, prefix);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /verdict:\s+CLEAN/);
  });

  it('Lambda handler: one log file never triggered → exactly it is reported missing', async () => {
    const { bucket, prefix, trail } = await newTrail();
    await upload(stand.s3, bucket, [...trail.logFiles, ...trail.digests]);
    const [skipped, ...rest] = trail.logFiles;
    await indexWithLambda(
      bucket,
      prefix,
      rest.map((o) => o.key),
    );
    const { code, report } = await auditJson(bucket, prefix);
    assert.equal(code, 1);
    assert.deepEqual(
      report.findings.map((f) => [f.kind, f.object]),
      [['missing', url(bucket, skipped!.key)]],
    );
  });

  it('index command: a file delivered after the backfill is reported missing; --requeue indexes it and the audit is clean', async () => {
    const { bucket, prefix, trail } = await newTrail();
    const late = trail.logFiles[1]!;
    await upload(stand.s3, bucket, [...trail.logFiles.filter((f) => f !== late), ...trail.digests]);
    await indexWithCli(bucket, prefix);
    await upload(stand.s3, bucket, [late]);

    const before = await audit(bucket, prefix);
    assert.equal(before.code, 1, before.stdout + before.stderr);
    assert.match(before.stdout, /verdict:\s+1 GAP/);
    assert.ok(before.stdout.includes(`missing: ${url(bucket, late.key)}`), before.stdout);
    assert.equal(await eventCount(prefix), totalRecords(trail) - late.records);

    const requeued = await audit(bucket, prefix, '--requeue');
    assert.equal(requeued.code, 0, requeued.stdout + requeued.stderr);
    assert.match(requeued.stdout, /requeued:\s+1 file/);
    assert.match(requeued.stdout, /verdict:\s+CLEAN/);
    assert.equal(await eventCount(prefix), totalRecords(trail));
  });

  it('a log file altered before it was indexed → a hash mismatch naming it', async () => {
    const { bucket, prefix, trail } = await newTrail();
    const altered = trail.logFiles[2]!;
    const content = JSON.parse(gunzipSync(altered.body).toString()) as { Records: { eventName: string }[] };
    content.Records[0]!.eventName = 'DeleteTrail';
    await upload(stand.s3, bucket, [
      ...trail.logFiles.filter((f) => f !== altered),
      { key: altered.key, body: gzipSync(JSON.stringify(content)) },
      ...trail.digests,
    ]);
    await indexWithCli(bucket, prefix);
    const { code, report } = await auditJson(bucket, prefix);
    assert.equal(code, 1);
    assert.deepEqual(
      report.findings.map((f) => [f.kind, f.object]),
      [['hash-mismatch', url(bucket, altered.key)]],
    );
  });

  it('a digest deleted → a chain gap naming it', async () => {
    const { bucket, prefix, trail } = await newTrail();
    await upload(stand.s3, bucket, [...trail.logFiles, ...trail.digests]);
    await indexWithCli(bucket, prefix);
    const deleted = trail.digests[1]!; // the middle hour of the first chain (the empty one)
    await stand.s3.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: deleted.key }));
    const { code, report } = await auditJson(bucket, prefix);
    assert.equal(code, 1);
    assert.ok(report.counts['chain-gap']! >= 1, JSON.stringify(report.findings));
    assert.ok(
      report.findings.every((f) => f.kind === 'chain-gap'),
      JSON.stringify(report.findings),
    );
    assert.ok(
      report.findings.some(
        (f) => f.object === url(bucket, deleted.key) && /not in the bucket/.test(f.detail),
      ),
      JSON.stringify(report.findings),
    );
  });

  it('a tampered digest → its signature fails with --verify-signatures (and not without)', async () => {
    const { bucket, prefix, trail } = await newTrail();
    // The last digest of the organization chain: no later digest names its hash, so only the signature tells.
    const tampered = trail.digests.filter((d) => d.key.includes('/o-abc123def4/')).pop()!;
    const content = JSON.parse(gunzipSync(tampered.body).toString()) as { logFiles: { s3Object: string }[] };
    content.logFiles = [];
    await upload(stand.s3, bucket, [
      ...trail.logFiles,
      ...trail.digests.filter((d) => d !== tampered),
      { ...tampered, body: gzipSync(JSON.stringify(content)) },
    ]);
    await indexWithCli(bucket, prefix);
    const unsigned = await auditJson(bucket, prefix);
    assert.deepEqual(unsigned.report.findings, [], 'without signatures the edit is invisible');
    const { code, report } = await auditJson(bucket, prefix, '--verify-signatures');
    assert.equal(code, 1);
    assert.deepEqual(
      report.findings.map((f) => [f.kind, f.object]),
      [['signature', url(bucket, tampered.key)]],
    );
    assert.equal(report.signaturesVerified, trail.digests.length - 1);
  });
});
