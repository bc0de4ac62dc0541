/**
 * Issue 4, point 7: the same CloudTrail files index with zero rejections on every engine the dev
 * server imitates; the pipeline detects the version and installs the template on each.
 */
import { strict as assert } from 'node:assert';
import type { Flavor } from '../../devserver/index.js';
import { indexTemplate, TEMPLATE_VERSION } from '../../src/template/template.js';
import { SAMPLES_DIR, sampleRecordCount } from '../helpers/samples.js';
import { dailyIndices, http, mappingOf, PREFIX, search, startHarness } from './helpers.js';

const FLAVORS: Flavor[] = ['opensearch-1', 'opensearch-2', 'opensearch-3', 'elasticsearch-7'];

describe('field model: one template for every engine version (dev server flavors)', function () {
  this.timeout(30_000);
  const template = indexTemplate({ indexPrefix: PREFIX });
  for (const flavor of FLAVORS) {
    it(`${flavor}: template installed, every record indexed, nothing rejected`, async () => {
      const h = await startHarness(flavor);
      try {
        const root = await http(h.server, 'GET', '/');
        assert.equal(
          root.body.version.distribution,
          flavor.startsWith('opensearch') ? 'opensearch' : undefined,
        );
        const totals = await h.index(SAMPLES_DIR);
        assert.equal(totals.read, sampleRecordCount());
        assert.equal(totals.indexed + totals.duplicates, totals.read, JSON.stringify(totals.failures));
        assert.equal(totals.deadLettered, 0);
        assert.equal(totals.undelivered, 0);
        assert.equal(totals.healed, 0);

        const installed = await http(h.server, 'GET', `/_index_template/${template.name}`);
        assert.equal(installed.body.index_templates[0].index_template.version, TEMPLATE_VERSION);
        const expected = (template.body.template as { mappings: Record<string, unknown> }).mappings;
        for (const index of dailyIndices(h.server))
          assert.deepEqual(await mappingOf(h.server, index), { ...expected, dynamic: 'false' }, index);
        const all = await search(h.server, 'cloudtrail-2*', { match_all: {} });
        assert.equal(all.length, totals.indexed);
      } finally {
        await h.close();
      }
    });
  }
});
