/**
 * Creates tomorrow's (UTC) daily index ahead of time. At midnight every concurrent indexer would
 * otherwise race to auto-create it in the same instant; creating it early moves that cluster-state
 * update out of the burst. A plain PUT lets the index template apply as usual.
 */
import type { Client } from '@opensearch-project/opensearch';
import { errorTypeOf } from './http-errors.js';
import { withRetry, type RetryOptions } from './retry.js';

/** Whether the call created the index or found it already there (both leave it in place). */
export type PreCreateResult = 'created' | 'already-exists';

export async function ensureIndexExists(
  client: Client,
  index: string,
  retry?: RetryOptions,
): Promise<PreCreateResult> {
  try {
    await withRetry(() => client.indices.create({ index }), retry);
    return 'created';
  } catch (err) {
    // Someone (an indexer, a previous run) created it first: that is the goal reached.
    if (errorTypeOf(err) === 'resource_already_exists_exception') return 'already-exists';
    throw err;
  }
}
