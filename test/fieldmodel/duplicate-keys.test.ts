/**
 * A record that repeats a key is indexed (the last value wins, as JSON.parse and OpenSearch's parser
 * without duplicate detection read it; the replaced values are kept in `ct.overwritten`), and a dead
 * letter written for such a record by an earlier version is indexed by a re-drive instead of failing
 * again. Through the CLI in a child process, over HTTP to the dev server (which, like OpenSearch,
 * refuses a document with a repeated key).
 */
import { strict as assert } from 'node:assert';
import { IndexDeadLetterStore } from '../../src/deadletter/indexSink.js';
import { clientHttp } from '../../src/http/request.js';
import { DEFAULT_RETRY } from '../../src/http/retry.js';
import { recoverRecord } from '../../src/documents/recover.js';
import { cli, summaryNumber } from '../helpers/cli.js';
import { DEAD_LETTER_INDEX, logPath, search, useSuite, writeCloudTrailFile } from './helpers.js';

describe('field model: records with repeated keys (CLI, dev server)', function () {
  this.timeout(60_000);
  const suite = useSuite('dup');

  it('indexes the record with the last value of each key, the others in ct.overwritten', async () => {
    const repeated =
      '{"eventTime":"2024-04-01T10:00:00Z","eventID":"dup-1","eventName":"First","readOnly":true,' +
      '"requestParameters":{"bucketName":"a","bucketName":"b","x":{"y":1,"y":[2]}},"eventName":"Last"}';
    const plain = { eventTime: '2024-04-01T10:00:01Z', eventID: 'dup-2', eventName: 'Plain' };
    const file = await writeCloudTrailFile(logPath(suite.work, '2024-04-01', 'dup'), ['@R@', plain], (json) =>
      json.replace('"@R@"', repeated),
    );
    const result = await cli('index', file, '--endpoint', suite.h.server.url);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(summaryNumber(result.stdout, 'indexed'), 2);
    assert.equal(summaryNumber(result.stdout, 'dead-lettered'), 0);

    const [hit] = await search(suite.h.server, 'cloudtrail-2024-04-01', { term: { eventID: 'dup-1' } });
    assert.ok(hit);
    assert.equal(hit._source.eventName, 'Last');
    assert.deepEqual(hit._source.requestParameters, { bucketName: 'b', x: { y: [2] } });
    assert.deepEqual(hit._source.ct.tags, ['duplicate-keys']);
    assert.deepEqual(JSON.parse(hit._source.ct.overwritten as string), {
      '/requestParameters/bucketName': ['a'],
      '/requestParameters/x/y': [1],
      '/eventName': ['First'],
    });
    // ct.pairs is indexed, not stored in _source (the template's _source excludes): found by a search.
    const pairs = { term: { 'ct.pairs': 'requestParameters.bucketName=b' } };
    assert.deepEqual(
      (await search(suite.h.server, 'cloudtrail-2024-04-01', pairs)).map((found) => found._id),
      ['dup-1'],
    );
    // Searchable by its typed fields as any record.
    assert.equal((await search(suite.h.server, 'cloudtrail-2*', { term: { eventName: 'Last' } })).length, 1);
    assert.deepEqual(recoverRecord(hit._source), JSON.parse(repeated));
  });

  it('a dead letter an earlier version wrote for such a record is indexed by a re-drive', async () => {
    // What an earlier version stored: the record's text copied as it was, repeated key included,
    // rejected by the cluster (`Duplicate field 'eventName'`).
    const document =
      '{"@timestamp":"2024-04-02T08:00:00.000Z","ct":{"source":"/old/file.json","recordIndex":4},' +
      '"eventTime":"2024-04-02T08:00:00Z","eventID":"dup-old","eventName":"X","eventName":"Y"}';
    const entry = {
      source: '/old/file.json',
      recordIndex: 4,
      failedAt: '2024-04-02T08:05:00.000Z',
      reason:
        "mapper_parsing_exception: failed to parse (caused by json_parse_exception: Duplicate field 'eventName') (self-heal found nothing to fix)",
      index: 'cloudtrail-2024-04-02',
      id: 'dup-old',
      document,
    };
    await new IndexDeadLetterStore(DEAD_LETTER_INDEX, DEFAULT_RETRY)
      .forFile({
        http: clientHttp(suite.h.client),
        budget: { requestTimeoutMs: 30_000, remainingTimeMs: () => Infinity },
      })
      .write([entry]); // as it was stored

    const result = await cli(
      'redrive',
      '--endpoint',
      suite.h.server.url,
      '--from',
      `index:${DEAD_LETTER_INDEX}`,
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^indexed:\s+1$/m);
    assert.match(result.stdout, /^still failing:\s+0$/m);

    const [hit] = await search(suite.h.server, 'cloudtrail-2024-04-02', { term: { eventID: 'dup-old' } });
    assert.ok(hit, 'the re-driven record is indexed');
    assert.equal(hit._id, 'dup-old');
    assert.equal(hit._source.eventName, 'Y');
    assert.deepEqual(JSON.parse(hit._source.ct.overwritten as string), { '/eventName': ['X'] });
    assert.deepEqual(hit._source.ct.tags, ['duplicate-keys', 'healed']);
  });
});
