/**
 * Mappings, settings and index APIs as OpenSearch 2.x answers them; each case names the OpenSearch
 * REST conformance test (rest-api-spec/…/test/<api>/<file>.yml) or source it follows.
 */
import { strict as assert } from 'node:assert';
import { call, ndjson, useServer } from './helpers.js';

describe('dev server conformance: mappings, settings and index APIs', () => {
  const server = useServer();

  it('dotted names in PUT _mapping are expanded into objects, so a nested document finds the same field (indices.put_mapping/10_basic.yml)', async () => {
    await call(server(), 'PUT', '/dotted');
    const put = await call(server(), 'PUT', '/dotted/_mapping', {
      properties: { 'a.b': { type: 'keyword' }, 'subfield.text3': { type: 'text' } },
    });
    assert.equal(put.status, 200, put.text);
    const mapping = (await call(server(), 'GET', '/dotted/_mapping')).body.dotted.mappings;
    assert.deepEqual(mapping.properties.a, { properties: { b: { type: 'keyword' } } });
    assert.equal(mapping.properties.subfield.properties.text3.type, 'text');
    await call(server(), 'PUT', '/dotted/_doc/1?refresh=true', { a: { b: 'q' } });
    const found = await call(server(), 'POST', '/dotted/_search', { query: { term: { 'a.b': 'q' } } });
    assert.equal(found.body.hits.total.value, 1);
    const after = (await call(server(), 'GET', '/dotted/_mapping')).body.dotted.mappings;
    assert.deepEqual(Object.keys(after.properties.a.properties), ['b'], 'no second field was added');
  });

  it('dotted names in an index template are expanded the same way', async () => {
    await call(server(), 'PUT', '/_index_template/dotted-t', {
      index_patterns: ['dotted-t-*'],
      template: { mappings: { properties: { 'x.y': { type: 'keyword' } } } },
    });
    await call(server(), 'PUT', '/dotted-t-1/_doc/1?refresh=true', { x: { y: 'v' } });
    const mapping = (await call(server(), 'GET', '/dotted-t-1/_mapping')).body['dotted-t-1'].mappings;
    assert.deepEqual(mapping.properties.x, { properties: { y: { type: 'keyword' } } });
    const found = await call(server(), 'POST', '/dotted-t-1/_search', { query: { term: { 'x.y': 'v' } } });
    assert.equal(found.body.hits.total.value, 1);
  });

  it('PUT _mapping keyed by _doc → 400 "Types cannot be provided in put mapping requests" (indices.put_mapping/10_basic.yml)', async () => {
    await call(server(), 'PUT', '/typed');
    const answer = await call(server(), 'PUT', '/typed/_mapping', {
      _doc: { properties: { field: { type: 'keyword' } } },
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.type, 'illegal_argument_exception');
    assert.equal(answer.body.error.reason, 'Types cannot be provided in put mapping requests');
  });

  it('GET _mapping of a missing index: 404; ignore_unavailable → {}; with allow_no_indices=false → 404 (indices.get_mapping/30_missing_index.yml)', async () => {
    assert.equal((await call(server(), 'GET', '/no-such-index/_mapping')).status, 404);
    const ignored = await call(server(), 'GET', '/no-such-index/_mapping?ignore_unavailable=true');
    assert.equal(ignored.status, 200);
    assert.deepEqual(ignored.body, {});
    const strict = await call(
      server(),
      'GET',
      '/no-such-index/_mapping?ignore_unavailable=true&allow_no_indices=false',
    );
    assert.equal(strict.status, 404);
    assert.equal(strict.body.error.type, 'index_not_found_exception');
    assert.equal(strict.body.error.reason, 'no such index [no-such-index]');
  });

  it('index settings OpenSearch knows are accepted: soft_deletes.enabled, max_docvalue_fields_search, max_script_fields, … (index settings reference)', async () => {
    const answer = await call(server(), 'PUT', '/settings-known', {
      settings: {
        'index.soft_deletes.enabled': true,
        'index.max_docvalue_fields_search': 200,
        'index.max_script_fields': 64,
        'index.max_terms_count': 100000,
        'index.max_inner_result_window': 200,
        'index.gc_deletes': '60s',
      },
    });
    assert.equal(answer.status, 200, answer.text);
    const settings = (await call(server(), 'GET', '/settings-known/_settings?flat_settings=true')).body[
      'settings-known'
    ].settings;
    assert.equal(settings['index.soft_deletes.enabled'], 'true');
    assert.equal(settings['index.max_script_fields'], '64');
    const update = await call(server(), 'PUT', '/settings-known/_settings', {
      'index.max_docvalue_fields_search': 300,
    });
    assert.equal(update.status, 200);
    const fixed = await call(server(), 'PUT', '/settings-known/_settings', {
      'index.soft_deletes.enabled': false,
    });
    assert.equal(fixed.status, 400, 'soft_deletes.enabled is a static setting');
  });

  it('custom analysis settings are refused by name rather than ignored', async () => {
    const answer = await call(server(), 'PUT', '/analysis', {
      settings: { analysis: { analyzer: { mine: { type: 'custom', tokenizer: 'whitespace' } } } },
    });
    assert.equal(answer.status, 400);
    assert.match(answer.body.error.reason, /does not implement \[index\.analysis\./);
  });

  it('dynamic: strict_allow_templates accepts fields matching a dynamic template and refuses others (index/110_strict_allow_templates.yml)', async () => {
    await call(server(), 'PUT', '/strict-templates', {
      mappings: {
        dynamic: 'strict_allow_templates',
        dynamic_templates: [
          { strings: { match: 'stringField*', match_mapping_type: 'string', mapping: { type: 'keyword' } } },
          {
            object: {
              match: 'objectField*',
              match_mapping_type: 'object',
              mapping: { type: 'object', properties: { bar1: { type: 'keyword' }, bar2: { type: 'text' } } },
            },
          },
          {
            boolean: { match: 'booleanField*', match_mapping_type: 'boolean', mapping: { type: 'boolean' } },
          },
          { double: { match: 'doubleField*', match_mapping_type: 'double', mapping: { type: 'double' } } },
          { long: { match: 'longField*', match_mapping_type: 'long', mapping: { type: 'long' } } },
          { array: { match: 'arrayField*', mapping: { type: 'keyword' } } },
          { date: { match: 'dateField*', match_mapping_type: 'date', mapping: { type: 'date' } } },
        ],
        properties: { test1: { type: 'text' } },
      },
    });
    const refused = await call(server(), 'PUT', '/strict-templates/_doc/1', {
      stringField: 'bar',
      objectField: { bar1: 'bar1', bar2: 'bar2' },
      test1: 'test1',
      test2: 'test2',
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.type, 'strict_dynamic_mapping_exception');
    assert.equal(
      refused.body.error.reason,
      'mapping set to strict_allow_templates, dynamic introduction of [test2] within [_doc] is not allowed',
    );
    const accepted = await call(
      server(),
      'PUT',
      '/strict-templates/_doc/1',
      '{"stringField":"bar","objectField":{"bar1":"bar1","bar2":"bar2"},"booleanField":true,"doubleField":1.0,' +
        '"longField":100,"arrayField":["1","2"],"dateField":"2024-06-25T05:11:51.243Z","test1":"test1"}',
    );
    assert.equal(accepted.status, 201, accepted.text);
    const properties = (await call(server(), 'GET', '/strict-templates/_mapping')).body['strict-templates']
      .mappings.properties;
    assert.equal(properties.stringField.type, 'keyword');
    assert.equal(properties.objectField.properties.bar1.type, 'keyword');
    assert.equal(properties.objectField.properties.bar2.type, 'text');
    assert.equal(properties.booleanField.type, 'boolean');
    assert.equal(properties.doubleField.type, 'double');
    assert.equal(properties.longField.type, 'long');
    assert.equal(properties.arrayField.type, 'keyword');
    assert.equal(properties.dateField.type, 'date');
  });

  it('dynamic templates apply under dynamic: true, with {name} filled in (dynamic templates reference)', async () => {
    await call(server(), 'PUT', '/templated', {
      mappings: {
        dynamic_templates: [
          { ids: { match: '*_id', mapping: { type: 'keyword', meta: { from: '{name}' } } } },
        ],
      },
    });
    await call(server(), 'PUT', '/templated/_doc/1', { user_id: 'u-1', other: 'x' });
    const properties = (await call(server(), 'GET', '/templated/_mapping')).body.templated.mappings
      .properties;
    assert.deepEqual(properties.user_id, { type: 'keyword', meta: { from: 'user_id' } });
    assert.equal(properties.other.type, 'text');
  });

  it('ignore_malformed records the field in _ignored; exists/term/terms on _ignored find it; hits carry _ignored (search/200_ignore_malformed.yml)', async () => {
    await call(server(), 'PUT', '/malformed', {
      mappings: {
        properties: {
          my_date: { type: 'date', ignore_malformed: true },
          my_ip: { type: 'ip', ignore_malformed: true },
        },
      },
    });
    await call(
      server(),
      'POST',
      '/_bulk?refresh=true',
      ndjson(
        { index: { _index: 'malformed', _id: '1' } },
        { my_date: '2018-05-11', my_ip: ':::1' },
        { index: { _index: 'malformed', _id: '2' } },
        { my_date: 'bar', my_ip: '192.168.1.42' },
        { index: { _index: 'malformed', _id: '3' } },
        { my_date: 'bar', my_ip: 'quux' },
      ),
    );
    const hitCount = async (query: unknown): Promise<number> =>
      (await call(server(), 'POST', '/malformed/_search?rest_total_hits_as_int=true', { query })).body.hits
        .total;
    assert.equal(await hitCount({ exists: { field: '_ignored' } }), 3);
    assert.equal(await hitCount({ term: { _ignored: 'my_date' } }), 2);
    assert.equal(await hitCount({ terms: { _ignored: ['my_date', 'my_ip'] } }), 3);
    const three = await call(server(), 'POST', '/malformed/_search', { query: { ids: { values: ['3'] } } });
    assert.deepEqual([...three.body.hits.hits[0]._ignored].sort(), ['my_date', 'my_ip']);
  });

  it('_cat/indices?health=invalid → 400 "unknown cluster health status" (cat.indices/10_basic.yml)', async () => {
    await call(server(), 'PUT', '/cat-health');
    const answer = await call(server(), 'GET', '/_cat/indices?health=invalid-health-value');
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.type, 'illegal_argument_exception');
    assert.equal(answer.body.error.reason, 'unknown cluster health status [invalid-health-value]');
    assert.equal(
      (await call(server(), 'GET', '/_cat/indices?health=YELLOW&h=index&format=json')).status,
      200,
    );
  });
});

describe('dev server conformance: mapping features by engine version (OPENSEARCH.md §8)', () => {
  const older = useServer({ flavor: 'opensearch-1' });

  it('OpenSearch 1.x has no flat_object and no strict_allow_templates, and limits only the mapping depth', async () => {
    const flat = await call(older(), 'PUT', '/flat-old', {
      mappings: { properties: { f: { type: 'flat_object' } } },
    });
    assert.equal(flat.status, 400);
    assert.equal(flat.body.error.type, 'mapper_parsing_exception');
    assert.equal(flat.body.error.caused_by.reason, 'No handler for type [flat_object] declared on field [f]');
    const strict = await call(older(), 'PUT', '/strict-old', {
      mappings: { dynamic: 'strict_allow_templates' },
    });
    assert.equal(strict.status, 400);
    assert.match(strict.body.error.reason, /Could not convert \[dynamic\] to boolean/);
    await call(older(), 'PUT', '/depth-old', { settings: { 'index.mapping.depth.limit': 2 } });
    const deep = await call(older(), 'PUT', '/depth-old/_doc/1', { a: { b: { c: 1 } } });
    assert.equal(deep.status, 400);
    assert.equal(
      deep.body.error.reason,
      'Limit of mapping depth [2] has been exceeded due to object field [a.b]',
    );
  });
});
