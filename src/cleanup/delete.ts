/**
 * Deletes indices by explicit name, in URL-sized batches. Explicit names keep it working under
 * `action.destructive_requires_name`; `ignore_unavailable` stops one index that vanished meanwhile
 * (another run, an operator) from failing the whole batch, since OpenSearch deletes nothing when a
 * listed name is missing. A batch that still fails is retried one name at a time, so one bad index
 * (a block, a snapshot in progress, a permission) does not keep the others.
 */
import type { Client } from '@opensearch-project/opensearch';
import { batchByPathBytes, DEFAULT_MAX_PATH_BYTES } from './batches.js';
import { describeError } from './http-errors.js';
import { withRetry, type RetryOptions } from './retry.js';

export interface DeleteResult {
  deleted: string[];
  failed: { index: string; reason: string }[];
}

export interface DeleteOptions {
  maxPathBytes?: number;
  retry?: RetryOptions;
  /** Told about each batch that failed as a whole before the name-by-name retry. */
  onBatchFailure?: (batch: string[], reason: string) => void;
}

async function deleteExactly(client: Client, names: string[], retry?: RetryOptions): Promise<void> {
  await withRetry(() => client.indices.delete({ index: names, ignore_unavailable: true }), retry);
}

export async function deleteIndices(
  client: Client,
  names: string[],
  options: DeleteOptions = {},
): Promise<DeleteResult> {
  const result: DeleteResult = { deleted: [], failed: [] };
  for (const batch of batchByPathBytes(names, options.maxPathBytes ?? DEFAULT_MAX_PATH_BYTES)) {
    try {
      await deleteExactly(client, batch, options.retry);
      result.deleted.push(...batch);
      continue;
    } catch (err) {
      if (batch.length === 1) {
        result.failed.push({ index: batch[0]!, reason: describeError(err) });
        continue;
      }
      options.onBatchFailure?.(batch, describeError(err));
    }
    for (const name of batch) {
      try {
        await deleteExactly(client, [name], options.retry);
        result.deleted.push(name);
      } catch (err) {
        result.failed.push({ index: name, reason: describeError(err) });
      }
    }
  }
  return result;
}
