/**
 * Deletes indices by explicit name, in URL-sized batches. Explicit names keep it working under
 * `action.destructive_requires_name`; `ignore_unavailable` stops one index that vanished meanwhile
 * (another run, an operator) from failing the whole batch, since OpenSearch deletes nothing when a
 * listed name is missing. A batch that still fails is retried one name at a time, so one bad index
 * (a block, a snapshot in progress, a permission) does not keep the others.
 */
import type { RetryingCaller } from '../http/calls.js';
import { describeFailure } from '../http/errors.js';
import { batchByPathBytes, DEFAULT_MAX_PATH_BYTES } from './batches.js';

export interface DeleteResult {
  deleted: string[];
  failed: { index: string; reason: string }[];
}

export interface DeleteOptions {
  maxPathBytes?: number;
  /** Told about each batch that failed as a whole before the name-by-name retry. */
  onBatchFailure?: (batch: string[], reason: string) => void;
}

async function deleteExactly(calls: RetryingCaller, names: string[]): Promise<void> {
  // The path batches.ts measures: `/` + the comma list, percent-encoded.
  await calls.call({
    method: 'DELETE',
    path: `/${encodeURIComponent(names.join(','))}`,
    querystring: { ignore_unavailable: true },
  });
}

export async function deleteIndices(
  calls: RetryingCaller,
  names: string[],
  options: DeleteOptions = {},
): Promise<DeleteResult> {
  const result: DeleteResult = { deleted: [], failed: [] };
  for (const batch of batchByPathBytes(names, options.maxPathBytes ?? DEFAULT_MAX_PATH_BYTES)) {
    try {
      await deleteExactly(calls, batch);
      result.deleted.push(...batch);
      continue;
    } catch (err) {
      if (batch.length === 1) {
        result.failed.push({ index: batch[0]!, reason: describeFailure(err) });
        continue;
      }
      options.onBatchFailure?.(batch, describeFailure(err));
    }
    for (const name of batch) {
      try {
        await deleteExactly(calls, [name]);
        result.deleted.push(name);
      } catch (err) {
        result.failed.push({ index: name, reason: describeFailure(err) });
      }
    }
  }
  return result;
}
