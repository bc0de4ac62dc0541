import { strict as assert } from 'node:assert';
import { call, ndjson, useServer } from './helpers.js';

describe('dev server: dynamic and explicit mapping (OPENSEARCH.md §3)', () => {
  const server = useServer();

  async function indexOne(index: string, doc: unknown, id = '1') {
    const answer = await call(server(), 'POST', '/_bulk', ndjson({ index: { _index: index, _id: id } }, doc));
    return answer.body.items[0].index;
  }
  async function mapping(index: string) {
    return (await call(server(), 'GET', `/${index}/_mapping`)).body[index].mappings;
  }

  it('§3.1 type inference: long, float (for 1.0), boolean, object, text+keyword(ignore_above 256); [] and null add nothing', async () => {
    // Sent as raw text: JSON.stringify would print 1.0 as 1.
    await call(
      server(),
      'POST',
      '/_bulk',
      '{"index":{"_index":"m1"}}\n{"l":1,"f":1.0,"b":true,"o":{"s":"x"},"e":[],"n":null}\n',
    );
    assert.deepEqual(await mapping('m1'), {
      properties: {
        l: { type: 'long' },
        f: { type: 'float' },
        b: { type: 'boolean' },
        o: {
          properties: { s: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } } },
        },
      },
    });
  });

  it('§3.2 date detection on by default: ISO string → date; "2024" stays text', async () => {
    await indexOne('m2', { t: '2024-01-02T03:04:05Z', apiVersion: '2012-08-10', y: '2024' });
    const props = (await mapping('m2')).properties;
    assert.deepEqual(props.t, { type: 'date' });
    assert.deepEqual(props.apiVersion, { type: 'date' });
    assert.equal(props.y.type, 'text');
  });

  it('§3.2 CloudTrail trap: apiVersion mapped as date, later "v1" → 400 with the date caused_by chain', async () => {
    await indexOne('m3', { apiVersion: '2012-08-10' });
    const item = await indexOne('m3', { apiVersion: 'v1' }, '2');
    assert.equal(item.status, 400);
    assert.equal(item.error.type, 'mapper_parsing_exception');
    assert.equal(
      item.error.reason,
      "failed to parse field [apiVersion] of type [date] in document with id '2'. Preview of field's value: 'v1'",
    );
    assert.equal(item.error.caused_by.type, 'illegal_argument_exception');
    assert.equal(
      item.error.caused_by.reason,
      'failed to parse date field [v1] with format [strict_date_optional_time||epoch_millis]',
    );
    assert.equal(item.error.caused_by.caused_by.type, 'date_time_parse_exception');
    assert.equal(item.error.caused_by.caused_by.reason, 'Failed to parse with all enclosed parsers');
  });

  it('§3.2 date_detection:false keeps ISO strings as text', async () => {
    await call(server(), 'PUT', '/m4', { mappings: { date_detection: false } });
    await indexOne('m4', { t: '2024-01-02T03:04:05Z' });
    assert.equal((await mapping('m4')).properties.t.type, 'text');
  });

  it('§3.2 numeric_detection:true maps "42" to long and "4.2" to float', async () => {
    await call(server(), 'PUT', '/m5', { mappings: { numeric_detection: true } });
    await indexOne('m5', { a: '42', b: '4.2' });
    const props = (await mapping('m5')).properties;
    assert.deepEqual([props.a.type, props.b.type], ['long', 'float']);
  });

  it('§3.4 long field given "abc" → 400, caused_by illegal_argument_exception For input string', async () => {
    await indexOne('m6', { n: 1 });
    const item = await indexOne('m6', { n: 'abc' }, '2');
    assert.equal(
      item.error.reason,
      "failed to parse field [n] of type [long] in document with id '2'. Preview of field's value: 'abc'",
    );
    assert.deepEqual(item.error.caused_by, {
      type: 'illegal_argument_exception',
      reason: 'For input string: "abc"',
    });
  });

  it('§3.4 float field given "N/A" → caused_by number_format_exception', async () => {
    await indexOne('m7', { f: 1.5 });
    const item = await indexOne('m7', { f: 'N/A' }, '2');
    assert.equal(
      item.error.reason,
      "failed to parse field [f] of type [float] in document with id '2'. Preview of field's value: 'N/A'",
    );
    assert.deepEqual(item.error.caused_by, {
      type: 'number_format_exception',
      reason: 'For input string: "N/A"',
    });
  });

  it('§3.4 long accepts "7" and 7.9 (coerce); text accepts numbers', async () => {
    await indexOne('m8', { n: 1, s: 'x' });
    assert.equal((await indexOne('m8', { n: '7', s: 5 }, '2')).status, 201);
    assert.equal((await indexOne('m8', { n: 7.9, s: true }, '3')).status, 201);
    await call(server(), 'POST', '/m8/_refresh');
    const hits = await call(server(), 'POST', '/m8/_search', { query: { term: { n: 7 } } });
    assert.equal(hits.body.hits.total.value, 2);
  });

  it('§3.4 text field given an object → 400 caused_by illegal_state_exception with the column', async () => {
    await indexOne('m9', { x: 's' });
    const item = await indexOne('m9', { x: { a: 1 } }, '2');
    assert.equal(
      item.error.reason,
      "failed to parse field [x] of type [text] in document with id '2'. Preview of field's value: '{a=1}'",
    );
    assert.deepEqual(item.error.caused_by, {
      type: 'illegal_state_exception',
      reason: "Can't get text on a START_OBJECT at 1:6",
    });
  });

  it('§3.4 object given a concrete value → 400 "tried to parse field [o] as object"', async () => {
    await indexOne('m10', { o: { a: 1 } });
    const item = await indexOne('m10', { o: 's' }, '2');
    assert.equal(item.error.type, 'mapper_parsing_exception');
    assert.equal(
      item.error.reason,
      'object mapping for [o] tried to parse field [o] as object, but found a concrete value',
    );
  });

  it('§3.1 mixed array [1,"a"] on a new field → 400 "mapper [f] cannot be changed from type [long] to [text]" (code-read)', async () => {
    const item = await indexOne('m11', { f: [1, 'a'] });
    assert.equal(item.error.type, 'illegal_argument_exception');
    assert.equal(item.error.reason, 'mapper [f] cannot be changed from type [long] to [text]');
  });

  it('§3.1 dotted names map as objects; dotted into a concrete field fails', async () => {
    await indexOne('m12', { 'a.b': 1, c: 'x' });
    assert.deepEqual((await mapping('m12')).properties.a, { properties: { b: { type: 'long' } } });
    const item = await indexOne('m12', { 'c.d': 1 }, '2');
    assert.equal(
      item.error.reason,
      'Could not dynamically add mapping for field [c.d]. Existing mapping for [c] must be of type object but found [text].',
    );
    const empty = await indexOne('m12', { 'a.': 1 }, '3');
    assert.equal(
      empty.error.caused_by.reason,
      'object field starting or ending with a [.] makes object resolution ambiguous: [a.]',
    );
  });

  it('§3.3 dynamic:strict → strict_dynamic_mapping_exception, nested path in the message', async () => {
    await call(server(), 'PUT', '/m13', {
      mappings: { dynamic: 'strict', properties: { o: { properties: { a: { type: 'keyword' } } } } },
    });
    const top = await indexOne('m13', { z: 1 });
    assert.equal(top.error.type, 'strict_dynamic_mapping_exception');
    assert.equal(
      top.error.reason,
      'mapping set to strict, dynamic introduction of [z] within [_doc] is not allowed',
    );
    const nested = await indexOne('m13', { o: { b: null } }, '2');
    assert.equal(
      nested.error.reason,
      'mapping set to strict, dynamic introduction of [b] within [o] is not allowed',
    );
  });

  it('§3.3 dynamic:false keeps unmapped fields in _source but they are not searchable; inherited by children', async () => {
    await call(server(), 'PUT', '/m14', {
      mappings: { dynamic: false, properties: { o: { properties: { k: { type: 'keyword' } } } } },
    });
    await indexOne('m14', { free: 'v', o: { k: 'a', extra: 'e' } });
    await call(server(), 'POST', '/m14/_refresh');
    assert.deepEqual(Object.keys((await mapping('m14')).properties.o.properties), ['k']);
    const unmapped = await call(server(), 'POST', '/m14/_search', { query: { match: { free: 'v' } } });
    assert.equal(unmapped.body.hits.total.value, 0);
    const mapped = await call(server(), 'POST', '/m14/_search', { query: { term: { 'o.k': 'a' } } });
    assert.deepEqual(mapped.body.hits.hits[0]._source, { free: 'v', o: { k: 'a', extra: 'e' } });
  });

  it('§3.3 enabled:false object: any JSON kept in _source, nothing mapped or searchable', async () => {
    await call(server(), 'PUT', '/m15', {
      mappings: { properties: { rp: { type: 'object', enabled: false } } },
    });
    assert.equal((await indexOne('m15', { rp: { a: 1, b: { c: 'x' } } })).status, 201);
    assert.equal((await indexOne('m15', { rp: 'scalar' }, '2')).status, 201);
    assert.equal((await indexOne('m15', { rp: [1, 'two'] }, '3')).status, 201);
    await call(server(), 'POST', '/m15/_refresh');
    assert.deepEqual((await mapping('m15')).properties.rp, { type: 'object', enabled: false });
    const search = await call(server(), 'POST', '/m15/_search', { query: { exists: { field: 'rp.a' } } });
    assert.equal(search.body.hits.total.value, 0);
  });

  it('§3.5 total_fields.limit: strings cost 2, objects 1; the crossing document fails and adds nothing', async () => {
    await call(server(), 'PUT', '/m16', { settings: { 'index.mapping.total_fields.limit': 4 } });
    assert.equal((await indexOne('m16', { o: { s: 'x' } })).status, 201); // o + s + s.keyword = 3
    const item = await indexOne('m16', { t: 'y' }, '2'); // +2 = 5 > 4
    assert.equal(item.status, 400);
    assert.equal(item.error.type, 'illegal_argument_exception');
    assert.equal(item.error.reason, 'Limit of total fields [4] has been exceeded');
    assert.equal((await mapping('m16')).properties.t, undefined);
    assert.equal((await indexOne('m16', { n: 1 }, '3')).status, 201); // +1 = 4
  });

  it('§3.5 total_fields.limit is dynamic: raising it via PUT _settings lets the document in', async () => {
    await call(server(), 'PUT', '/m16/_settings', { index: { mapping: { total_fields: { limit: 10 } } } });
    assert.equal((await indexOne('m16', { t: 'y' }, '2')).status, 201);
  });

  it('§3.5 depth.limit: a deeper document fails while parsing (2.7+); a deeper explicit mapping → "Limit of mapping depth"', async () => {
    await call(server(), 'PUT', '/m17', { settings: { 'index.mapping.depth.limit': 2 } });
    const item = await indexOne('m17', { a: { b: { c: 1 } } });
    assert.equal(item.error.reason, 'failed to parse');
    assert.equal(
      item.error.caused_by.reason,
      'The depth of the field has exceeded the allowed limit of [2]. This limit can be set by changing the [index.mapping.depth.limit] index level setting.',
    );
    const mapping = await call(server(), 'PUT', '/m17/_mapping', {
      properties: { a: { properties: { b: { properties: { c: { type: 'long' } } } } } },
    });
    assert.equal(mapping.status, 400);
    assert.equal(
      mapping.body.error.reason,
      'Limit of mapping depth [2] has been exceeded due to object field [a.b]',
    );
  });

  it('§3.6 ignore_malformed (index setting): bad numbers, dates, ips, booleans are skipped, doc indexed', async () => {
    await call(server(), 'PUT', '/m18', {
      settings: { 'index.mapping.ignore_malformed': true },
      mappings: {
        properties: {
          n: { type: 'long' },
          d: { type: 'date' },
          ip: { type: 'ip' },
          b: { type: 'boolean' },
          o: { properties: {} },
        },
      },
    });
    assert.equal((await indexOne('m18', { n: 'x', d: 'nope', ip: '999.1.1.1', b: 'yes' })).status, 201);
    const structural = await indexOne('m18', { o: 's' }, '2');
    assert.equal(structural.status, 400, 'structural errors are never ignored');
  });

  it('§3.6 per-field ignore_malformed on ip; without it an invalid ip → 400 "is not an IP string literal."', async () => {
    await call(server(), 'PUT', '/m19', {
      mappings: { properties: { lax: { type: 'ip', ignore_malformed: true }, strict: { type: 'ip' } } },
    });
    assert.equal((await indexOne('m19', { lax: 'bad' })).status, 201);
    const item = await indexOne('m19', { strict: 'bad' }, '2');
    assert.equal(
      item.error.reason,
      "failed to parse field [strict] of type [ip] in document with id '2'. Preview of field's value: 'bad'",
    );
    assert.deepEqual(item.error.caused_by, {
      type: 'illegal_argument_exception',
      reason: "'bad' is not an IP string literal.",
    });
  });

  it('explicit boolean: accepts true/"false"/""; "yes" → 400 with the real message', async () => {
    await call(server(), 'PUT', '/m20', { mappings: { properties: { b: { type: 'boolean' } } } });
    for (const [i, value] of [true, 'false', ''].entries())
      assert.equal((await indexOne('m20', { b: value }, `ok${i}`)).status, 201);
    const item = await indexOne('m20', { b: 'yes' }, 'bad');
    assert.deepEqual(item.error.caused_by, {
      type: 'illegal_argument_exception',
      reason: 'Failed to parse value [yes] as only [true] or [false] are allowed.',
    });
  });

  it('keyword ignore_above: longer values accepted, kept in _source, not searchable', async () => {
    await call(server(), 'PUT', '/m21', {
      mappings: { properties: { k: { type: 'keyword', ignore_above: 5 } } },
    });
    assert.equal((await indexOne('m21', { k: 'toolong' })).status, 201);
    await indexOne('m21', { k: 'short' }, '2');
    await call(server(), 'POST', '/m21/_refresh');
    assert.equal(
      (await call(server(), 'POST', '/m21/_search', { query: { term: { k: 'toolong' } } })).body.hits.total
        .value,
      0,
    );
    assert.equal(
      (await call(server(), 'POST', '/m21/_search', { query: { exists: { field: 'k' } } })).body.hits.total
        .value,
      1,
    );
  });

  it('keyword over 32766 UTF-8 bytes without ignore_above → 400 illegal_argument_exception "immense term" (Lucene text)', async () => {
    await call(server(), 'PUT', '/m22', { mappings: { properties: { k: { type: 'keyword' } } } });
    const item = await indexOne('m22', { k: 'a'.repeat(40000) });
    assert.equal(item.status, 400);
    assert.equal(item.error.type, 'illegal_argument_exception');
    assert.ok(
      item.error.reason.startsWith(
        'Document contains at least one immense term in field="k" (whose UTF8 encoding is longer than the max length 32766), all of which were skipped.',
      ),
    );
    assert.ok(item.error.reason.includes("The prefix of the first immense term is: '[97, 97, 97"));
    assert.deepEqual(item.error.caused_by, {
      type: 'max_bytes_length_exceeded_exception',
      reason: 'bytes can be at most 32766 in length; got 40000',
    });
  });

  it('dynamic strings over 32766 bytes are fine: text + keyword(ignore_above 256)', async () => {
    assert.equal((await indexOne('m23', { big: 'a'.repeat(40000) })).status, 201);
  });

  it('mapping validation: unknown type → "No handler for type [flattened] declared on field [x]"', async () => {
    const answer = await call(server(), 'PUT', '/m24', {
      mappings: { properties: { x: { type: 'flattened' } } },
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.type, 'mapper_parsing_exception');
    assert.equal(
      answer.body.error.reason,
      'Failed to parse mapping [_doc]: No handler for type [flattened] declared on field [x]',
    );
  });

  it('PUT _mapping: type change → 400 "mapper [n] cannot be changed from type [long] to [keyword]"', async () => {
    await indexOne('m25', { n: 1 });
    const answer = await call(server(), 'PUT', '/m25/_mapping', { properties: { n: { type: 'keyword' } } });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.reason, 'mapper [n] cannot be changed from type [long] to [keyword]');
    const added = await call(server(), 'PUT', '/m25/_mapping', { properties: { k: { type: 'keyword' } } });
    assert.deepEqual(added.body, { acknowledged: true });
  });

  it('explicit date format epoch_millis parses numbers; a bad value names that format', async () => {
    await call(server(), 'PUT', '/m26', {
      mappings: { properties: { d: { type: 'date', format: 'epoch_millis' } } },
    });
    assert.equal((await indexOne('m26', { d: 1704164645000 })).status, 201);
    const item = await indexOne('m26', { d: '2024-01-01' }, '2');
    assert.equal(
      item.error.caused_by.reason,
      'failed to parse date field [2024-01-01] with format [epoch_millis]',
    );
  });
});
