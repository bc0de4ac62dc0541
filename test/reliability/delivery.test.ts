/**
 * Delivery holes closed, through the Lambda handler (dev server + s3rver, the test proxy in between for
 * what the dev server does not play): short bulk answers on the main path and in the dead-letter index,
 * throttled dead-letter items, a gzip bomb as a bulk answer, a trickled `GET /` under REQUEST_TIMEOUT_MS,
 * an invocation giving up as a whole, and a password in OPENSEARCH_ENDPOINT never echoed.
 */
import { strict as assert } from 'node:assert';
import { gzipSync } from 'node:zlib';
import { handler as cleanupHandler } from '../../cleanup/index.js';
import { handler } from '../../index.js';
import {
  assertExactlyOnce,
  BUCKET,
  DEAD_LETTER_INDEX,
  deadLetters,
  generateCorpus,
  invoke,
  lambdaContext,
  lambdaEnv,
  resetCluster,
  sqsEvent,
  startProxy,
  startRig,
  type Corpus,
  type Proxy,
  type ProxyAction,
  type Rig,
} from './harness.js';
import type { ProxiedRequest } from './proxy.js';

const MIB = 1024 * 1024;
const ODD_KEY = 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/01/odd20_CloudTrail_us-east-1_x.json.gz';
/** Two CloudTrail records and twenty records that are not objects: twenty dead letters in one write. */
const ODD_RECORDS = [
  { eventID: 'good-1', eventTime: '2024-01-01T00:00:00Z', eventName: 'A' },
  ...Array.from({ length: 20 }, (_, n) => n),
  { eventID: 'good-2', eventTime: '2024-01-01T00:00:01Z', eventName: 'B' },
];

const isDeadLetterWrite = (request: ProxiedRequest) =>
  request.url.startsWith('/_bulk') && request.body.includes(`"_index":"${DEAD_LETTER_INDEX}"`);
const isDailyWrite = (request: ProxiedRequest) =>
  request.url.startsWith('/_bulk') && !isDeadLetterWrite(request);

describe('reliability: delivery holes (Lambda handler)', function () {
  this.timeout(60_000);
  let rig: Rig;
  let corpus: Corpus;
  let proxy: Proxy | undefined;

  before(async () => {
    rig = await startRig();
    corpus = await generateCorpus(rig, 'delivery', 1200, 200, 'delivery');
    await rig.s3.put(BUCKET, ODD_KEY, gzipSync(JSON.stringify({ Records: ODD_RECORDS })));
  });
  after(async () => rig?.close());
  beforeEach(async () => {
    await resetCluster(rig);
    await fetch(`${rig.server.url}/${DEAD_LETTER_INDEX}`, { method: 'DELETE' });
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  async function through(
    decide: (request: ProxiedRequest) => ProxyAction,
    extra: Record<string, string> = {},
  ) {
    proxy = await startProxy(rig.server.url, decide);
    lambdaEnv(rig, { OPENSEARCH_ENDPOINT: proxy.url, ...extra });
  }

  it('a dead-letter answer missing 2 items: those entries are written again, all 20 are stored', async () => {
    let shortened = 0;
    await through((request) =>
      isDeadLetterWrite(request) && shortened++ === 0
        ? {
            kind: 'forward',
            edit: (answer) => ({ ...answer, items: (answer.items as unknown[]).slice(0, -2) }),
          }
        : { kind: 'forward' },
    );
    assert.equal(await invoke(ODD_KEY), undefined);
    assert.equal(shortened, 2, 'a second dead-letter write sent the two entries without an answer');
    assert.deepEqual(
      (await deadLetters(rig)).map((entry) => entry.recordIndex).sort((a, b) => a! - b!),
      Array.from({ length: 20 }, (_, n) => n + 1),
    );
    await assertExactlyOnce(rig, ['good-1', 'good-2'], 'dead letters, short answer');
  });

  it('dead-letter entries refused by the cluster fail the file, naming what was not stored; the retry stores them', async () => {
    await through((request) =>
      isDeadLetterWrite(request)
        ? {
            kind: 'forward',
            itemFault: (doc) =>
              ['3', '4'].includes(String((JSON.parse(doc.source) as { recordIndex: number }).recordIndex))
                ? {
                    status: 400,
                    type: 'mapper_parsing_exception',
                    reason: 'failed to parse field [document]',
                  }
                : undefined,
          }
        : { kind: 'forward' },
    );
    const error = await invoke(ODD_KEY);
    assert.match(
      error ?? '',
      /dead letter index:cloudtrail-deadletter failed: dead letter index:cloudtrail-deadletter: 2 of 20 entries not stored: mapper_parsing_exception: failed to parse field \[document\]/,
    );
    assert.match(error ?? '', /1 of 1 file\(s\) not fully indexed/);

    lambdaEnv(rig);
    assert.equal(await invoke(ODD_KEY), undefined);
    assert.equal((await deadLetters(rig)).length, 20, 'each entry once (the same ids are written again)');
    await assertExactlyOnce(rig, ['good-1', 'good-2'], 'dead letters refused, then retried');
  });

  it('throttled dead-letter items are retried with backoff within the invocation', async () => {
    const seen = new Set<string>();
    await through((request) =>
      isDeadLetterWrite(request)
        ? {
            kind: 'forward',
            itemFault: (doc) => {
              const first = !seen.has(doc.id);
              seen.add(doc.id);
              return first && seen.size % 4 === 0
                ? { status: 429, type: 'rejected_execution_exception', reason: 'queue full' }
                : undefined;
            },
          }
        : { kind: 'forward' },
    );
    assert.equal(await invoke(ODD_KEY), undefined);
    assert.equal((await deadLetters(rig)).length, 20);
  });

  it('main path: answers missing items converge within one invocation, each record stored once', async () => {
    let bulks = 0;
    await through((request) =>
      isDailyWrite(request) && ++bulks <= 3
        ? {
            kind: 'forward',
            edit: (answer) => ({ ...answer, items: (answer.items as unknown[]).slice(0, -2) }),
          }
        : { kind: 'forward' },
    );
    const key = corpus.keys[0]!;
    assert.equal(await invoke(key), undefined);
    await assertExactlyOnce(rig, corpus.idsByKey.get(key)!, 'short answers');
  });

  it('a bulk answer that inflates to 1 GiB fails the file cleanly, with bounded memory; the retry indexes it', async () => {
    await through((request) =>
      isDailyWrite(request) ? { kind: 'gzip-bomb', inflatedBytes: 1024 * MIB } : { kind: 'forward' },
    );
    const key = corpus.keys[1]!;
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const error = await invoke(key);
    const grown = process.resourceUsage().maxRSS * 1024 - peakBefore;
    assert.match(
      error ?? '',
      /bulk indexing failed \(fatal\): network error ERESPONSETOOLARGE: POST \/_bulk: the answer inflates to more than 33554432 bytes/,
    );
    assert.match(error ?? '', /200 document\(s\) undelivered/);
    assert.ok(grown < 300 * MIB, `peak RSS grew ${Math.round(grown / MIB)} MiB`);
    if (process.env.RELIABILITY_REPORT)
      console.log(`gzip bomb answer: peak RSS grew ${Math.round(grown / MIB)} MiB`);
    assert.equal((await deadLetters(rig)).length, 0, 'nothing is dead-lettered for it');

    lambdaEnv(rig);
    assert.equal(await invoke(key), undefined);
    await assertExactlyOnce(rig, corpus.idsByKey.get(key)!, 'after a gzip bomb');
  });

  it('REQUEST_TIMEOUT_MS: a GET / trickled a byte every 500 ms is abandoned at the deadline and retried', async () => {
    await through(({ number }) => (number === 1 ? { kind: 'trickle', everyMs: 500 } : { kind: 'forward' }), {
      REQUEST_TIMEOUT_MS: '1000',
    });
    const key = corpus.keys[2]!;
    assert.equal(await invoke(key), undefined);
    await assertExactlyOnce(rig, corpus.idsByKey.get(key)!, 'trickled GET /');
  });

  it('S3: answer headers that do not come are retried at the deadline; a trickled object body fails the file', async () => {
    const key = corpus.keys[3]!;
    let gets = 0;
    const s3 = await startProxy(rig.s3.endpoint, (request) => {
      if (request.method !== 'GET' || !request.url.includes(encodeURI(key).split('/').pop()!))
        return { kind: 'forward' };
      gets++;
      // First GetObject: nothing but a byte every 500 ms; second: the headers, then the body a byte every 200 ms.
      if (gets === 1) return { kind: 'trickle', everyMs: 500 };
      if (gets === 2) return { kind: 'forward', trickleBodyEveryMs: 200 };
      return { kind: 'forward' };
    });
    try {
      lambdaEnv(rig, { REQUEST_TIMEOUT_MS: '1000' }, s3.url);
      const error = await invoke(key);
      assert.equal(gets, 2, 'the SDK retried the GetObject whose answer never came');
      assert.match(error ?? '', /S3 answer stalled: \d+ bytes after waiting \d+ ms/);
      assert.equal(await invoke(key), undefined);
      await assertExactlyOnce(rig, corpus.idsByKey.get(key)!, 'after a stalled S3 body');
    } finally {
      await s3.close();
    }
  });

  it('S3: a read that would outlast the Lambda is aborted before the function runs out of time', async () => {
    const key = corpus.keys[4]!;
    const s3 = await startProxy(rig.s3.endpoint, (request) =>
      request.method === 'GET' && request.url.includes(encodeURI(key).split('/').pop()!)
        ? { kind: 'trickle', everyMs: 500 }
        : { kind: 'forward' },
    );
    try {
      lambdaEnv(rig, {}, s3.url);
      const end = Date.now() + 4_000;
      const error = await invoke(
        key,
        lambdaContext(() => end - Date.now()),
      );
      assert.ok(Date.now() < end, 'the invocation ended before its time was up');
      assert.match(error ?? '', new RegExp(`s3://${BUCKET}/${key.replaceAll('.', '\\.')}: .*abort`, 'i'));
    } finally {
      await s3.close();
    }
  });

  it('an SQS batch gives up as a whole: after 3 files refused, the others are not started and come back later', async () => {
    const denied = JSON.stringify({
      error: {
        type: 'security_exception',
        reason: 'no permissions for [indices:data/write/bulk] and User [name=x, backend_roles=[]]',
      },
      status: 403,
    });
    // One bulk request per file, so the requests tell how many files were started.
    await through(
      (request) =>
        isDailyWrite(request) ? { kind: 'reply', status: 403, body: denied } : { kind: 'forward' },
      { BULK_MAX_DOCS: '1000' },
    );
    const response = (await handler(sqsEvent(corpus.keys), lambdaContext())) as {
      batchItemFailures: unknown[];
    };
    assert.equal(response.batchItemFailures.length, corpus.keys.length, 'every message comes back');
    const filesSent = new Set(proxy!.log.filter(isDailyLog).map((r) => r.docs[0]?.id));
    assert.equal(filesSent.size, 3, 'only the files that tripped the breaker were sent');

    lambdaEnv(rig);
    const retried = (await handler(sqsEvent(corpus.keys), lambdaContext())) as {
      batchItemFailures: unknown[];
    };
    assert.deepEqual(retried.batchItemFailures, []);
    await assertExactlyOnce(rig, corpus.ids, 'after access was fixed');
  });

  it('a bad OPENSEARCH_ENDPOINT holding a password is refused by both Lambdas without echoing it', async () => {
    lambdaEnv(rig, { OPENSEARCH_ENDPOINT: 'http://admin:S3cretPw@127.0.0.1:999999', KEEP_DAYS: '30' });
    const indexer = await invoke(corpus.keys[0]!);
    assert.match(
      indexer ?? '',
      /^OPENSEARCH_ENDPOINT="http:\/\/\*\*\*@127\.0\.0\.1:999999": expected an http\(s\) URL/,
    );
    await assert.rejects(cleanupHandler(), (error: Error) => {
      assert.match(error.message, /^OPENSEARCH_ENDPOINT="http:\/\/\*\*\*@127\.0\.0\.1:999999"/);
      return true;
    });
    assert.ok(!(indexer ?? '').includes('S3cretPw'));
  });
});

/** A bulk request carrying events for a daily index (not the dead-letter index, nor a file's ledger entry). */
function isDailyLog(record: { path: string; docs: { index: string }[] }): boolean {
  return (
    record.path === '/_bulk' && record.docs.some((doc) => /^cloudtrail-\d{4}-\d{2}-\d{2}$/.test(doc.index))
  );
}
