/**
 * The ledger extension through the Indexer, reading from s3rver through the AWS SDK and writing to the
 * dev server: one entry per object with the SHA-256 of the uncompressed bytes, counts, event times and
 * indices; a replay updates the same entry (attempts 2, first processed kept); a ledger that cannot be
 * written fails the file, with every record still delivered.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { LedgerExtension } from '../../src/ledger/extension.js';
import { MAX_QUEUED_BYTES, type HashingMode } from '../../src/ledger/hashing.js';
import { ledgerId, type LogFileEntry } from '../../src/ledger/ledger.js';
import { silentTelemetry } from '../../src/observability/telemetry.js';
import { createClient } from '../../src/opensearch/client.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer } from '../../src/pipeline/indexer.js';
import { startS3, type TestS3 } from '../helpers/s3server.js';
import { standardTrail, upload } from '../audit/trail.js';

const BUCKET = 'ledger-bucket';

describe('ledger extension (s3rver + dev server)', function () {
  this.timeout(60_000);
  let server: DevServer;
  let s3: TestS3;
  let prefixNumber = 0;
  const trail = standardTrail(BUCKET);

  before(async () => {
    server = await startDevServer({ port: 0 });
    s3 = await startS3();
    await s3.createBucket(BUCKET);
    await upload(s3, BUCKET, trail.logFiles);
  });
  after(async () => {
    await server?.close();
    await s3?.close();
  });

  function indexer(indexPrefix: string, hashing: HashingMode = 'auto'): Indexer {
    const client = createClient({ endpoint: server.url });
    const options = { ...DEFAULT_PIPELINE_SETTINGS, indexPrefix };
    return new Indexer(client, options, silentTelemetry(), s3.client, [new LedgerExtension({ hashing })]);
  }

  async function entry(indexPrefix: string, key: string): Promise<LogFileEntry | undefined> {
    const response = await fetch(`${server.url}/${indexPrefix}ledger/_doc/${ledgerId(BUCKET, key)}`);
    const body = (await response.json()) as { found: boolean; _source: LogFileEntry };
    return body.found ? body._source : undefined;
  }

  for (const hashing of ['worker', 'main-thread'] as const)
    it(`writes one entry per object: hash of the uncompressed bytes, counts, event times, indices, status (hashing on ${hashing})`, async () => {
      const prefix = `l${++prefixNumber}-`;
      const file = trail.logFiles[0]!;
      const outcome = await indexer(prefix, hashing).indexS3Object(
        { bucket: BUCKET, key: file.key },
        () => Infinity,
      );
      assert.equal(outcome.error, undefined);
      const written = await entry(prefix, file.key);
      assert.ok(written, 'the ledger has the file');
      const records = (JSON.parse(gunzipSync(file.body).toString()) as { Records: { eventTime: string }[] })
        .Records;
      const times = records.map((r) => r.eventTime).sort();
      assert.deepEqual(
        {
          kind: written.kind,
          bucket: written.bucket,
          key: written.key,
          size: written.size,
          sha256: written.sha256,
          status: written.status,
          counts: [
            written.read,
            written.indexed,
            written.duplicates,
            written.deadLettered,
            written.undelivered,
          ],
          oldest: written.oldestEventTime,
          newest: written.newestEventTime,
          indices: written.indices,
          attempts: written.attempts,
        },
        {
          kind: 'log',
          bucket: BUCKET,
          key: file.key,
          size: file.body.length,
          sha256: createHash('sha256').update(gunzipSync(file.body)).digest('hex'),
          status: 'complete',
          counts: [records.length, records.length, 0, 0, 0],
          oldest: new Date(times[0]!).toISOString(),
          newest: new Date(times[times.length - 1]!).toISOString(),
          indices: [`${prefix}2026-11-02`],
          attempts: 1,
        },
      );
      assert.ok(written.etag, 'the ETag is kept (resume compares it)');
    });

  it('a file larger than the hashing thread may hold back: every record indexed, the hash exact', async () => {
    const prefix = `l${++prefixNumber}-`;
    const key = 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/02/big.json.gz';
    const records = Array.from({ length: 6000 }, (_, n) => ({
      eventVersion: '1.08',
      eventTime: '2026-11-02T10:00:00Z',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      eventID: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      requestParameters: { key: `object-${n}-${'x'.repeat(1000)}` },
    }));
    const json = Buffer.from(JSON.stringify({ Records: records }));
    assert.ok(json.length > 1.5 * MAX_QUEUED_BYTES);
    await s3.put(BUCKET, key, gzipSync(json));
    const outcome = await indexer(prefix, 'worker').indexS3Object({ bucket: BUCKET, key }, () => Infinity);
    assert.equal(outcome.error, undefined);
    assert.equal(outcome.indexed, records.length);
    assert.equal((await entry(prefix, key))?.sha256, createHash('sha256').update(json).digest('hex'));
  });

  it('a replay updates the same entry: attempts 2, first processed kept, duplicates counted', async () => {
    const prefix = `l${++prefixNumber}-`;
    const file = trail.logFiles[1]!;
    const run = indexer(prefix);
    await run.indexS3Object({ bucket: BUCKET, key: file.key }, () => Infinity);
    const first = (await entry(prefix, file.key))!;
    const again = await run.indexS3Object({ bucket: BUCKET, key: file.key }, () => Infinity);
    assert.equal(again.duplicates, file.records);
    const second = (await entry(prefix, file.key))!;
    assert.equal(second.attempts, 2);
    assert.equal(second.firstProcessed, first.firstProcessed);
    assert.ok(second.lastProcessed >= first.lastProcessed);
    assert.equal(second.duplicates, file.records);
    assert.equal(second.status, 'complete');
    assert.equal(second.sha256, first.sha256);
    await fetch(`${server.url}/${prefix}ledger/_refresh`, { method: 'POST' });
    const count = (await (await fetch(`${server.url}/${prefix}ledger/_count`)).json()) as { count: number };
    assert.equal(count.count, 1, 'one entry per object');
  });

  it('a ledger that cannot be written fails the file (so it is retried); its records are still delivered', async () => {
    const prefix = `l${++prefixNumber}-`;
    // An index of the same name that refuses the entry's fields: `status` as a long.
    await fetch(`${server.url}/${prefix}ledger`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mappings: { properties: { status: { type: 'long' } } } }),
    });
    const file = trail.logFiles[2]!;
    const outcome = await indexer(prefix).indexS3Object({ bucket: BUCKET, key: file.key }, () => Infinity);
    assert.match(outcome.error ?? '', /ledger: writing the ledger entry to .*ledger failed/);
    assert.equal(outcome.indexed, file.records);
    assert.equal(
      outcome.read,
      outcome.indexed + outcome.duplicates + outcome.deadLettered + outcome.undelivered,
    );
  });
});
