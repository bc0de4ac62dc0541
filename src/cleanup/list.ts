/**
 * Lists the indices under the prefix with `_cat/indices`, which also works on Serverless. Asking for
 * `prefix*` (a read, so a wildcard is fine) keeps the listing small and within a role that may only
 * see `cloudtrail-*`.
 */
import type { RetryingCaller } from '../http/calls.js';

export interface IndexEntry {
  index: string;
  /** Primary shards, when the listing reported it. */
  primaries?: number;
  /** Replicas per primary, when the listing reported it. */
  replicas?: number;
}

function toCount(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

export async function listIndices(calls: RetryingCaller, prefix: string): Promise<IndexEntry[]> {
  const response = await calls.call({
    method: 'GET',
    path: `/_cat/indices/${encodeURIComponent(`${prefix}*`)}`,
    querystring: { format: 'json', h: 'index,pri,rep' },
  });
  const rows: unknown = response.body;
  if (!Array.isArray(rows)) throw new Error('_cat/indices did not return a JSON array');
  const entries: IndexEntry[] = [];
  for (const row of rows as Record<string, unknown>[]) {
    if (typeof row?.index !== 'string') continue;
    entries.push({ index: row.index, primaries: toCount(row.pri), replicas: toCount(row.rep) });
  }
  return entries;
}
