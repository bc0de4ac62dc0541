/**
 * One record can never stop its file: a record nested thousands of levels deep, with a typed field of the
 * wrong type (so the builder must rewrite it), is indexed like any other and the records after it too.
 * Through the CLI in a child process, over HTTP to the dev server.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { cli, summaryNumber } from '../helpers/cli.js';
import { DEAD_LETTER_INDEX, search, useSuite, writeCloudTrailFile } from './helpers.js';

/** The JSON text of `{"k":{"k":…1…}}`, `depth` objects deep (JSON.stringify cannot write it). */
function nestedText(depth: number): string {
  return '{"k":'.repeat(depth) + '1' + '}'.repeat(depth);
}

describe('field model: records nested thousands of levels deep (CLI, dev server)', function () {
  this.timeout(120_000);
  const suite = useSuite('deep');

  for (const depth of [5_000, 100_000]) {
    it(`a record ${depth.toLocaleString('en')} levels deep with readOnly "maybe" neither stops its file nor is lost`, async () => {
      const a = { eventTime: '2024-03-01T10:00:00Z', eventID: `deep-a-${depth}`, eventName: 'A' };
      const c = { eventTime: '2024-03-01T10:00:02Z', eventID: `deep-c-${depth}`, eventName: 'C' };
      const b =
        `{"eventTime":"2024-03-01T10:00:01Z","eventID":"deep-b-${depth}","eventName":"B",` +
        `"readOnly":"maybe","requestParameters":${nestedText(depth)}}`;
      // writeCloudTrailFile stringifies its records: b goes in as raw text through a placeholder.
      const file = await writeCloudTrailFile(
        join(suite.work, `deep-${depth}.json.gz`),
        [a, '@B@', c],
        (json) => json.replace('"@B@"', b),
      );
      const result = await cli('index', file, '--endpoint', suite.h.server.url);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const read = summaryNumber(result.stdout, 'records read');
      const indexed = summaryNumber(result.stdout, 'indexed');
      const deadLettered = summaryNumber(result.stdout, 'dead-lettered');
      assert.equal(read, 3);
      assert.equal(indexed + deadLettered, 3, 'counts add up');

      const hits = await search(suite.h.server, 'cloudtrail-2*', { prefix: { eventID: 'deep-' } });
      const ids = hits.map((hit) => hit._source.eventID).filter((id) => String(id).endsWith(`-${depth}`));
      assert.ok(ids.includes(`deep-a-${depth}`) && ids.includes(`deep-c-${depth}`), `a and c: ${ids.join()}`);
      const deep = hits.find((hit) => hit._source.eventID === `deep-b-${depth}`);
      if (deep) {
        // Indexed: the value that does not fit and the part below 64 levels are kept in ct.original.
        assert.deepEqual(deep._source.ct.tags, ['displaced', 'depth-limited']);
        const original = JSON.parse(deep._source.ct.original as string) as Record<string, unknown>;
        assert.equal(original['/readOnly'], 'maybe');
        const pointer = Object.keys(original).find((key) => key.startsWith('/requestParameters/'))!;
        assert.equal(pointer, '/requestParameters' + '/k'.repeat(64));
      } else {
        const letters = await search(suite.h.server, DEAD_LETTER_INDEX, { term: { id: `deep-b-${depth}` } });
        assert.equal(letters.length, 1, 'b is in the dead letter');
        assert.ok(String(letters[0]!._source.reason).length > 0);
      }
    });
  }
});
