/**
 * Creates tomorrow's (UTC) daily index ahead of time. At midnight every concurrent indexer would
 * otherwise race to auto-create it in the same instant; creating it early moves that cluster-state
 * update out of the burst. A plain PUT lets the index template apply as usual.
 */
import type { RetryingCaller } from '../http/calls.js';
import { errorTypeOf, HttpError } from '../http/errors.js';

/** Whether the call created the index or found it already there (both leave it in place). */
export type PreCreateResult = 'created' | 'already-exists';

export async function ensureIndexExists(calls: RetryingCaller, index: string): Promise<PreCreateResult> {
  const request = { method: 'PUT', path: `/${encodeURIComponent(index)}` } as const;
  const response = await calls.call(request, [400]);
  if (response.statusCode < 300) return 'created';
  // Someone (an indexer, a previous run) created it first: that is the goal reached.
  if (errorTypeOf(response.body) === 'resource_already_exists_exception') return 'already-exists';
  throw new HttpError(response.statusCode, response.body, `PUT /${index}`);
}
