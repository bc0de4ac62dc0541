/** What `cloudtrail-opensearch demo` (`npm start`) does once its options are parsed (loaded only when it runs). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServerThread, type DevServerThread } from '../../devserver/thread.js';
import { generateCloudTrail } from '../generator/generate.js';
import { inProcessRunner } from '../pipeline/runner.js';
import { cliTelemetry } from '../observability/telemetry.js';
import { accepted, clientHttp, type HttpRequest, type HttpResponse } from '../http/request.js';
import { createClient } from '../opensearch/client.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer } from '../pipeline/indexer.js';
import { SAMPLES_DIR, type DemoFlags } from './demoCommand.js';
import type { ExitCode } from './exitCodes.js';
import { exitCodeOf, indexTargets, summaryLines } from './indexRun.js';

type Client = ReturnType<typeof createClient>;

export async function runDemo(flags: DemoFlags): Promise<ExitCode> {
  const prefix = flags.indexPrefix;
  const keepRunning = flags.keepRunning ?? Boolean(process.stdout.isTTY && process.stdin.isTTY);
  let server: DevServerThread | undefined;
  let endpoint = process.env.OPENSEARCH_URL;
  if (!endpoint) {
    server = await startDevServerThread({ port: flags.port });
    endpoint = server.url;
    process.stdout.write(`started the local dev server at ${endpoint}\n`);
  }
  const client = createClient({
    endpoint,
    username: process.env.OPENSEARCH_USERNAME,
    password: process.env.OPENSEARCH_PASSWORD,
  });
  const generatedDir = flags.records === undefined ? undefined : await mkdtemp(join(tmpdir(), 'ct-demo-'));
  try {
    const indexer = new Indexer(
      client,
      { ...DEFAULT_PIPELINE_SETTINGS, indexPrefix: prefix },
      cliTelemetry('WARN'),
    );
    let source = SAMPLES_DIR;
    if (generatedDir !== undefined) {
      process.stdout.write(`generating ${flags.records} events from ${SAMPLES_DIR}\n`);
      await generateCloudTrail({
        sourceDir: SAMPLES_DIR,
        outDir: generatedDir,
        records: flags.records!,
        days: 30,
      });
      source = generatedDir;
    }
    process.stdout.write(`indexing ${source}\n\n`);
    const parallel = {
      runners: [inProcessRunner(indexer)],
      filesPerRunner: generatedDir === undefined ? 1 : 8,
    };
    const totals = await indexTargets(indexer, [source], undefined, { parallel });
    process.stdout.write(summaryLines(totals, indexer.deadLetterTarget).join('\n') + '\n');
    await ask(client, { method: 'POST', path: `/${prefix}*/_refresh` });
    await printIndices(client, prefix);
    await printTopEventNames(client, prefix);
    printExampleQueries(endpoint, prefix);
    if (server && keepRunning) {
      process.stdout.write(`\nthe dev server keeps running at ${endpoint}: press Ctrl-C to stop it\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
    } else if (server) {
      process.stdout.write(
        '\nthe dev server stopped with this command. To keep it running and try the queries above:\n' +
          '  npm start -- --keep-running     (or: npx cloudtrail-opensearch demo --keep-running)\n',
      );
    }
    return exitCodeOf(totals);
  } finally {
    await client.close();
    await server?.close();
    if (generatedDir !== undefined) await rm(generatedDir, { recursive: true, force: true });
  }
}

async function printIndices(client: Client, prefix: string): Promise<void> {
  const response = await ask(client, {
    method: 'GET',
    path: `/_cat/indices/${prefix}2*`,
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

async function printTopEventNames(client: Client, prefix: string): Promise<void> {
  const response = await ask(client, {
    method: 'POST',
    path: `/${prefix}2*/_search`,
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

/** Queries over the samples, as curl commands against this server (the README has them in DQL too). */
function exampleQueries(): { what: string; body: unknown }[] {
  const fields = ['eventTime', 'eventName', 'userIdentity.arn'];
  return [
    {
      what: 'an API call',
      body: { query: { term: { eventName: 'AssumeRole' } }, size: 3, _source: fields },
    },
    {
      what: 'failures, counted by error code',
      body: {
        size: 0,
        query: { exists: { field: 'errorCode' } },
        aggs: { codes: { terms: { field: 'errorCode' } } },
      },
    },
    {
      what: 'events whose requestParameters.bucketName is aiden-dev-bucket-eu-west-1 (free-form fields: ct.pairs)',
      body: {
        query: { term: { 'ct.pairs': 'requestParameters.bucketName=aiden-dev-bucket-eu-west-1' } },
        size: 3,
        _source: fields,
      },
    },
  ];
}

function printExampleQueries(endpoint: string, prefix: string): void {
  process.stdout.write('\ntry:\n');
  for (const query of exampleQueries()) {
    process.stdout.write(
      `  # ${query.what}\n  curl -s '${endpoint}/${prefix}2*/_search' -H 'content-type: application/json' -d '${JSON.stringify(query.body)}'\n`,
    );
  }
}

/** One request with the product's deadline and bound on the answer; an HttpError unless it is a 2xx. */
async function ask(client: Client, request: HttpRequest): Promise<HttpResponse> {
  return accepted(await clientHttp(client).request(request), request);
}
