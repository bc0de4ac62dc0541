/**
 * One record can never stop its file: a record nested thousands of levels deep, with a typed field of the
 * wrong type (so the builder must rewrite it), is indexed like any other and the records after it too
 * (through the CLI in a child process, over HTTP to the dev server); and a record the document builder
 * fails on for any reason is dead-lettered with that reason while the file carries on.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { clientTransport } from '../../src/bulk/transport.js';
import { DocumentMemory, type ArenaLayout, type BuildContext } from '../../src/documents/builder.js';
import { IndexDeadLetterStore } from '../../src/deadletter/indexSink.js';
import { clientHttp } from '../../src/http/request.js';
import { DEFAULT_RETRY } from '../../src/http/retry.js';
import type { Telemetry } from '../../src/observability/telemetry.js';
import { indexFile } from '../../src/pipeline/indexFile.js';
import { DEFAULT_PIPELINE_SETTINGS } from '../../src/pipeline/indexer.js';
import { openLocalFile } from '../../src/source/local.js';
import { cli, summaryNumber } from '../helpers/cli.js';
import { DEAD_LETTER_INDEX, PREFIX, search, useSuite, writeCloudTrailFile } from './helpers.js';

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

  it('a record the document builder fails on (a bug, not the record) is dead-lettered with the error', async () => {
    // A builder that fails on record 1 as a bug would: not a DocumentError.
    class FailingMemory extends DocumentMemory {
      override open(context: BuildContext, layout: ArenaLayout) {
        const builder = super.open(context, layout);
        const build = builder.build.bind(builder);
        builder.build = (bytes, index) => {
          if (index === 1) throw new TypeError('something is undefined');
          return build(bytes, index);
        };
        return builder;
      }
    }
    const records = ['a', 'b', 'c'].map((name, i) => ({
      eventTime: `2024-03-02T10:00:0${i}Z`,
      eventID: `bug-${name}`,
    }));
    const file = await writeCloudTrailFile(join(suite.work, 'bug.json.gz'), records);
    const errors: string[] = [];
    const noop = () => undefined;
    const telemetry: Telemetry = {
      log: { debug: noop, info: noop, warn: noop, error: (message) => errors.push(message) },
      metric: noop,
      flush: noop,
    };
    const outcome = await indexFile(
      { sourceName: file, key: file, stream: openLocalFile(file) },
      { ...DEFAULT_PIPELINE_SETTINGS, indexPrefix: PREFIX },
      {
        transport: clientTransport(suite.h.client),
        deadLetter: new IndexDeadLetterStore(DEAD_LETTER_INDEX, DEFAULT_RETRY).forFile({
          http: clientHttp(suite.h.client),
          budget: { requestTimeoutMs: 30_000, remainingTimeMs: () => Infinity },
        }),
        telemetry,
        remainingTimeMs: () => Infinity,
        documentMemory: new FailingMemory(),
      },
    );
    assert.equal(outcome.error, undefined);
    assert.deepEqual([outcome.read, outcome.indexed, outcome.deadLettered], [3, 2, 1]);
    assert.deepEqual(errors, ['document builder failed']);
    const hits = await search(suite.h.server, 'cloudtrail-2024-03-02', { prefix: { eventID: 'bug-' } });
    assert.deepEqual(hits.map((hit) => hit._id).sort(), ['bug-a', 'bug-c']);
    const [letter] = await search(suite.h.server, DEAD_LETTER_INDEX, { term: { recordIndex: 1 } });
    assert.match(
      String(letter?._source.reason),
      /record 1: the document builder failed: TypeError: something is undefined$/,
    );
    assert.deepEqual(JSON.parse(String(letter?._source.document)), records[1]);
  });
});
