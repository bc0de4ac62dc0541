import { strict as assert } from 'node:assert';
import { classifyItem, classifyResponse, type ItemVerdict } from '../../src/bulk/classify.js';

function failedItem(
  status: number,
  type: string,
  reason: string,
  extra: Record<string, unknown> = {},
): unknown {
  return {
    create: { _index: 'cloudtrail-2024-01-02', _id: 'id-1', status, error: { type, reason, ...extra } },
  };
}

describe('classifyItem', () => {
  it('201 created is created', () => {
    const item = { create: { _index: 'i', _id: 'a', _version: 1, result: 'created', status: 201 } };
    assert.deepEqual(classifyItem(item), { verdict: 'created', status: 201 });
  });

  const rows: Array<[string, unknown, ItemVerdict]> = [
    [
      '409 version conflict (replay of create)',
      failedItem(
        409,
        'version_conflict_engine_exception',
        '[id-1]: version conflict, document already exists',
      ),
      'duplicate',
    ],
    [
      '404 document missing',
      failedItem(404, 'document_missing_exception', '[id-1]: document missing'),
      'rejected',
    ],
    [
      '400 value cannot parse for the mapped type',
      failedItem(
        400,
        'mapper_parsing_exception',
        "failed to parse field [x] of type [long] in document with id 'id-1'",
      ),
      'mapping-error',
    ],
    [
      '400 strict dynamic mapping',
      failedItem(
        400,
        'strict_dynamic_mapping_exception',
        'mapping set to strict, dynamic introduction of [f]',
      ),
      'mapping-error',
    ],
    [
      '400 total fields limit',
      failedItem(400, 'illegal_argument_exception', 'Limit of total fields [1000] has been exceeded'),
      'mapping-error',
    ],
    [
      '400 mapper type change',
      failedItem(
        400,
        'illegal_argument_exception',
        'mapper [a] cannot be changed from type [long] to [float]',
      ),
      'mapping-error',
    ],
    [
      '400 immense term',
      failedItem(
        400,
        'illegal_argument_exception',
        'Document contains at least one immense term in field="m"',
      ),
      'mapping-error',
    ],
    [
      '400 other illegal argument',
      failedItem(400, 'illegal_argument_exception', 'something about this document'),
      'rejected',
    ],
    [
      '400 invalid index name',
      failedItem(400, 'invalid_index_name_exception', 'Invalid index name [X], must be lowercase'),
      'halt',
    ],
    [
      '404 auto-create forbidden',
      failedItem(
        404,
        'index_not_found_exception',
        'no such index [x] and [action.auto_create_index] is [false]',
      ),
      'halt',
    ],
    ['400 index closed', failedItem(400, 'index_closed_exception', 'closed'), 'halt'],
    [
      '429 OpenSearch rejected execution',
      failedItem(429, 'rejected_execution_exception', 'rejected execution of coordinating operation [...]'),
      'retry',
    ],
    [
      '429 Elasticsearch rejected execution',
      failedItem(429, 'es_rejected_execution_exception', 'rejected execution of ... on EsThreadPoolExecutor'),
      'retry',
    ],
    [
      '429 transient circuit breaker',
      failedItem(429, 'circuit_breaking_exception', '[parent] Data too large', { durability: 'TRANSIENT' }),
      'retry',
    ],
    [
      '429 permanent circuit breaker',
      failedItem(429, 'circuit_breaking_exception', '[fielddata] Data too large', {
        durability: 'PERMANENT',
      }),
      'halt',
    ],
    [
      '429 flood-stage block',
      failedItem(
        429,
        'cluster_block_exception',
        'index [x] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded]',
      ),
      'halt',
    ],
    [
      '403 FGAC on an item',
      failedItem(403, 'security_exception', 'no permissions for [indices:data/write/bulk[s]]'),
      'auth',
    ],
    [
      '503 unavailable shards',
      failedItem(503, 'unavailable_shards_exception', 'primary shard is not active'),
      'retry',
    ],
    [
      'Serverless time-series collection refusing _id',
      failedItem(
        400,
        'illegal_argument_exception',
        'Document ID is not supported in create/index operation request',
      ),
      'halt',
    ],
  ];
  for (const [name, item, verdict] of rows) {
    it(`${name} → ${verdict}`, () => assert.equal(classifyItem(item).verdict, verdict));
  }

  it('gives "type: reason (caused by …)" and the raw type and reason for self-heal', () => {
    const item = failedItem(400, 'mapper_parsing_exception', 'failed to parse field [n] of type [long]', {
      caused_by: { type: 'illegal_argument_exception', reason: 'For input string: "abc"' },
    });
    assert.deepEqual(classifyItem(item), {
      verdict: 'mapping-error',
      status: 400,
      errorType: 'mapper_parsing_exception',
      errorReason: 'failed to parse field [n] of type [long]',
      reason:
        'mapper_parsing_exception: failed to parse field [n] of type [long] ' +
        '(caused by illegal_argument_exception: For input string: "abc")',
    });
  });

  it('an unreadable item is rejected with its text, not counted as created', () => {
    assert.equal(classifyItem({ create: {} }).verdict, 'rejected');
    assert.match(classifyItem(undefined).reason ?? '', /unreadable bulk item/);
  });
});

describe('classifyResponse', () => {
  it('200 with items is ok and hands the items over', () => {
    const items = [{ create: { _id: 'a', status: 201 } }];
    assert.deepEqual(
      classifyResponse({ statusCode: 200, body: { took: 1, errors: false, items } }).items,
      items,
    );
    assert.equal(classifyResponse({ statusCode: 200, body: JSON.stringify({ items }) }).verdict, 'ok');
  });

  it('200 without items (a proxy page) is retried, not treated as success', () => {
    assert.equal(classifyResponse({ statusCode: 200, body: '<html>hello</html>' }).verdict, 'retry');
    assert.equal(classifyResponse({ statusCode: 200, body: undefined }).verdict, 'retry');
  });

  it("AWS's 413 is a split, with the front end's message as reason", () => {
    const result = classifyResponse({
      statusCode: 413,
      body: { Message: 'Request size exceeded 10485760 bytes' },
    });
    assert.deepEqual(result, { verdict: 'split', reason: 'HTTP 413 Request size exceeded 10485760 bytes' });
    assert.equal(classifyResponse({ statusCode: 413, body: undefined }).verdict, 'split'); // self-managed: empty body
  });

  it('403 security_exception is auth, with the raw reason', () => {
    const reason = 'no permissions for [indices:data/write/bulk] and User [name=arn:aws:iam::1:role/R]';
    const result = classifyResponse({
      statusCode: 403,
      body: { error: { root_cause: [], type: 'security_exception', reason }, status: 403 },
    });
    assert.deepEqual(result, { verdict: 'auth', reason: `HTTP 403 security_exception: ${reason}` });
    assert.equal(classifyResponse({ statusCode: 401, body: 'Unauthorized' }).verdict, 'auth');
    assert.equal(
      classifyResponse({ statusCode: 403, body: { message: 'User: anonymous is not authorized' } }).verdict,
      'auth',
    );
  });

  it("AWS's 403 throttling is a retry, in JSON or in plain text", () => {
    const json = { message: 'Request throttled due to too many requests' };
    assert.equal(classifyResponse({ statusCode: 403, body: json }).verdict, 'retry');
    assert.equal(
      classifyResponse({ statusCode: 403, body: '403 Request throttled due to too many requests' }).verdict,
      'retry',
    );
  });

  it('429, 500, 502, 503 and 504 are retried; a whole-request flood-stage block is fatal', () => {
    for (const statusCode of [429, 500, 502, 503, 504]) {
      assert.equal(classifyResponse({ statusCode, body: undefined }).verdict, 'retry', `HTTP ${statusCode}`);
    }
    const rejected = { error: { type: 'rejected_execution_exception', reason: 'queue full' }, status: 429 };
    assert.equal(classifyResponse({ statusCode: 429, body: rejected }).verdict, 'retry');
    const block = {
      error: { type: 'cluster_block_exception', reason: 'index [x] blocked by: [FORBIDDEN/12]' },
    };
    assert.equal(classifyResponse({ statusCode: 403, body: block }).verdict, 'fatal');
    assert.equal(classifyResponse({ statusCode: 429, body: block }).verdict, 'fatal');
  });

  it('400 and 406 are fatal, with the reason', () => {
    const newline = 'The bulk request must be terminated by a newline [\\n]';
    const bad = { error: { type: 'illegal_argument_exception', reason: newline }, status: 400 };
    assert.deepEqual(classifyResponse({ statusCode: 400, body: bad }), {
      verdict: 'fatal',
      reason: `HTTP 400 illegal_argument_exception: ${newline}`,
    });
    const contentType = { error: 'Content-Type header [text/plain] is not supported', status: 406 };
    assert.deepEqual(classifyResponse({ statusCode: 406, body: contentType }), {
      verdict: 'fatal',
      reason: 'HTTP 406 Content-Type header [text/plain] is not supported',
    });
  });
});
