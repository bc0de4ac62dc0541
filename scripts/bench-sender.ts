/**
 * `node build/scripts/bench-sender.js DIR [--records N] [--rounds R] [--sink null|devserver]`
 *
 * CPU cost of everything after the document is built: BulkSender + batch body + HTTP client + response
 * handling, per document. Documents are built once up front (not timed), then sent R times through the
 * real client transport to a sink in another process; prints µs of this process's CPU per document.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BulkSender } from '../src/bulk/sender.js';
import { clientTransport } from '../src/bulk/transport.js';
import { buildDocument } from '../src/documents/builder.js';
import { createClient } from '../src/opensearch/client.js';
import { DEFAULT_PIPELINE_SETTINGS } from '../src/pipeline/indexer.js';
import { readRecords } from '../src/records/index.js';
import { openLocalFile } from '../src/source/local.js';
import type { BulkDocument } from '../src/types.js';
import { startSink } from './bench-sink-process.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    records: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    'per-file': { type: 'string', default: '1000' },
    sink: { type: 'string', default: 'null' },
  },
});
const dir = positionals[0];
if (!dir) throw new Error('usage: bench-sender DIR');
const wanted = Number(values.records);
const perFile = Number(values['per-file']);

const documents: BulkDocument[] = [];
const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.json.gz'))
  .sort();
for (const name of files) {
  if (documents.length >= wanted) break;
  const path = join(dir, name);
  const records = readRecords(openLocalFile(path), {
    maxDecompressedBytes: 2 ** 31,
    maxRecordBytes: 4 << 20,
    sourceName: path,
  });
  for await (const record of records) {
    documents.push(
      buildDocument(record.bytes, record.index, { indexPrefix: 'cloudtrail-', sourceName: path }),
    );
  }
}

const sink = await startSink(values.sink!);
const client = createClient({ endpoint: sink.url });
const transport = clientTransport(client);

/** One sender per `perFile` documents, as indexFile does per file. */
async function sendAll(): Promise<void> {
  for (let start = 0; start < documents.length; start += perFile) {
    let outcomes = 0;
    const sender = new BulkSender({
      transport,
      maxBytes: DEFAULT_PIPELINE_SETTINGS.bulkMaxBytes,
      maxDocs: DEFAULT_PIPELINE_SETTINGS.bulkMaxDocs,
      concurrency: DEFAULT_PIPELINE_SETTINGS.bulkConcurrency,
      requestTimeoutMs: 30_000,
      remainingTimeMs: () => Infinity,
      retry: DEFAULT_PIPELINE_SETTINGS.retry,
      onOutcome: (_doc, outcome) => {
        if (outcome.kind !== 'indexed') throw new Error(`unexpected outcome ${outcome.kind}`);
        outcomes++;
      },
    });
    const end = Math.min(documents.length, start + perFile);
    for (let i = start; i < end; i++) await sender.add(documents[i]!);
    await sender.close();
    if (outcomes !== end - start) throw new Error(`${outcomes} outcomes for ${end - start} documents`);
  }
}

await sendAll(); // warm-up
const perDoc: number[] = [];
const wallPerDoc: number[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await sendAll();
  const wall = Number(process.hrtime.bigint() - started) / 1e3;
  const used = process.cpuUsage(cpu);
  perDoc.push((used.user + used.system) / documents.length);
  wallPerDoc.push(wall / documents.length);
}
await client.close();
sink.child.kill();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(
  JSON.stringify({
    documents: documents.length,
    perFile,
    cpuUsPerDoc: +median(perDoc).toFixed(2),
    cpuUsPerDocMin: +Math.min(...perDoc).toFixed(2),
    wallUsPerDoc: +median(wallPerDoc).toFixed(2),
  }),
);
