/**
 * The benchmark's pipeline process (forked by bench.ts): the real pipeline on T threads with F files in
 * flight per thread, in a process of its own as the indexer runs in production (the CLI, a Lambda),
 * started with the indexer's V8 options (INDEXER_NODE_OPTIONS, as in cloudformation.yml). Its own
 * CPU time and peak RSS are therefore the pipeline's alone: the bench's process, which generates the
 * files and runs the baseline, is not counted in them.
 *
 * Protocol over the IPC channel: the child says `ready`; each `run` message (a list of files) is
 * answered with its timing; `finish` is answered with the process's peak RSS, then the child exits.
 */
import { KinesisExtension, kinesisExtensionSpec, type KinesisSettings } from '../src/kinesis/extension.js';
import type { LedgerSettings } from '../src/ledger/extension.js';
import { silentTelemetry } from '../src/observability/telemetry.js';
import { createClient } from '../src/opensearch/client.js';
import type { ClusterInfo } from '../src/opensearch/cluster.js';
import { DEFAULT_PIPELINE_SETTINGS, Indexer, type IndexerOptions } from '../src/pipeline/indexer.js';
import { loadExtensions } from '../src/pipeline/extensions.js';
import { indexInParallel } from '../src/pipeline/parallel.js';
import { targetName, type FileTarget } from '../src/pipeline/runner.js';
import { startRunners } from '../src/pipeline/workerRunner.js';

export interface PipelineProcessSetup {
  endpoint: string;
  threads: number;
  filesPerThread: number;
  bulkConcurrency?: number;
  /** Run the alerts' matching with the built-in rules on every record (bench-alerts-extension.ts). */
  alerts?: boolean;
  /** Keep the ledger of every file, its entry written to the sink (bench-ledger-extension.ts). */
  ledger?: LedgerSettings;
  /** The null sink is not a cluster: say what it stands for instead of installing a template on it. */
  detectCluster: boolean;
  /** A Kinesis-compatible endpoint: every record also goes to the stream `bench` there. */
  kinesisEndpoint?: string;
}

export type PipelineRequest = { run: string[] } | { finish: true };
export type PipelineReply =
  | { ready: true }
  | { records: number; seconds: number; cpuSeconds: number }
  | { peakRssMb: number }
  | { error: string };

const NULL_SINK_CLUSTER: ClusterInfo = {
  distribution: 'opensearch',
  version: '2.19.0',
  major: 2,
  minor: 19,
  serverless: false,
  supportsFlatObject: true,
};

async function main() {
  const setup = JSON.parse(process.argv[2]!) as PipelineProcessSetup;
  const connection = { endpoint: setup.endpoint };
  const client = createClient(connection);
  const options: IndexerOptions = {
    ...DEFAULT_PIPELINE_SETTINGS,
    indexPrefix: 'cloudtrail-',
    bulkConcurrency: setup.bulkConcurrency ?? DEFAULT_PIPELINE_SETTINGS.bulkConcurrency,
    cluster: setup.detectCluster ? undefined : NULL_SINK_CLUSTER,
  };
  const kinesis: KinesisSettings | undefined = setup.kinesisEndpoint
    ? {
        stream: { text: 'bench', name: 'bench' },
        endpoint: setup.kinesisEndpoint,
        requestTimeoutMs: options.requestTimeoutMs,
      }
    : undefined;
  const alertsSpecs = setup.alerts
    ? [{ module: new URL('./bench-alerts-extension.js', import.meta.url).href }]
    : [];
  // The ledger last, as the indexer orders it: it records the file's final state.
  const ledgerSpecs = setup.ledger
    ? [{ module: new URL('./bench-ledger-extension.js', import.meta.url).href, settings: setup.ledger }]
    : [];
  const indexer = new Indexer(client, options, silentTelemetry(), undefined, [
    ...(await loadExtensions(alertsSpecs)),
    ...(kinesis ? [new KinesisExtension(kinesis)] : []),
    ...(await loadExtensions(ledgerSpecs)),
  ]);
  const runners = await startRunners(indexer, setup.threads, {
    connection,
    options,
    logLevel: 'ERROR',
    extensions: [...alertsSpecs, ...(kinesis ? [kinesisExtensionSpec(kinesis)] : []), ...ledgerSpecs],
  });

  const run = async (paths: string[]) => {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    let records = 0;
    const targets: FileTarget[] = paths.map((path) => ({ kind: 'local', path }));
    await indexInParallel(targets, {
      runners,
      filesPerRunner: setup.filesPerThread,
      onOutcome: (outcome, target) => {
        // Generated data must index cleanly: anything else is a bug, not a result.
        const kinesisPut = outcome.extensions?.kinesis?.put;
        if (
          outcome.error ||
          outcome.indexed !== outcome.read ||
          (setup.kinesisEndpoint !== undefined && kinesisPut !== outcome.read)
        )
          throw new Error(`${targetName(target)}: ${JSON.stringify(outcome)}`);
        records += outcome.read;
      },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = process.cpuUsage(cpu); // every thread of this process: workers and zlib's pool too
    return { records, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
  };

  const reply = (message: PipelineReply) => process.send!(message);
  process.on('message', (request: PipelineRequest) => {
    if ('run' in request) {
      run(request.run).then(reply, (error: unknown) => reply({ error: String(error) }));
      return;
    }
    void Promise.all(runners.map((runner) => runner.close()))
      .then(() => client.close())
      .then(() => {
        reply({ peakRssMb: process.resourceUsage().maxRSS / 1024 });
        process.disconnect();
      });
  });
  reply({ ready: true });
}

await main();
