/**
 * Dead letters and re-drive, both destinations (`index:NAME`, `s3://bucket/prefix`): documents that the
 * cluster refuses for a reason self-heal cannot fix (a higher-priority template making the daily index
 * `dynamic: strict`) land in the dead letter with source, record index, index/id, document and reason;
 * after the cause is fixed, `cloudtrail-opensearch redrive` puts every one in exactly once.
 */
import { strict as assert } from 'node:assert';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { cli, summaryNumber } from '../helpers/cli.js';
import {
  assertExactlyOnce,
  BUCKET,
  deadLetters,
  generateCorpus,
  invoke,
  lambdaEnv,
  resetCluster,
  startRig,
  storedIds,
  type Corpus,
  type DeadLetterDoc,
  type Rig,
} from './harness.js';

const line = summaryNumber;

describe('reliability: dead letters and redrive', function () {
  this.timeout(60_000);
  let rig: Rig;
  let corpus: Corpus;
  let key: string;
  let ids: string[];

  before(async () => {
    rig = await startRig();
    corpus = await generateCorpus(rig, 'deadletter', 240, 240, 'dead-letters');
    key = corpus.keys[0]!;
    ids = corpus.idsByKey.get(key)!;
  });
  after(async () => rig?.close());
  beforeEach(async () => {
    await resetCluster(rig);
    await fetch(`${rig.server.url}/ct-dead`, { method: 'DELETE' });
  });

  /** The cause: a template that outranks ours and makes every CloudTrail field an error. */
  async function breakMapping(): Promise<void> {
    const response = await fetch(`${rig.server.url}/_index_template/broken`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        index_patterns: ['cloudtrail-2024-*'],
        priority: 5000,
        template: { mappings: { dynamic: 'strict', properties: { eventName: { type: 'keyword' } } } },
      }),
    });
    assert.equal(response.status, 200);
  }
  async function fixMapping(): Promise<void> {
    await fetch(`${rig.server.url}/_index_template/broken`, { method: 'DELETE' });
    await fetch(`${rig.server.url}/cloudtrail-2024-*`, { method: 'DELETE' });
  }

  function checkEntries(entries: DeadLetterDoc[]): void {
    assert.equal(entries.length, ids.length, 'one entry per record');
    assert.deepEqual(
      entries.map((entry) => entry.recordIndex).sort((a, b) => a! - b!),
      ids.map((_, n) => n),
    );
    assert.deepEqual(new Set(entries.map((entry) => entry.id)), new Set(ids));
    for (const entry of entries) {
      assert.equal(entry.source, `s3://${BUCKET}/${key}`);
      assert.match(entry.reason, /strict_dynamic_mapping_exception/);
      assert.match(entry.index ?? '', /^cloudtrail-2024-01-0[12]$/);
      const document = JSON.parse(entry.document!) as { eventID: string };
      assert.equal(document.eventID, entry.id, 'the stored document is the one that was refused');
      assert.ok(!Number.isNaN(Date.parse(entry.failedAt)));
    }
  }

  it('DEAD_LETTER=index:NAME: entries hold record, source, index and reason; redrive indexes all exactly once', async () => {
    lambdaEnv(rig, { DEAD_LETTER: 'index:ct-dead' });
    await breakMapping();
    assert.equal(await invoke(key), undefined, 'dead-lettered records count as delivered');
    assert.equal(await invoke(key), undefined, 'a replay (at-least-once) writes the same entries again');
    assert.deepEqual(await storedIds(rig), []);
    checkEntries(await deadLetters(rig, 'ct-dead'));

    // A raw record (no document was built when it failed) is rebuilt by the redrive.
    const raw = { eventID: 'raw-record-1', eventTime: '2024-01-01T12:00:00Z', eventName: 'GetObject' };
    await fetch(`${rig.server.url}/ct-dead/_doc/raw-1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        source: `s3://${BUCKET}/${key}`,
        recordIndex: 999,
        reason: 'builder bug (fixed since)',
        document: JSON.stringify(raw),
        failedAt: new Date().toISOString(),
      }),
    });

    // Redrive before the fix: nothing gets in, nothing is deleted, the exit code says so.
    const early = await cli(
      'redrive',
      '--endpoint',
      rig.server.url,
      '--from',
      'index:ct-dead',
      '--delete-after',
    );
    assert.equal(early.code, 3, early.stdout + early.stderr);
    assert.equal(line(early.stdout, 'still failing'), ids.length + 1, early.stdout);
    assert.equal((await deadLetters(rig, 'ct-dead')).length, ids.length + 1);

    await fixMapping();
    const first = await cli(
      'redrive',
      '--endpoint',
      rig.server.url,
      '--from',
      'index:ct-dead',
      '--delete-after',
    );
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(line(first.stdout, 'dead letters'), ids.length + 1);
    assert.equal(line(first.stdout, 'indexed'), ids.length + 1);
    assert.equal(line(first.stdout, 'deleted'), ids.length + 1);
    await assertExactlyOnce(rig, [...ids, 'raw-record-1'], 'after redrive');
    assert.deepEqual(await deadLetters(rig, 'ct-dead'), []);

    const again = await cli('redrive', '--endpoint', rig.server.url, '--from', 'index:ct-dead');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(line(again.stdout, 'dead letters'), 0);
  });

  it('DEAD_LETTER=s3://bucket/prefix: same, and a redrive without --delete-after keeps the entries (409s on the next run)', async () => {
    lambdaEnv(rig, { DEAD_LETTER: `s3://${BUCKET}/dead-letters/` });
    await breakMapping();
    assert.equal(await invoke(key), undefined);
    assert.equal(await invoke(key), undefined);
    const readS3 = async () => {
      const listed = await rig.s3.client.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'dead-letters/' }),
      );
      const entries: DeadLetterDoc[] = [];
      for (const object of listed.Contents ?? []) {
        const got = await rig.s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: object.Key! }));
        const text = gunzipSync(Buffer.from(await got.Body!.transformToByteArray())).toString('utf8');
        for (const row of text.split('\n')) if (row.trim()) entries.push(JSON.parse(row) as DeadLetterDoc);
      }
      return entries;
    };
    checkEntries(await readS3()); // written twice, stored once

    await fixMapping();
    const s3Args = ['--from', `s3://${BUCKET}/dead-letters/`, '--s3-endpoint', rig.s3.endpoint];
    const keep = await cli('redrive', '--endpoint', rig.server.url, ...s3Args);
    assert.equal(keep.code, 0, keep.stdout + keep.stderr);
    assert.equal(line(keep.stdout, 'indexed'), ids.length);
    assert.equal((await readS3()).length, ids.length, 'kept without --delete-after');

    const finish = await cli('redrive', '--endpoint', rig.server.url, ...s3Args, '--delete-after');
    assert.equal(finish.code, 0, finish.stdout + finish.stderr);
    assert.equal(line(finish.stdout, 'duplicates'), ids.length);
    assert.equal(line(finish.stdout, 'deleted'), ids.length);
    assert.deepEqual(await readS3(), []);
    await assertExactlyOnce(rig, ids, 'after s3 redrive');
  });

  it('DEAD_LETTER=s3: a replay of a large file, with responses back in another order, writes the same objects', async () => {
    // Several windows of records, four requests in flight, and latency on some requests so bulk
    // responses come back out of order, differently on each run.
    const large = await generateCorpus(rig, 'deadletter-large', 4500, 4500, 'dead-letters-large');
    const largeKey = large.keys[0]!;
    lambdaEnv(rig, { DEAD_LETTER: `s3://${BUCKET}/dead-large/`, BULK_CONCURRENCY: '4' });
    await breakMapping();
    const objects = async () => {
      const listed = await rig.s3.client.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'dead-large/' }),
      );
      return (listed.Contents ?? []).map((object) => object.Key!).sort();
    };
    rig.server.faults.add({ path: '/_bulk', fault: { kind: 'latency', ms: 40 }, probability: 0.3 });
    assert.equal(await invoke(largeKey), undefined);
    const first = await objects();
    assert.ok(first.length >= 3, `one object per window of records, got ${first.length}`);
    rig.server.faults.reseed(7);
    assert.equal(await invoke(largeKey), undefined);
    assert.deepEqual(await objects(), first, 'the replay overwrote the same objects');

    let entries = 0;
    for (const objectKey of first) {
      const got = await rig.s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey }));
      const text = gunzipSync(Buffer.from(await got.Body!.transformToByteArray())).toString('utf8');
      const indices = text
        .split('\n')
        .filter((row) => row.trim())
        .map((row) => (JSON.parse(row) as DeadLetterDoc).recordIndex!);
      assert.deepEqual(
        indices,
        [...indices].sort((a, b) => a - b),
        `${objectKey} is in record order`,
      );
      entries += indices.length;
    }
    assert.equal(entries, large.ids.length, 'every record once across the objects');
  });
});
