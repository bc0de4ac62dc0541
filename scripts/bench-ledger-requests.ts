/**
 * `node build/scripts/bench-ledger-requests.js [--files N] [--passes P] [--compare ROOT]`: the CPU one
 * file's ledger entry costs the process that writes it, requests only: LedgerStore.record of N new
 * objects, two at a time (as the pipeline finishes files), over real HTTP through the product's HTTP
 * layer to the benchmark's sink in another process (bench-sink.ts). With `--compare ROOT` the
 * LedgerStore of another built tree (e.g. main) takes every other pass, the order alternating, and the
 * ratio of each pair of passes is reported with its median; the first passes warm both up (JIT).
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { clientHttp, type HttpCaller } from '../src/http/request.js';
import { DEFAULT_RETRY } from '../src/http/retry.js';
import { LedgerStore, type LogFileEntry } from '../src/ledger/ledger.js';
import { createClient } from '../src/opensearch/client.js';
import { startSink } from './bench-sink-process.js';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '400' },
    passes: { type: 'string', default: '16' },
    compare: { type: 'string' },
  },
});
const files = Number(values.files);
const passes = Number(values.passes);
/** Passes before any is counted: the request path compiled by the JIT on both sides. */
const WARM_UP_PASSES = 4;

type Store = Pick<LedgerStore, 'record'>;
type StoreClass = new (...args: ConstructorParameters<typeof LedgerStore>) => Store;

async function storeClass(root: string | undefined): Promise<StoreClass> {
  if (root === undefined) return LedgerStore;
  const url = pathToFileURL(join(resolve(root), 'build/src/ledger/ledger.js')).href;
  return ((await import(url)) as { LedgerStore: StoreClass }).LedgerStore;
}

/** A log file's entry as the ledger extension writes it, of the object `key`. */
function entry(key: string): Omit<LogFileEntry, 'attempts' | 'firstProcessed' | 'lastProcessed'> {
  return {
    kind: 'log',
    bucket: 'bench-trail',
    key,
    size: 240_000,
    etag: '"0123456789abcdef0123456789abcdef"',
    sha256: 'ab'.repeat(32),
    status: 'complete',
    read: 1000,
    indexed: 1000,
    duplicates: 0,
    deadLettered: 0,
    undelivered: 0,
    oldestEventTime: '2026-11-02T10:00:00.000Z',
    newestEventTime: '2026-11-02T10:59:59.000Z',
    indices: ['cloudtrail-2026-11-02'],
  };
}

const sink = await startSink('null');
const client = createClient({ endpoint: sink.url });
const http: HttpCaller = clientHttp(client);
const budget = { requestTimeoutMs: 30_000, remainingTimeMs: () => Infinity };
const sides: { name: string; Store: StoreClass; createdIndices: Set<string> }[] = [
  { name: 'this', Store: LedgerStore, createdIndices: new Set() },
  ...(values.compare
    ? [{ name: 'compared', Store: await storeClass(values.compare), createdIndices: new Set<string>() }]
    : []),
];

/** CPU microseconds per file of writing `files` new entries with `side`'s store. */
async function pass(side: (typeof sides)[number], number: number): Promise<number> {
  const cpu = process.cpuUsage();
  for (let i = 0; i < files; i += 2) {
    await Promise.all(
      [i, i + 1].map((n) =>
        new side.Store('cloudtrail-ledger', http, {
          policy: DEFAULT_RETRY,
          budget,
          createdIndices: side.createdIndices,
        }).record(entry(`${side.name}/pass-${number}/${n}.json.gz`), new Date()),
      ),
    );
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / files;
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const perFile: number[][] = sides.map(() => []);
for (let number = 0; number < passes; number++) {
  const results: number[] = [];
  for (let turn = 0; turn < sides.length; turn++) {
    const which = (number + turn) % sides.length;
    results[which] = await pass(sides[which]!, number);
  }
  if (number >= WARM_UP_PASSES) results.forEach((micros, i) => perFile[i]!.push(micros));
  console.log(
    `pass ${number}: CPU µs per file ${sides.map((s, i) => `${s.name} ${results[i]!.toFixed(0)}`).join(', ')}`,
  );
}
const summary: Record<string, number> = { files, passes: perFile[0]!.length };
sides.forEach((side, i) => (summary[`${side.name}CpuMicrosPerFile`] = Math.round(median(perFile[i]!))));
if (sides.length > 1)
  summary.thisOverCompared = +median(perFile[0]!.map((micros, n) => micros / perFile[1]![n]!)).toFixed(3);
console.log(JSON.stringify(summary));
await client.close();
sink.child.kill();
