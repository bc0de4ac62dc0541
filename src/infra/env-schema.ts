// The environment variables each Lambda's code accepts. The source of truth is src/config.ts
// (INDEXER_ENV_VARS / CLEANUP_ENV_VARS); the validator checks the template against it so the template
// can never set a variable the code ignores (a typo there silently falls back to a default).
import { fileURLToPath } from 'node:url';

export interface EnvSchema {
  readonly indexer: readonly string[];
  readonly cleanup: readonly string[];
  /** Where the lists came from, for messages. */
  readonly source: string;
}

/** Read by Powertools (logger/metrics) rather than by our config schema. */
export const POWERTOOLS_ENV_VARS: readonly string[] = [
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
];

/** Used only while src/config.ts does not exist yet. */
export const FALLBACK_ENV_SCHEMA: EnvSchema = {
  indexer: [
    'OPENSEARCH_ENDPOINT',
    'INDEX_PREFIX',
    'OPENSEARCH_SERVICE',
    'BULK_MAX_BYTES',
    'BULK_MAX_DOCS',
    'BULK_CONCURRENCY',
    'DEAD_LETTER',
    'MAX_DECOMPRESSED_BYTES',
    'MAX_RECORD_BYTES',
    'INCLUDE_INSIGHTS',
    'LOG_LEVEL',
  ],
  cleanup: [
    'OPENSEARCH_ENDPOINT',
    'INDEX_PREFIX',
    'OPENSEARCH_SERVICE',
    'KEEP_DAYS',
    'MAX_DELETIONS',
    'DRY_RUN',
    'LOG_LEVEL',
  ],
  source: 'built-in list (src/config.ts not found)',
};

function stringArray(value: unknown, name: string): readonly string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new Error(`src/config.ts must export ${name} as an array of strings`);
  }
  return value as string[];
}

/** Loads INDEXER_ENV_VARS / CLEANUP_ENV_VARS from the compiled src/config.js; falls back to the built-in
 * list only when that module does not exist at all. */
export async function loadEnvSchema(): Promise<EnvSchema> {
  // A computed specifier keeps tsc from requiring the module at compile time (it may not exist yet).
  const specifier = new URL('../config.js', import.meta.url).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const missing = code === 'ERR_MODULE_NOT_FOUND' && String(error).includes(fileURLToPath(specifier));
    if (missing) return FALLBACK_ENV_SCHEMA;
    throw error;
  }
  return {
    indexer: stringArray(mod['INDEXER_ENV_VARS'], 'INDEXER_ENV_VARS'),
    cleanup: stringArray(mod['CLEANUP_ENV_VARS'], 'CLEANUP_ENV_VARS'),
    source: 'src/config.ts',
  };
}
