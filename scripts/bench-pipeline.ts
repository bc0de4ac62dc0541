/**
 * The one way benchmarks (and the memory test) run a local file through the real pipeline to a bulk
 * sink: no dead letters expected (generated data must index cleanly), no logs, no deadline.
 */
import type { BulkTransport } from '../src/bulk/transport.js';
import type { DeadLetterSink } from '../src/deadletter/entry.js';
import { silentTelemetry } from '../src/observability/telemetry.js';
import { indexFile, type PipelineSettings } from '../src/pipeline/indexFile.js';
import { DEFAULT_PIPELINE_SETTINGS } from '../src/pipeline/indexer.js';
import { openLocalFile } from '../src/source/local.js';
import type { FileOutcome } from '../src/types.js';

const NO_DEAD_LETTERS: DeadLetterSink = {
  target: 'none (benchmark)',
  write: (entries) => Promise.reject(new Error(`benchmark data produced ${entries.length} dead letters`)),
};

export const BENCH_SETTINGS: PipelineSettings = { ...DEFAULT_PIPELINE_SETTINGS, indexPrefix: 'cloudtrail-' };

/** Indexes one file; throws unless every record read was indexed. */
export async function indexBenchFile(
  path: string,
  transport: BulkTransport,
  settings: PipelineSettings = BENCH_SETTINGS,
): Promise<FileOutcome> {
  const outcome = await indexFile({ sourceName: path, key: path, stream: openLocalFile(path) }, settings, {
    transport,
    deadLetter: NO_DEAD_LETTERS,
    telemetry: silentTelemetry(),
    remainingTimeMs: () => Infinity,
  });
  if (outcome.error || outcome.indexed !== outcome.read)
    throw new Error(`${path}: ${JSON.stringify(outcome)}`);
  return outcome;
}
