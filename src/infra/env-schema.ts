// The environment variables each Lambda's code reads. The sources of truth are src/config.ts
// (INDEXER_ENV_VARS / CLEANUP_ENV_VARS) and src/breaker/config.ts (BREAKER_ENV_VARS); the product rules
// check the template against them, so the template can never set a variable the code ignores (a typo
// there would silently fall back to a default).
import { AUDIT_ENV_VARS } from '../audit/config.js';
import { BREAKER_ENV_VARS } from '../breaker/config.js';
import { ALERT_ENV_VARS } from '../alerts/envVars.js';
import { CLEANUP_ENV_VARS, INDEXER_ENV_VARS, QUERY_API_ENV_VARS } from '../config.js';

/** The project's Lambdas; a function resource says which one it is in its Metadata (COMPONENT_METADATA_KEY). */
export type Component = 'indexer' | 'cleanup' | 'breaker' | 'audit' | 'query-api';

export interface EnvSchema {
  readonly variables: Readonly<Record<Component, readonly string[]>>;
  /** Where each list came from, for messages. */
  readonly source: Readonly<Record<Component, string>>;
}

/** Metadata key of a function resource that names its component: `cloudtrail-opensearch: { component: indexer }`. */
export const COMPONENT_METADATA_KEY = 'cloudtrail-opensearch';

/** Read by Powertools (logger/metrics) or by Node itself rather than by our config schema. */
export const RUNTIME_ENV_VARS: readonly string[] = [
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'NODE_OPTIONS',
];

/**
 * The indexer's V8 options (its NODE_OPTIONS in cloudformation.yml). Nearly every allocation of the
 * pipeline dies young; V8's default lets the young generation grow to 32 MB of semi-spaces, which
 * showed up as 20-40 MB of extra peak RSS on large files. 8 MB measured no slower per record
 * (scripts/bench-memory.ts runs its child with the same option).
 */
export const INDEXER_NODE_OPTIONS = '--max-semi-space-size=8';

export function envSchema(): EnvSchema {
  return {
    variables: {
      indexer: [...INDEXER_ENV_VARS, ...ALERT_ENV_VARS],
      cleanup: CLEANUP_ENV_VARS,
      breaker: BREAKER_ENV_VARS,
      audit: AUDIT_ENV_VARS,
      'query-api': QUERY_API_ENV_VARS,
    },
    source: {
      indexer: 'src/config.ts and src/alerts/envVars.ts',
      cleanup: 'src/config.ts',
      breaker: 'src/breaker/config.ts',
      audit: 'src/audit/config.ts',
      'query-api': 'src/config.ts',
    },
  };
}
