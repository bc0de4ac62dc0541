/**
 * The ledger for `npm run bench -- --ledger`: the product's LedgerExtension (the SHA-256 of the
 * decompressed bytes as they stream, each record's time and index, the entry written to the sink once
 * the file is delivered). The ledger is of S3 objects and opens only for them, while the benchmark
 * reads local files: each file is shown to it as an object of the bucket `bench-trail`, keyed by path.
 */
import { LedgerExtension, type LedgerSettings } from '../src/ledger/extension.js';
import type { FileExtension } from '../src/pipeline/extensions.js';

const BENCH_BUCKET = 'bench-trail';

export function createExtension(settings?: LedgerSettings): FileExtension {
  const ledger = new LedgerExtension(settings);
  return {
    name: ledger.name,
    openFile: (file, context) => ledger.openFile({ ...file, bucket: BENCH_BUCKET }, context),
  };
}
