/**
 * In-cluster retention with Index State Management, for users who prefer it to the scheduled Lambda.
 * Caveat (see docs/cleanup.md): ISM ages an index from its CREATION date, not the date in its name,
 * so a back-filled old day lives another keepDays after it was created.
 */
import type { Client } from '@opensearch-project/opensearch';
import { HttpError, isClusterShapedBody } from '../http/errors.js';
import type { HttpRequest } from '../http/request.js';
import { batchByPathBytes, DEFAULT_MAX_PATH_BYTES } from './batches.js';
import { cleanupCalls, type CleanupConnection } from './calls.js';
import { listIndices } from './list.js';
import { parseDailyIndexName, validateKeepDays, validatePrefix } from './plan.js';

/** Current OpenSearch path first; AWS domains on the Elasticsearch engine only know the Open Distro one. */
export const ISM_API_BASES = ['_plugins/_ism', '_opendistro/_ism'] as const;
export type IsmApiBase = (typeof ISM_API_BASES)[number];

/**
 * ISM patterns are plain globs, so `prefix*` would also catch `cloudtrail-deadletter`. Daily names start
 * with a year, and `prefix2*` (years 2000–2999) keeps the dead-letter index and other words out.
 */
export function ismIndexPattern(prefix: string): string {
  return `${prefix}2*`;
}

export function ismPolicy(options: { prefix: string; keepDays: number }): Record<string, unknown> {
  validatePrefix(options.prefix);
  validateKeepDays(options.keepDays);
  return {
    policy: {
      description:
        `cloudtrail-opensearch: delete ${options.prefix}YYYY-MM-DD indices ${options.keepDays} days ` +
        `after their creation`,
      default_state: 'hot',
      states: [
        {
          name: 'hot',
          actions: [],
          transitions: [{ state_name: 'delete', conditions: { min_index_age: `${options.keepDays}d` } }],
        },
        { name: 'delete', actions: [{ delete: {} }], transitions: [] },
      ],
      ism_template: [{ index_patterns: [ismIndexPattern(options.prefix)], priority: 100 }],
    },
  };
}

export interface IsmInstallResult {
  policyId: string;
  /** Which API path answered. */
  apiBase: IsmApiBase;
  created: boolean;
  updated: boolean;
  /** Existing daily indices the policy was attached to now. */
  attachedIndices: number;
  /** Indices ISM refused, e.g. "This index already has a policy". */
  attachFailures: { index: string; reason: string }[];
}

type Json = Record<string, unknown>;

/** The parts of a policy that decide what it does; GET adds bookkeeping (retry defaults, times) we ignore. */
function retentionShape(policy: unknown): string {
  const p = (policy ?? {}) as Json;
  const states = Array.isArray(p.states) ? (p.states as Json[]) : [];
  const templates = Array.isArray(p.ism_template) ? (p.ism_template as Json[]) : [];
  return JSON.stringify({
    default_state: p.default_state,
    states: states.map((state) => ({
      name: state.name,
      actions: (Array.isArray(state.actions) ? (state.actions as Json[]) : []).map((action) =>
        Object.keys(action)
          .filter((key) => key !== 'retry' && key !== 'timeout')
          .sort(),
      ),
      transitions: (Array.isArray(state.transitions) ? (state.transitions as Json[]) : []).map((t) => ({
        state_name: t.state_name,
        conditions: t.conditions ?? null,
      })),
    })),
    ism_template: templates.map((t) => ({ index_patterns: t.index_patterns, priority: t.priority })),
  });
}

/** A 404/405, or a 400 "no handler found": the cluster has no ISM at this path. */
function isMissingRoute(err: unknown): boolean {
  const status = statusOf(err);
  if (!(err instanceof HttpError) || status === undefined) return false;
  return status === 404 || status === 405 || (status === 400 && /no handler found/i.test(err.message));
}

/** The status of the cluster's own refusal; a web page at the endpoint is "not OpenSearch", not "no ISM". */
function statusOf(err: unknown): number | undefined {
  return err instanceof HttpError && isClusterShapedBody(err.body) ? err.status : undefined;
}

export async function installIsmPolicy(
  client: Client,
  options: { prefix: string; keepDays: number; policyId?: string } & CleanupConnection,
): Promise<IsmInstallResult> {
  const calls = cleanupCalls(client, options);
  const call = (method: HttpRequest['method'], path: string, extra: Partial<HttpRequest> = {}) =>
    calls.call({ method, path, ...extra });
  const desired = ismPolicy(options);
  const policyId = options.policyId ?? `${options.prefix}retention`;
  const policyPath = (base: IsmApiBase) => `/${base}/policies/${encodeURIComponent(policyId)}`;

  let found: { apiBase: IsmApiBase; created: boolean; updated: boolean } | undefined;
  for (const apiBase of ISM_API_BASES) {
    let existing: Json | undefined;
    try {
      existing = (await call('GET', policyPath(apiBase))).body as Json;
    } catch (err) {
      if (statusOf(err) !== 404 && !isMissingRoute(err)) throw err;
      // 404 means either "no such policy" or "no ISM here"; creating it tells the two apart.
    }
    if (existing === undefined) {
      try {
        await call('PUT', policyPath(apiBase), { body: desired });
        found = { apiBase, created: true, updated: false };
        break;
      } catch (err) {
        if (isMissingRoute(err)) continue;
        throw err;
      }
    }
    if (retentionShape(existing.policy) === retentionShape(desired.policy)) {
      found = { apiBase, created: false, updated: false };
      break;
    }
    // Optimistic concurrency: ISM refuses an update without the version it replaces (409 otherwise).
    await call('PUT', policyPath(apiBase), {
      body: desired,
      querystring: { if_seq_no: String(existing._seq_no), if_primary_term: String(existing._primary_term) },
    });
    found = { apiBase, created: false, updated: true };
    break;
  }
  if (!found) {
    throw new Error(
      'ISM is not available at _plugins/_ism or _opendistro/_ism (Serverless has no ISM; ' +
        'use the cleanup Lambda instead)',
    );
  }

  // ism_template only reaches indices created from now on; attach existing daily indices by exact name.
  const daily = (await listIndices(calls, options.prefix))
    .map((entry) => entry.index)
    .filter((name) => parseDailyIndexName(name, options.prefix) !== undefined)
    .sort();
  let attachedIndices = 0;
  const attachFailures: IsmInstallResult['attachFailures'] = [];
  for (const batch of batchByPathBytes(daily, DEFAULT_MAX_PATH_BYTES)) {
    const response = await call('POST', `/${found.apiBase}/add/${encodeURIComponent(batch.join(','))}`, {
      body: { policy_id: policyId },
    });
    const body = response.body as {
      updated_indices?: number;
      failed_indices?: { index_name?: string; reason?: string }[];
    };
    attachedIndices += Number(body.updated_indices ?? 0);
    for (const failure of body.failed_indices ?? []) {
      attachFailures.push({ index: String(failure.index_name), reason: String(failure.reason) });
    }
  }
  return { policyId, ...found, attachedIndices, attachFailures };
}
