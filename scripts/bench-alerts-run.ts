/**
 * What the alerts benchmarks share: the files they index, the pipeline settings for the null sink, and
 * one pass over the files, two at a time as one Lambda thread indexes them.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseClusterInfo } from '../src/opensearch/cluster.js';
import { DEFAULT_PIPELINE_SETTINGS, type Indexer } from '../src/pipeline/indexer.js';

/** The first `count` `.json.gz` files under `dir`, in name order. */
export function benchFiles(dir: string, count: number): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.json.gz'))
    .sort()
    .slice(0, count)
    .map((name) => join(dir, name));
}

export const NULL_SINK_SETTINGS = {
  ...DEFAULT_PIPELINE_SETTINGS,
  indexPrefix: 'cloudtrail-',
  // the null sink stands for a cluster: no detection, no template
  cluster: parseClusterInfo({ version: { number: '2.19.0', distribution: 'opensearch' } }, false),
};

/** Indexes every file once; every record must be indexed. */
export async function indexAll(
  indexer: Indexer,
  paths: readonly string[],
): Promise<{ records: number; alertsMatched: number }> {
  let records = 0;
  let alertsMatched = 0;
  for (let i = 0; i < paths.length; i += 2) {
    const outcomes = await Promise.all(paths.slice(i, i + 2).map((path) => indexer.indexLocalFile(path)));
    for (const outcome of outcomes) {
      if (outcome.error || outcome.indexed !== outcome.read) throw new Error(JSON.stringify(outcome));
      records += outcome.read;
      alertsMatched += outcome.extensions?.alerts?.matched ?? 0;
    }
  }
  return { records, alertsMatched };
}
