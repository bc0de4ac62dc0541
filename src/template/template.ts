/**
 * The composable index template for the daily CloudTrail indices (OpenSearch 1.x–3.x,
 * Elasticsearch 7.8+, Amazon OpenSearch Service and Serverless).
 */
import { countMappedFields, indexMappings } from './mappings.js';

export { countMappedFields } from './mappings.js';

/** Bump whenever the body changes: the installer never replaces a template of equal or newer version. */
export const TEMPLATE_VERSION = 4;

export const TEMPLATE_PRIORITY = 200;

/** Explicit so a cluster-wide default cannot change it; the mapping stays far below (asserted). */
export const TOTAL_FIELDS_LIMIT = 1000;

export interface ClusterFlavor {
  distribution: 'opensearch' | 'elasticsearch';
  major: number;
  minor: number;
  serverless: boolean;
}

export interface TemplateOptions {
  indexPrefix: string;
  cluster?: ClusterFlavor;
  shards?: number;
  replicas?: number;
}

export interface IndexTemplate {
  name: string;
  body: Record<string, unknown>;
}

export function indexTemplate(options: TemplateOptions): IndexTemplate {
  const mappings = indexMappings();
  const fieldCount = countMappedFields(mappings);
  if (fieldCount >= TOTAL_FIELDS_LIMIT / 2) {
    throw new Error(`index template maps ${fieldCount} fields; keep it well under ${TOTAL_FIELDS_LIMIT}`);
  }
  const template: Record<string, unknown> = { mappings };
  // Serverless manages shards, replicas and refresh itself and rejects these settings.
  if (options.cluster?.serverless !== true) template.settings = indexSettings(options);
  return {
    name: templateName(options.indexPrefix),
    body: {
      index_patterns: [indexPattern(options.indexPrefix)],
      priority: TEMPLATE_PRIORITY,
      version: TEMPLATE_VERSION,
      _meta: {
        managed_by: 'cloudtrail-opensearch',
        description: 'CloudTrail daily indices (docs/field-model.md)',
      },
      template,
    },
  };
}

function indexSettings(options: TemplateOptions): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    'index.number_of_shards': options.shards ?? 1,
    // CloudTrail delivers files every few minutes; refreshing less often than the 1s default
    // makes indexing cheaper and costs nothing visible.
    'index.refresh_interval': '30s',
    'index.mapping.total_fields.limit': TOTAL_FIELDS_LIMIT,
  };
  if (options.replicas !== undefined) settings['index.number_of_replicas'] = options.replicas;
  return settings;
}

/**
 * Daily names are `<prefix>YYYY-MM-DD` and the builder never writes a year outside 2000–2999, so
 * `<prefix>2*` matches them but not `<prefix>deadletter` or `<prefix>other-2024-…` of a longer prefix.
 */
export function indexPattern(indexPrefix: string): string {
  return `${indexPrefix}2*`;
}

/** One template per prefix, named so it cannot be mistaken for a user's own template. */
export function templateName(indexPrefix: string): string {
  const slug = indexPrefix
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
  return `cloudtrail-opensearch-${slug || 'default'}`;
}
