import { strict as assert } from 'node:assert';
import { startDevServer } from '../../devserver/index.js';
import { call, ndjson, seed, useServer } from './helpers.js';

describe('dev server: root, cluster and flavors (spec §6.3, §10)', () => {
  it('§10 GET / reports the flavor: opensearch-2 (default), opensearch-1, opensearch-3, elasticsearch-7', async () => {
    const expectations = [
      [undefined, 'opensearch', /^2\.19\./, 'The OpenSearch Project: https://opensearch.org/'],
      ['opensearch-1', 'opensearch', /^1\.3\./, 'The OpenSearch Project: https://opensearch.org/'],
      ['opensearch-3', 'opensearch', /^3\./, 'The OpenSearch Project: https://opensearch.org/'],
      ['elasticsearch-7', undefined, /^7\.10\.2$/, 'You Know, for Search'],
    ] as const;
    for (const [flavor, distribution, number, tagline] of expectations) {
      const server = await startDevServer({ port: 0, flavor });
      try {
        const answer = await call(server, 'GET', '/');
        assert.equal(answer.body.version.distribution, distribution);
        assert.match(answer.body.version.number, number);
        assert.equal(answer.body.tagline, tagline);
        assert.equal((await call(server, 'HEAD', '/')).status, 200);
      } finally {
        await server.close();
      }
    }
  });

  describe('with one server', () => {
    const server = useServer();

    it('§6.3 _cluster/health: yellow with 1 replica, discovered_cluster_manager on 2.x', async () => {
      await call(server(), 'PUT', '/h1');
      const answer = await call(server(), 'GET', '/_cluster/health');
      assert.equal(answer.body.status, 'yellow');
      assert.equal(answer.body.discovered_cluster_manager, true);
      assert.equal(answer.body.unassigned_shards, 1);
    });

    it('§5.3 action.auto_create_index=false via flat _cluster/settings → item 404 with the exact reason', async () => {
      await call(server(), 'PUT', '/_cluster/settings', {
        persistent: { 'action.auto_create_index': false },
      });
      const answer = await call(server(), 'POST', '/_bulk', ndjson({ index: { _index: 'auto1' } }, { a: 1 }));
      assert.equal(answer.body.items[0].index.status, 404);
      assert.equal(answer.body.items[0].index.error.type, 'index_not_found_exception');
      assert.equal(
        answer.body.items[0].index.error.reason,
        'no such index [auto1] and [action.auto_create_index] is [false]',
      );
      await call(server(), 'PUT', '/_cluster/settings', {
        persistent: { 'action.auto_create_index': '+ok-*,-no-*' },
      });
      const patterns = await call(
        server(),
        'POST',
        '/_bulk',
        ndjson(
          { index: { _index: 'no-1' } },
          {},
          { index: { _index: 'ok-1' } },
          {},
          { index: { _index: 'other' } },
          {},
        ),
      );
      assert.equal(
        patterns.body.items[0].index.error.reason,
        'no such index [no-1] and [action.auto_create_index] contains [-no-*] which forbids automatic creation of the index',
      );
      assert.equal(patterns.body.items[1].index.status, 201);
      assert.equal(
        patterns.body.items[2].index.error.reason,
        "no such index [other] and [action.auto_create_index] ([+ok-*,-no-*]) doesn't match",
      );
      await call(server(), 'PUT', '/_cluster/settings', { persistent: { 'action.auto_create_index': null } });
    });

    it('§5.2 index names: each rule gives invalid_index_name_exception with its message', async () => {
      const cases: [string, string][] = [
        ['UPPER', 'must be lowercase'],
        ['a%2Cb', 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]'],
        ['a%23b', "must not contain '#'"],
        ['a:b', "must not contain ':'"],
        ['_x', "must not start with '_', '-', or '+'"],
        ['a'.repeat(256), 'index name is too long, (256 > 255)'],
      ];
      for (const [name, message] of cases) {
        const answer = await call(server(), 'PUT', `/${name}`);
        assert.equal(answer.status, 400, name);
        assert.equal(answer.body.error.type, 'invalid_index_name_exception');
        assert.equal(
          answer.body.error.reason,
          `Invalid index name [${decodeURIComponent(name)}], ${message}`,
        );
      }
      // URLs normalise "..", so this rule is checked through a bulk item.
      const dots = await call(server(), 'POST', '/_bulk', ndjson({ index: { _index: '..' } }, {}));
      assert.equal(dots.body.items[0].index.error.reason, "Invalid index name [..], must not be '.' or '..'");
    });

    it('PUT /{index} twice → 400 resource_already_exists_exception; HEAD and GET', async () => {
      await call(server(), 'PUT', '/x1', {
        settings: { number_of_replicas: 0 },
        mappings: { properties: { k: { type: 'keyword' } } },
      });
      const again = await call(server(), 'PUT', '/x1');
      assert.equal(again.status, 400);
      assert.equal(again.body.error.type, 'resource_already_exists_exception');
      assert.match(again.body.error.reason, /^index \[x1\/[^\]]+\] already exists$/);
      assert.equal((await call(server(), 'HEAD', '/x1')).status, 200);
      assert.equal((await call(server(), 'HEAD', '/x2')).status, 404);
      const got = await call(server(), 'GET', '/x1');
      assert.equal(got.body.x1.settings.index.number_of_replicas, '0');
      assert.deepEqual(got.body.x1.mappings, { properties: { k: { type: 'keyword' } } });
    });

    it('PUT _settings: static setting → 400; unknown setting → 400', async () => {
      const fixed = await call(server(), 'PUT', '/x1/_settings', { index: { number_of_shards: 2 } });
      assert.equal(fixed.status, 400);
      assert.match(
        fixed.body.error.reason,
        /^Can't update non dynamic settings \[\[index.number_of_shards\]\] for open indices/,
      );
      const unknown = await call(server(), 'PUT', '/x1/_settings', { index: { foo: 1 } });
      assert.match(unknown.body.error.reason, /^unknown setting \[index.foo\]/);
    });

    it('§5.1 create-index request mappings take precedence over the template; put-mapping still may not change a type', async () => {
      await call(server(), 'PUT', '/_index_template/prec', {
        index_patterns: ['prec-*'],
        template: {
          mappings: { properties: { a: { type: 'keyword' }, o: { properties: { x: { type: 'long' } } } } },
        },
      });
      const created = await call(server(), 'PUT', '/prec-1', {
        mappings: { properties: { a: { type: 'long' }, o: { type: 'keyword' } } },
      });
      assert.equal(created.status, 200, created.text);
      const mapping = (await call(server(), 'GET', '/prec-1/_mapping')).body['prec-1'].mappings.properties;
      assert.equal(mapping.a.type, 'long');
      assert.equal(mapping.o.type, 'keyword');
      const changed = await call(server(), 'PUT', '/prec-1/_mapping', {
        properties: { a: { type: 'keyword' } },
      });
      assert.equal(changed.status, 400);
      assert.equal(changed.body.error.reason, 'mapper [a] cannot be changed from type [long] to [keyword]');
    });

    it('§5.1 composable template applies at creation; highest priority wins; version/_meta kept', async () => {
      const low = await call(server(), 'PUT', '/_index_template/ct-low', {
        index_patterns: ['ct-*'],
        priority: 1,
        template: { mappings: { properties: { a: { type: 'keyword' } } } },
      });
      assert.deepEqual(low.body, { acknowledged: true });
      await call(server(), 'PUT', '/_index_template/ct-high', {
        index_patterns: ['ct-2024-*'],
        priority: 10,
        version: 3,
        _meta: { owner: 'us' },
        template: {
          settings: { 'index.mapping.total_fields.limit': 50 },
          mappings: { properties: { a: { type: 'ip' } } },
        },
      });
      await call(
        server(),
        'POST',
        '/_bulk',
        ndjson(
          { index: { _index: 'ct-2024-01-01' } },
          { a: '10.0.0.1' },
          { index: { _index: 'ct-other' } },
          { a: 'x' },
        ),
      );
      const high = await call(server(), 'GET', '/ct-2024-01-01/_mapping');
      assert.equal(high.body['ct-2024-01-01'].mappings.properties.a.type, 'ip');
      const settings = await call(server(), 'GET', '/ct-2024-01-01/_settings?flat_settings=true');
      assert.equal(settings.body['ct-2024-01-01'].settings['index.mapping.total_fields.limit'], '50');
      const other = await call(server(), 'GET', '/ct-other/_mapping');
      assert.equal(other.body['ct-other'].mappings.properties.a.type, 'keyword');
      const got = await call(server(), 'GET', '/_index_template/ct-high');
      assert.equal(got.body.index_templates[0].index_template.version, 3);
      assert.deepEqual(got.body.index_templates[0].index_template._meta, { owner: 'us' });
      assert.equal((await call(server(), 'HEAD', '/_index_template/ct-high')).status, 200);
      assert.equal((await call(server(), 'HEAD', '/_index_template/none')).status, 404);
    });

    it('§5.1 equal priority with overlapping patterns → 400 with the exact message', async () => {
      await call(server(), 'PUT', '/_index_template/t1', { index_patterns: ['logs-*'] });
      const answer = await call(server(), 'PUT', '/_index_template/t2', { index_patterns: ['logs-2024*'] });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error.type, 'illegal_argument_exception');
      assert.equal(
        answer.body.error.reason,
        'index template [t2] has index patterns [logs-2024*] matching patterns from existing templates [t1] with patterns (t1 => [logs-*]) that have the same priority [0], multiple index templates may not match during index creation, please use a different priority',
      );
    });

    it('§5.1 unknown body key → 400 x_content_parse_exception "[1:col] [index_template] unknown field [foo]"', async () => {
      const answer = await call(server(), 'PUT', '/_index_template/t3', '{"index_patterns":["u-*"],"foo":1}');
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error.type, 'x_content_parse_exception');
      assert.equal(answer.body.error.reason, '[1:27] [index_template] unknown field [foo]');
    });

    it('§5.1 DELETE template; missing → 404 index_template_missing_exception', async () => {
      assert.deepEqual((await call(server(), 'DELETE', '/_index_template/t1')).body, { acknowledged: true });
      const again = await call(server(), 'DELETE', '/_index_template/t1');
      assert.equal(again.status, 404);
      assert.equal(again.body.error.reason, 'index_template [t1] missing');
    });

    it('§5.1 legacy _template applies when no composable template matches', async () => {
      await call(server(), 'PUT', '/_template/legacy', {
        index_patterns: ['leg-*'],
        order: 1,
        mappings: { properties: { k: { type: 'keyword' } } },
      });
      await call(server(), 'POST', '/_bulk', ndjson({ index: { _index: 'leg-1' } }, { k: 'v' }));
      const mapping = await call(server(), 'GET', '/leg-1/_mapping');
      assert.deepEqual(mapping.body['leg-1'].mappings.properties.k, { type: 'keyword' });
    });

    it('§6.1 _cat/indices?format=json: string values, h= with creation.date, s=, bytes=b, pattern, 404 for missing name', async () => {
      await seed(server(), 'cat-b', [{ a: 1 }, { a: 2 }]);
      await seed(server(), 'cat-a', [{ a: 1 }]);
      const answer = await call(
        server(),
        'GET',
        '/_cat/indices/cat-*?format=json&h=index,creation.date,docs.count,store.size&s=index&bytes=b',
      );
      assert.equal(answer.status, 200);
      assert.deepEqual(
        answer.body.map((r: { index: string }) => r.index),
        ['cat-a', 'cat-b'],
      );
      for (const row of answer.body)
        for (const value of Object.values(row)) assert.equal(typeof value, 'string');
      assert.match(answer.body[0]['creation.date'], /^\d{13}$/);
      assert.equal(answer.body[1]['docs.count'], '2');
      assert.match(answer.body[0]['store.size'], /^\d+$/);
      const defaults = await call(server(), 'GET', '/_cat/indices/cat-a?format=json');
      assert.deepEqual(Object.keys(defaults.body[0]), [
        'health',
        'status',
        'index',
        'uuid',
        'pri',
        'rep',
        'docs.count',
        'docs.deleted',
        'store.size',
        'pri.store.size',
      ]);
      assert.match(defaults.body[0]['store.size'], /^\d+(\.\d)?(b|kb)$/);
      assert.deepEqual((await call(server(), 'GET', '/_cat/indices/none-*?format=json')).body, []);
      const missing = await call(server(), 'GET', '/_cat/indices/none?format=json');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.type, 'index_not_found_exception');
    });

    it('§6.2 DELETE: a missing concrete name in a list → 404 and nothing deleted; ignore_unavailable; wildcard', async () => {
      await call(server(), 'PUT', '/del-1');
      await call(server(), 'PUT', '/del-2');
      const missing = await call(server(), 'DELETE', '/del-1,del-nope');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.reason, 'no such index [del-nope]');
      assert.ok(server().indexNames().includes('del-1'));
      const ignored = await call(server(), 'DELETE', '/del-1,del-nope?ignore_unavailable=true');
      assert.deepEqual(ignored.body, { acknowledged: true });
      assert.equal(server().indexNames().includes('del-1'), false);
      assert.deepEqual((await call(server(), 'DELETE', '/del-*')).body, { acknowledged: true });
      assert.equal(server().indexNames().includes('del-2'), false);
      assert.deepEqual(
        (await call(server(), 'DELETE', '/del-*')).body,
        { acknowledged: true },
        'wildcard matching nothing is fine',
      );
    });

    it('§6.2 action.destructive_requires_name=true → wildcard delete 400', async () => {
      await call(server(), 'PUT', '/_cluster/settings', {
        transient: { 'action.destructive_requires_name': true },
      });
      const answer = await call(server(), 'DELETE', '/del-*');
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error.reason, 'Wildcard expressions or all indices are not allowed');
      await call(server(), 'PUT', '/_cluster/settings', {
        transient: { 'action.destructive_requires_name': null },
      });
    });

    it('§6.3 _refresh returns _shards with replicas counted in total', async () => {
      await call(server(), 'PUT', '/r1');
      assert.deepEqual((await call(server(), 'POST', '/r1/_refresh')).body, {
        _shards: { total: 2, successful: 1, failed: 0 },
      });
    });

    it('unknown route → 400 "no handler found"; wrong method → 405', async () => {
      const none = await call(server(), 'GET', '/a/b/c/d/e');
      assert.deepEqual(none.body, {
        error: 'no handler found for uri [/a/b/c/d/e] and method [GET]',
        status: 400,
      });
      const wrong = await call(server(), 'DELETE', '/_cluster/health');
      assert.equal(wrong.status, 405);
    });
  });
});
