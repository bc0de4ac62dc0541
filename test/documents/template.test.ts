import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import type { HttpCaller } from '../../src/http/request.js';
import { installTemplate } from '../../src/template/install.js';
import { countMappedFields, indexTemplate, TEMPLATE_VERSION } from '../../src/template/template.js';
import { TYPED_FIELDS, type FieldTable } from '../../src/documents/typedFields.js';

const flavors = {
  'Elasticsearch 7.10': { distribution: 'elasticsearch', major: 7, minor: 10, serverless: false },
  'OpenSearch 1.3': { distribution: 'opensearch', major: 1, minor: 3, serverless: false },
  'OpenSearch 2.x': { distribution: 'opensearch', major: 2, minor: 17, serverless: false },
  Serverless: { distribution: 'opensearch', major: 2, minor: 0, serverless: true },
} as const;

type Body = {
  index_patterns: string[];
  priority: number;
  version: number;
  _meta: Record<string, unknown>;
  template: {
    settings?: Record<string, unknown>;
    mappings: Record<string, unknown> & { properties: Record<string, Record<string, unknown>> };
  };
};

describe('indexTemplate', () => {
  for (const [label, cluster] of Object.entries(flavors)) {
    it(`has the fixed shape on ${label}`, () => {
      const { name, body } = indexTemplate({ indexPrefix: 'cloudtrail-', cluster }) as {
        name: string;
        body: Body;
      };
      assert.equal(name, 'cloudtrail-opensearch-cloudtrail');
      assert.deepEqual(body.index_patterns, ['cloudtrail-2*']);
      assert.equal(body.priority, 200);
      assert.equal(body.version, TEMPLATE_VERSION);
      assert.equal(body._meta.managed_by, 'cloudtrail-opensearch');
      const { mappings } = body.template;
      assert.equal(mappings.dynamic, false);
      assert.equal(mappings.date_detection, false);
      assert.equal(mappings.numeric_detection, false);
      assert.ok(countMappedFields(mappings) < 300);
      assert.equal(
        JSON.stringify(body).includes('flat_object') || JSON.stringify(body).includes('flattened'),
        false,
      );
      if (cluster.serverless) assert.equal(body.template.settings, undefined);
      else {
        assert.deepEqual(body.template.settings, {
          'index.number_of_shards': 1,
          'index.refresh_interval': '30s',
          'index.mapping.total_fields.limit': 1000,
        });
      }
    });
  }

  it('honours shards and replicas', () => {
    const settings = (indexTemplate({ indexPrefix: 'x-', shards: 3, replicas: 0 }).body as Body).template
      .settings!;
    assert.equal(settings['index.number_of_shards'], 3);
    assert.equal(settings['index.number_of_replicas'], 0);
  });

  it('matches daily index names but not the dead-letter index or a longer prefix', () => {
    const pattern = (indexTemplate({ indexPrefix: 'cloudtrail-' }).body as Body).index_patterns[0]!;
    const matches = (name: string) => new RegExp('^' + pattern.replaceAll('*', '.*') + '$').test(name);
    assert.ok(matches('cloudtrail-2021-12-02'));
    assert.ok(!matches('cloudtrail-deadletter'));
    assert.ok(!matches('cloudtrail-prod-2021-12-02'));
  });

  it('maps every typed field with the type the builder checks for, keywords bounded by ignore_above', () => {
    const { mappings } = (indexTemplate({ indexPrefix: 'c-' }).body as Body).template;
    const expectType = {
      keyword: 'keyword',
      keywordWithText: 'keyword',
      textWithKeyword: 'text',
      boolean: 'boolean',
      date: 'date',
    };
    function check(table: FieldTable, properties: Record<string, Record<string, unknown>>, path: string) {
      for (const [name, field] of Object.entries(table)) {
        const mapping = properties[name];
        assert.ok(mapping, `${path}${name} not mapped`);
        if (typeof field === 'string') {
          assert.equal(mapping.type, expectType[field], `${path}${name}`);
          if (mapping.type === 'date') assert.equal(mapping.ignore_malformed, true);
        } else
          check(
            field.properties,
            mapping.properties as Record<string, Record<string, unknown>>,
            `${path}${name}.`,
          );
      }
    }
    check(TYPED_FIELDS, mappings.properties, '');
    const keywordLimits: number[] = [];
    JSON.stringify(mappings, (key, value: unknown) => {
      if (value && typeof value === 'object' && (value as { type?: string }).type === 'keyword') {
        keywordLimits.push(Number((value as { ignore_above?: number }).ignore_above));
      }
      return value;
    });
    assert.ok(keywordLimits.length > 40 && keywordLimits.every((limit) => limit > 0 && limit <= 8191));
    for (const free of [
      'requestParameters',
      'responseElements',
      'additionalEventData',
      'serviceEventDetails',
    ]) {
      assert.equal(mappings.properties[free], undefined);
    }
  });

  it('counts fields as OpenSearch does (objects + fields + multi-fields)', () => {
    assert.equal(
      countMappedFields({
        properties: {
          a: { type: 'keyword' },
          b: { type: 'text', fields: { keyword: { type: 'keyword' } } },
          c: { properties: { d: { type: 'long' }, e: { properties: { f: { type: 'date' } } } } },
        },
      }),
      7,
    );
    assert.equal(
      countMappedFields((indexTemplate({ indexPrefix: 'c-' }).body as Body).template.mappings),
      77,
    );
  });

  it('changes only together with TEMPLATE_VERSION', () => {
    const hash = createHash('sha256')
      .update(JSON.stringify(indexTemplate({ indexPrefix: 'cloudtrail-' }).body))
      .digest('hex');
    // If this fails you changed the template: bump TEMPLATE_VERSION, then update the pinned pair.
    assert.deepEqual(
      { version: TEMPLATE_VERSION, hash: hash.slice(0, 16) },
      { version: 4, hash: 'eaad3a26abb0ce83' },
    );
  });
});

/** In-memory stand-in for a cluster's template store (GET 404s like opensearch-js with ignore:[404]). */
function fakeCluster() {
  const templates = new Map<string, Record<string, unknown>>();
  const calls: string[] = [];
  const client: HttpCaller = {
    request(params) {
      calls.push(`${params.method} ${params.path}`);
      const name = decodeURIComponent(params.path.replace('/_index_template/', ''));
      if (params.method === 'GET') {
        const found = templates.get(name);
        return Promise.resolve(
          found
            ? { statusCode: 200, body: { index_templates: [{ name, index_template: found }] } }
            : { statusCode: 404, body: { error: 'index_template [' + name + '] missing', status: 404 } },
        );
      }
      if (params.method === 'PUT') {
        templates.set(name, structuredClone(params.body as Record<string, unknown>));
        return Promise.resolve({ statusCode: 200, body: { acknowledged: true } });
      }
      return Promise.reject(new Error('unexpected ' + params.method));
    },
  };
  return { client, templates, calls };
}

describe('installTemplate', () => {
  const template = indexTemplate({ indexPrefix: 'cloudtrail-' });

  it('installs when absent, then is a no-op', async () => {
    const cluster = fakeCluster();
    assert.equal(await installTemplate(cluster.client, template), 'installed');
    assert.deepEqual(cluster.templates.get(template.name), template.body);
    assert.equal(await installTemplate(cluster.client, template), 'up-to-date');
    assert.deepEqual(cluster.calls, [
      `GET /_index_template/${template.name}`,
      `PUT /_index_template/${template.name}`,
      `GET /_index_template/${template.name}`,
    ]);
  });

  it('upgrades an older or unversioned template', async () => {
    const cluster = fakeCluster();
    cluster.templates.set(template.name, { ...template.body, version: TEMPLATE_VERSION - 1 });
    assert.equal(await installTemplate(cluster.client, template), 'installed');
    assert.equal(cluster.templates.get(template.name)?.version, TEMPLATE_VERSION);
    cluster.templates.set(template.name, { index_patterns: ['x'] });
    assert.equal(await installTemplate(cluster.client, template), 'installed');
  });

  it('never downgrades a newer template', async () => {
    const cluster = fakeCluster();
    const newer = { ...template.body, version: TEMPLATE_VERSION + 1 };
    cluster.templates.set(template.name, newer);
    assert.equal(await installTemplate(cluster.client, template), 'newer-exists');
    assert.deepEqual(cluster.templates.get(template.name), newer);
  });

  it('treats a 404 as "absent", and reports a failed PUT', async () => {
    const refusing: HttpCaller = {
      request: (params) =>
        Promise.resolve(
          params.method === 'GET'
            ? { statusCode: 404, body: undefined }
            : { statusCode: 400, body: { error: { type: 'illegal_argument_exception' } } },
        ),
    };
    await assert.rejects(
      installTemplate(refusing, template),
      /PUT \/_index_template\/.* failed with HTTP 400.*illegal_argument_exception/,
    );
  });
});
