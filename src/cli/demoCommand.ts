/**
 * `npm start` / `cloudtrail-opensearch demo`: the whole product locally, no AWS, no setup. Starts the
 * dev server (unless OPENSEARCH_URL points at a cluster), indexes the bundled sample CloudTrail files
 * through the real pipeline, and prints what landed where.
 */
import { fileURLToPath } from 'node:url';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { cliTelemetry } from '../observability/telemetry.js';
import { createClient } from '../opensearch/client.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer } from '../pipeline/indexer.js';
import { parse } from './args.js';
import { indexTargets, printSummary } from './indexCommand.js';

export const SAMPLES_DIR = fileURLToPath(new URL('../../../samples/cloudtrail', import.meta.url));

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { 'keep-running': { type: 'boolean' }, 'index-prefix': { type: 'string' } });
  const indexPrefix = values['index-prefix'] ?? 'cloudtrail-';
  let server: DevServer | undefined;
  let endpoint = process.env.OPENSEARCH_URL;
  if (!endpoint) {
    server = await startDevServer({ port: 0 });
    endpoint = server.url;
    process.stdout.write(`started the local dev server at ${endpoint}\n`);
  }
  const client = createClient({
    endpoint,
    username: process.env.OPENSEARCH_USERNAME,
    password: process.env.OPENSEARCH_PASSWORD,
  });
  try {
    const indexer = new Indexer(client, { ...DEFAULT_PIPELINE_SETTINGS, indexPrefix }, cliTelemetry('WARN'));
    process.stdout.write(`indexing ${SAMPLES_DIR}\n\n`);
    const totals = await indexTargets(indexer, [SAMPLES_DIR], undefined);
    printSummary(totals, indexer.deadLetterTarget);
    await client.transport.request({ method: 'POST', path: `/${indexPrefix}*/_refresh` });
    await printIndices(client, indexPrefix);
    await printTopEventNames(client, indexPrefix);
    if (values['keep-running'] && server) {
      process.stdout.write(`\nthe dev server keeps running at ${endpoint} (Ctrl-C to stop); try:\n`);
      process.stdout.write(`  curl '${endpoint}/_cat/indices?v'\n`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    return totals.undelivered > 0 || totals.failedFiles > 0 ? 1 : 0;
  } finally {
    await client.close();
    await server?.close();
  }
}

async function printIndices(client: ReturnType<typeof createClient>, indexPrefix: string): Promise<void> {
  const response = await client.transport.request({
    method: 'GET',
    path: `/_cat/indices/${indexPrefix}2*`,
    querystring: { format: 'json', h: 'index,docs.count', s: 'index' },
  });
  const rows = response.body as { index: string; 'docs.count': string }[];
  if (rows.length === 0) return;
  process.stdout.write(
    `\n${rows.length} daily indices, ${rows[0]!.index} to ${rows[rows.length - 1]!.index}; the largest:\n`,
  );
  const largest = [...rows].sort((a, b) => Number(b['docs.count']) - Number(a['docs.count'])).slice(0, 8);
  for (const row of largest)
    process.stdout.write(`  ${row.index.padEnd(32)} ${row['docs.count'].padStart(6)} docs\n`);
}

async function printTopEventNames(
  client: ReturnType<typeof createClient>,
  indexPrefix: string,
): Promise<void> {
  const response = await client.transport.request({
    method: 'POST',
    path: `/${indexPrefix}2*/_search`,
    body: { size: 0, aggs: { names: { terms: { field: 'eventName', size: 10 } } } },
  });
  const body = response.body as {
    hits: { total: { value: number } };
    aggregations?: { names?: { buckets: { key: string; doc_count: number }[] } };
  };
  process.stdout.write(`\n${body.hits.total.value} events searchable; top event names:\n`);
  for (const bucket of body.aggregations?.names?.buckets ?? []) {
    process.stdout.write(`  ${bucket.key.padEnd(32)} ${String(bucket.doc_count).padStart(6)}\n`);
  }
}
