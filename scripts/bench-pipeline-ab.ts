/**
 * `node --expose-gc build/scripts/bench-pipeline-ab.js DIR [NEW_ROOT [OLD_ROOT]] [--rounds N]`: CPU per
 * record of one file's pipeline (read, gunzip, split, build documents, frame, send) with an in-memory
 * transport that answers every item created, so no HTTP and no sink share the measure. With OLD_ROOT, two
 * builds of the project (each root holds its own `build/`) run in one process, round by round in turn,
 * and the ratio is taken per pair of rounds: a comparison that load on a shared machine hits on both
 * sides. The order alternates from round to round, and with `--expose-gc` every run starts after a full
 * collection: otherwise the run that follows pays for the garbage of the one before (measured: ~13 %).
 * Files are indexed two at a time, as one thread of the Lambda does.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '8' } },
});
const [dir, newRoot = fileURLToPath(new URL('../../', import.meta.url)), oldRoot] = positionals;
if (dir === undefined) throw new Error('usage: bench-pipeline-ab.js DIR [NEW_ROOT [OLD_ROOT]] [--rounds N]');
const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.json.gz'))
  .map((name) => join(dir, name))
  .sort();

/** What a build is used through; loaded by path, so any build of the project fits. */
interface Build {
  run(): Promise<number>;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- modules of another build, loaded by path */
async function load(root: string): Promise<Build> {
  const module = (path: string): Promise<any> => import(resolve(root, 'build/src', path));
  const { indexFile } = await module('pipeline/indexFile.js');
  const { DEFAULT_PIPELINE_SETTINGS } = await module('pipeline/indexer.js');
  const { openLocalFile } = await module('source/local.js');
  const { silentTelemetry } = await module('observability/telemetry.js');
  const { DocumentMemory } = await module('documents/builder.js');
  const settings = { ...DEFAULT_PIPELINE_SETTINGS, indexPrefix: 'cloudtrail-' };
  const deps = {
    transport: answeringTransport(),
    deadLetter: {
      target: 'none',
      write: () => Promise.reject(new Error('benchmark data made dead letters')),
    },
    telemetry: silentTelemetry(),
    remainingTimeMs: () => Infinity,
    // a build that keeps document memory per indexer gets one, as its Indexer would give it
    documentMemory: DocumentMemory === undefined ? undefined : new DocumentMemory(),
  };
  return {
    async run() {
      const cpu = process.cpuUsage();
      let records = 0;
      for (let i = 0; i < files.length; i += 2) {
        const pair = files
          .slice(i, i + 2)
          .map((path) =>
            indexFile({ sourceName: path, key: path, stream: openLocalFile(path) }, settings, deps),
          );
        for (const outcome of await Promise.all(pair)) {
          if (outcome.error || outcome.indexed !== outcome.read) throw new Error(JSON.stringify(outcome));
          records += outcome.read;
        }
      }
      const used = process.cpuUsage(cpu);
      return (used.user + used.system) / records;
    },
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Answers every document created, reading the `_id`s from the body's action lines. */
function answeringTransport() {
  const idKey = Buffer.from('"_id":"');
  return {
    releasesBody: true,
    async send(body: string | Buffer) {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const items = [];
      for (let at = 0; at < bytes.length;) {
        const key = bytes.indexOf(idKey, at);
        if (key < 0) break;
        const end = bytes.indexOf(0x22, key + idKey.length);
        items.push({ create: { _id: bytes.toString('latin1', key + idKey.length, end), status: 201 } });
        const sourceStart = bytes.indexOf(0x0a, end) + 1;
        at = bytes.indexOf(0x0a, sourceStart) + 1;
        if (at === 0) break;
      }
      return { statusCode: 200, body: { took: 1, errors: false, items } };
    },
  };
}

const builds = [await load(newRoot), ...(oldRoot === undefined ? [] : [await load(oldRoot)])];
const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const measure = async (build: Build) => {
  collect();
  return build.run();
};
for (const build of builds) await measure(build); // warm-up
const rounds: number[][] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const micros = new Array<number>(builds.length);
  const order = round % 2 === 0 ? builds.keys() : [...builds.keys()].reverse();
  for (const which of order) micros[which] = await measure(builds[which]!);
  rounds.push(micros);
  console.log(`round ${round}: ${micros.map((m) => m.toFixed(2)).join(' / ')} µs of CPU per record`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary: Record<string, number> = {
  files: files.length,
  newMicrosPerRecord: +median(rounds.map((r) => r[0]!)).toFixed(2),
};
if (oldRoot !== undefined) {
  summary.oldMicrosPerRecord = +median(rounds.map((r) => r[1]!)).toFixed(2);
  summary.newOverOldMedian = +median(rounds.map((r) => r[0]! / r[1]!)).toFixed(3);
}
console.log(JSON.stringify(summary));
