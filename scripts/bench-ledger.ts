/**
 * `node --expose-gc build/scripts/bench-ledger.js DIR [--rounds N]`: what the ledger costs the pipeline,
 * in CPU per record. The ledger only opens for S3 objects, so each file here is indexed as if it came
 * from a bucket, once without extensions and once with the LedgerExtension (SHA-256 of the decompressed
 * bytes as they stream, each record's time and index, and its entry written at the end: PUT index, GET,
 * PUT doc, answered in memory). The two runs alternate round by round (order swapped each round), the
 * ratio is taken per round and its median reported, so load on a shared machine hits both sides. The
 * SHA-256 of the decompressed bytes alone is measured too: the ledger's main cost.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { DocumentMemory } from '../src/documents/builder.js';
import type { HttpCaller, HttpRequest } from '../src/http/request.js';
import { LedgerExtension } from '../src/ledger/extension.js';
import { silentTelemetry } from '../src/observability/telemetry.js';
import type { FileExtension } from '../src/pipeline/extensions.js';
import { indexFile } from '../src/pipeline/indexFile.js';
import { DEFAULT_PIPELINE_SETTINGS } from '../src/pipeline/indexer.js';
import { openLocalFile } from '../src/source/local.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '10' } },
});
const dir = positionals[0];
if (dir === undefined) throw new Error('usage: bench-ledger.js DIR [--rounds N]');
const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.json.gz'))
  .map((name) => join(dir, name))
  .sort();

/** Answers each bulk action line's document as created (the `_id` read from the action line). */
const transport = {
  releasesBody: true,
  async send(body: string | Buffer) {
    const lines = (typeof body === 'string' ? body : body.toString('utf8')).split('\n');
    const items = [];
    for (let line = 0; line + 1 < lines.length; line += 2) {
      const action = JSON.parse(lines[line]!) as { create: { _id: string } };
      items.push({ create: { _id: action.create._id, status: 201 } });
    }
    return { statusCode: 200, body: { took: 1, errors: false, items } };
  },
};

/** The cluster as the ledger sees it: no entry yet (GET 404), every write accepted. */
const ledgerHttp: HttpCaller = {
  request: async (request: HttpRequest) =>
    request.method === 'GET' ? { statusCode: 404, body: { found: false } } : { statusCode: 200, body: {} },
};

const settings = { ...DEFAULT_PIPELINE_SETTINGS, indexPrefix: 'cloudtrail-' };
const memory = new DocumentMemory();

async function run(extensions: readonly FileExtension[]): Promise<number> {
  const cpu = process.cpuUsage();
  let records = 0;
  for (let i = 0; i < files.length; i += 2) {
    const pair = files.slice(i, i + 2).map((path) =>
      indexFile(
        { sourceName: path, bucket: 'bench-trail', key: path, stream: openLocalFile(path) },
        settings,
        {
          transport,
          deadLetter: {
            target: 'none',
            write: () => Promise.reject(new Error('benchmark data made dead letters')),
          },
          telemetry: silentTelemetry(),
          remainingTimeMs: () => Infinity,
          documentMemory: memory,
          extensions,
          http: ledgerHttp,
        },
      ),
    );
    for (const outcome of await Promise.all(pair)) {
      if (outcome.error || outcome.indexed !== outcome.read) throw new Error(JSON.stringify(outcome));
      records += outcome.read;
    }
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / records;
}

/** CPU per record of SHA-256 over every file's decompressed bytes, nothing else. */
function hashOnly(): number {
  const bodies = files.map((path) => gunzipSync(readFileSync(path)));
  const records = bodies.reduce(
    (sum, body) => sum + (body.toString('latin1').match(/"eventID"/g)?.length ?? 0),
    0,
  );
  const cpu = process.cpuUsage();
  for (const body of bodies) createHash('sha256').update(body).digest('hex');
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / records;
}

const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const variants: readonly FileExtension[][] = [[], [new LedgerExtension()]];
const measure = async (extensions: readonly FileExtension[]) => {
  collect();
  return run(extensions);
};
for (const extensions of variants) await measure(extensions); // warm-up
const rounds: number[][] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const micros = [0, 0];
  for (const which of round % 2 === 0 ? [0, 1] : [1, 0]) micros[which] = await measure(variants[which]!);
  rounds.push(micros);
  console.log(
    `round ${round}: ${micros.map((m) => m.toFixed(2)).join(' / ')} µs of CPU per record (off / on)`,
  );
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  JSON.stringify({
    files: files.length,
    offMicrosPerRecord: +median(rounds.map((r) => r[0]!)).toFixed(2),
    onMicrosPerRecord: +median(rounds.map((r) => r[1]!)).toFixed(2),
    onOverOffMedian: +median(rounds.map((r) => r[1]! / r[0]!)).toFixed(3),
    sha256OnlyMicrosPerRecord: +median([hashOnly(), hashOnly(), hashOnly()]).toFixed(2),
  }),
);
