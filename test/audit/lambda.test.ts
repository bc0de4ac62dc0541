/**
 * The scheduled audit Lambda (src/audit/lambda.ts) in-process, against s3rver and the dev server: the
 * days it audits come from the schedule's time, a clean trail gives no finding and zero metrics, a log
 * file never indexed is named in the log and counted in AuditMissingFiles (EMF on stdout, as CloudWatch
 * reads it), and bad settings are refused naming each variable.
 */
import { strict as assert } from 'node:assert';
import { auditDays, handler } from '../../src/audit/lambda.js';
import { loadAuditConfig } from '../../src/audit/config.js';
import { lambdaContext, withLambdaEnv } from './lambdaEnv.js';
import { auditStand } from './stand.js';
import { DAY, upload, type Trail } from './trail.js';

interface Answer {
  verdict: string;
  digests: number;
  logFiles: number;
  signaturesVerified?: number;
  counts: Record<string, number>;
  findings: { kind: string; object: string }[];
}

/** Runs `work` with stdout and stderr captured (Powertools writes JSON log lines and EMF metrics there). */
async function capturingStdout<T>(
  work: () => Promise<T>,
): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const written: string[] = [];
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write.bind(stream));
  for (const stream of streams)
    stream.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof stream.write;
  try {
    const result = await work();
    const lines = written
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { result, lines };
  } finally {
    streams.forEach((stream, index) => (stream.write = writes[index]!));
  }
}

describe('scheduled audit Lambda (in-process handler, s3rver + dev server + local CloudTrail)', function () {
  this.timeout(180_000);
  const stand = auditStand();

  async function indexedTrail(leaveOut = 0): Promise<{ bucket: string; prefix: string; trail: Trail }> {
    const { bucket, prefix, trail } = await stand.newTrail('scheduled-audit');
    await upload(stand.s3, bucket, [...trail.logFiles.slice(leaveOut), ...trail.digests]);
    await stand.indexWithCli(bucket, prefix);
    // Delivered after the backfill and never indexed.
    await upload(stand.s3, bucket, trail.logFiles.slice(0, leaveOut));
    return { bucket, prefix, trail };
  }

  const scheduled = (bucket: string, prefix: string) =>
    capturingStdout(() =>
      withLambdaEnv(
        {
          OPENSEARCH_ENDPOINT: stand.server.url,
          S3_ENDPOINT: stand.s3.endpoint,
          CLOUDTRAIL_ENDPOINT: stand.cloudTrail.url,
          INDEX_PREFIX: prefix,
          TRAIL_BUCKET: bucket,
          TRAIL_PREFIX: 'AWSLogs/',
          AUDIT_DAYS: '1',
          AUDIT_VERIFY_SIGNATURES: 'true',
          LOG_LEVEL: 'INFO',
          POWERTOOLS_METRICS_DISABLED: 'false',
          POWERTOOLS_SERVICE_NAME: 'stack-audit',
        },
        // The schedule fired early the next day: the day audited is DAY.
        () =>
          handler(
            { 'detail-type': 'Scheduled Event', time: `${DAY.slice(0, 8)}03T03:00:00Z` },
            lambdaContext(),
          ),
      ),
    );

  function metric(lines: Record<string, unknown>[], name: string): number | undefined {
    const emf = lines.find((line) => line._aws !== undefined && name in line);
    return emf?.[name] as number | undefined;
  }

  it('audits the days before the schedule fired', () => {
    assert.deepEqual(auditDays(new Date('2026-11-03T03:00:00Z'), 1), {
      from: '2026-11-02',
      to: '2026-11-02',
    });
    assert.deepEqual(auditDays(new Date('2026-03-01T00:00:00Z'), 3), {
      from: '2026-02-26',
      to: '2026-02-28',
    });
  });

  it('a clean trail: verdict clean, every signature verified, all audit metrics 0', async () => {
    const { bucket, prefix, trail } = await indexedTrail();
    const { result, lines } = await scheduled(bucket, prefix);
    const answer = result as Answer;
    assert.deepEqual(answer.findings, []);
    assert.equal(answer.verdict, 'clean');
    assert.equal(answer.digests, trail.digests.length);
    assert.equal(answer.logFiles, trail.logFiles.length);
    assert.equal(answer.signaturesVerified, trail.digests.length);
    for (const name of ['AuditMissingFiles', 'AuditHashMismatches', 'AuditChainGaps', 'AuditFindings'])
      assert.equal(metric(lines, name), 0, name);
  });

  it('a log file never indexed: the log names it, AuditMissingFiles and AuditFindings are 1', async () => {
    const { bucket, prefix, trail } = await indexedTrail(1);
    const missing = `s3://${bucket}/${trail.logFiles[0]!.key}`;
    const { result, lines } = await scheduled(bucket, prefix);
    const answer = result as Answer;
    assert.equal(answer.verdict, 'gaps');
    assert.deepEqual(
      answer.findings.map((f) => [f.kind, f.object]),
      [['missing', missing]],
    );
    const logged = lines.filter((line) => line.message === 'audit finding: missing');
    assert.deepEqual(
      logged.map((line) => line.object),
      [missing],
    );
    assert.equal(metric(lines, 'AuditMissingFiles'), 1);
    assert.equal(metric(lines, 'AuditFindings'), 1);
    assert.equal(metric(lines, 'AuditChainGaps'), 0);
  });

  it('refuses bad settings, naming every variable at once', () => {
    assert.throws(
      () =>
        loadAuditConfig({
          OPENSEARCH_ENDPOINT: 'http://127.0.0.1:9200',
          AUDIT_DAYS: '0',
          AUDIT_ACCOUNTS: '1234',
          AUDIT_VERIFY_SIGNATURES: 'yes',
        }),
      (error: Error) =>
        /TRAIL_BUCKET is not set/.test(error.message) &&
        /AUDIT_DAYS="0"/.test(error.message) &&
        /AUDIT_ACCOUNTS="1234": "1234" is not a 12-digit account id/.test(error.message) &&
        /AUDIT_VERIFY_SIGNATURES="yes"/.test(error.message),
    );
  });
});
