/**
 * `node build/scripts/bench-cost.js DIR` — bytes per event, for the cost table in BENCHMARKS.md.
 *
 * Builds every record of the files in DIR into its document exactly as the indexer does (the real
 * document builder) and counts, per event: the record's own JSON, the bulk bytes sent (action line,
 * source, newlines), and the `_source` a cluster stores once the template's `_source` excludes have
 * pruned it (the dev server's pruning, which follows OpenSearch's). The original loader's design is
 * counted too (bench-original.ts: the record alone, `index` action). `--also-exclude PATH` (repeatable)
 * prunes more fields from the stored source, to see what another exclusion would save. Prints one JSON
 * line.
 */
import { parseArgs } from 'node:util';
import { actionLineRoom, actionText } from '../src/bulk/action.js';
import { DocumentMemory } from '../src/documents/builder.js';
import { slabBytesFor, sourceText } from '../src/documents/memory.js';
import { readRecordBatches } from '../src/records/index.js';
import { openLocalFile, walkFiles } from '../src/source/local.js';
import { indexMappings } from '../src/template/mappings.js';
import { storedSource, storedSourceFilter } from '../devserver/search/source-filter.js';

const INDEX_PREFIX = 'cloudtrail-';

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'also-exclude': { type: 'string', multiple: true, default: [] } },
  });
  const dir = positionals[0];
  if (!dir) throw new Error('usage: bench-cost DIR [--also-exclude PATH]…');
  const mappings = indexMappings() as { _source: { excludes: string[] } };
  mappings._source.excludes.push(...values['also-exclude']);
  const filter = storedSourceFilter(mappings);
  const memory = new DocumentMemory();
  const layout = { slabBytes: slabBytesFor(5 << 20), spareBefore: actionLineRoom(INDEX_PREFIX) };
  const totals = { records: 0, recordBytes: 0, bulkBytes: 0, storedBytes: 0, originalBulkBytes: 0 };
  for await (const file of walkFiles([dir])) {
    if (!file.path.endsWith('.json.gz')) continue;
    const builder = memory.open({ indexPrefix: INDEX_PREFIX, sourceName: file.path }, layout);
    const options = { maxDecompressedBytes: 2 ** 31, maxRecordBytes: 1 << 20, sourceName: file.path };
    for await (const batch of readRecordBatches(openLocalFile(file.path), options)) {
      for (const record of batch) {
        const document = builder.build(record.bytes, record.index);
        const text = sourceText(document);
        const action = Buffer.byteLength(actionText(document.index, document.id)) + 1;
        const parsed = JSON.parse(record.bytes.toString('utf8')) as { eventID?: string };
        const originalAction = JSON.stringify({ index: { _index: document.index, _id: parsed.eventID } });
        totals.records++;
        totals.recordBytes += Buffer.byteLength(JSON.stringify(parsed));
        totals.bulkBytes += action + document.bytes.length + 1;
        totals.storedBytes += Buffer.byteLength(storedSource(text, filter));
        totals.originalBulkBytes += originalAction.length + 1 + Buffer.byteLength(JSON.stringify(parsed)) + 1;
        document.release();
      }
    }
    memory.close(builder);
  }
  const perEvent = (bytes: number) => Math.round(bytes / totals.records);
  console.log(
    JSON.stringify({
      records: totals.records,
      recordBytesPerEvent: perEvent(totals.recordBytes),
      bulkBytesPerEvent: perEvent(totals.bulkBytes),
      storedSourceBytesPerEvent: perEvent(totals.storedBytes),
      storedToRecord: +(totals.storedBytes / totals.recordBytes).toFixed(3),
      bulkToRecord: +(totals.bulkBytes / totals.recordBytes).toFixed(3),
      originalBulkBytesPerEvent: perEvent(totals.originalBulkBytes),
      bulkToOriginal: +(totals.bulkBytes / totals.originalBulkBytes).toFixed(3),
    }),
  );
}

await main();
