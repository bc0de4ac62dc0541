// The environment variables each Lambda's code accepts. The source of truth is src/config.ts
// (INDEXER_ENV_VARS / CLEANUP_ENV_VARS); the validator checks the template against it so the template
// can never set a variable the code ignores (a typo there silently falls back to a default).
import { CLEANUP_ENV_VARS, INDEXER_ENV_VARS } from '../config.js';

export interface EnvSchema {
  readonly indexer: readonly string[];
  readonly cleanup: readonly string[];
  /** Where the lists came from, for messages. */
  readonly source: string;
}

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

export function loadEnvSchema(): Promise<EnvSchema> {
  return Promise.resolve({ indexer: INDEXER_ENV_VARS, cleanup: CLEANUP_ENV_VARS, source: 'src/config.ts' });
}
