/**
 * The in-memory cluster: its indices, templates and cluster settings. Index creation lives here
 * because explicit creation and bulk auto-creation share it.
 */
import { randomBytes } from 'node:crypto';
import { autoCreateRefusal } from './auto-create.js';
import { OpenSearchError, indexNotFound } from './errors.js';
import { resolveIndexExpression, validateIndexName, type ResolveOptions } from './index-names.js';
import type { MappingFeatures } from './flavor.js';
import { BlockCompressor } from './store/block-compressor.js';
import { IndexState } from './index-state.js';
import { mergeMappings, validateMapping, wrapCreateIndexMappingError } from './mapping/validate.js';
import { normaliseIndexSettings, type FlatSettings } from './settings.js';
import { TemplateRegistry } from './templates.js';

/** 20 URL-safe characters, the shape of OpenSearch's auto-generated ids. */
export function generateId(): string {
  return randomBytes(15).toString('base64url');
}

export interface CreateIndexRequest {
  settings?: unknown;
  mappings?: unknown;
  aliases?: unknown;
}

export class Cluster {
  readonly uuid = randomBytes(16).toString('base64url').slice(0, 22);
  readonly indices = new Map<string, IndexState>();
  readonly templates: TemplateRegistry;
  /** Compresses the `_source` blocks of every index off the main thread (started on first use). */
  private readonly compressor: BlockCompressor | undefined;

  constructor(
    readonly features: MappingFeatures,
    private readonly compressSources = true,
  ) {
    this.templates = new TemplateRegistry(features);
    this.compressor = compressSources ? new BlockCompressor() : undefined;
  }

  /** Stops the compression worker (the indices stay readable). */
  close(): void {
    this.compressor?.close();
  }

  readonly persistentSettings: Record<string, string> = {};
  readonly transientSettings: Record<string, string> = {};

  clusterSetting(key: string): string | undefined {
    return this.transientSettings[key] ?? this.persistentSettings[key];
  }

  names(): string[] {
    return [...this.indices.keys()].sort();
  }

  hiddenNames(): Set<string> {
    return new Set(
      [...this.indices.values()].filter((i) => i.settings['index.hidden'] === 'true').map((i) => i.name),
    );
  }

  resolve(expression: string, options: ResolveOptions = {}): IndexState[] {
    return resolveIndexExpression(expression, this.names(), { hidden: this.hiddenNames(), ...options }).map(
      (name) => this.indices.get(name)!,
    );
  }

  get(name: string): IndexState {
    const index = this.indices.get(name);
    if (!index) throw indexNotFound(name);
    return index;
  }

  /** Creates an index from templates plus the request (request settings win). */
  createIndex(name: string, request: CreateIndexRequest = {}): IndexState {
    validateIndexName(name);
    const existing = this.indices.get(name);
    if (existing) {
      throw new OpenSearchError(
        400,
        'resource_already_exists_exception',
        `index [${name}/${existing.uuid}] already exists`,
        {
          index_uuid: existing.uuid,
          index: name,
        },
      );
    }
    const fromTemplates = this.templates.contributionFor(name);
    const requested = normaliseIndexSettings(request.settings ?? {});
    const settings: FlatSettings = {
      'index.number_of_shards': '1',
      'index.number_of_replicas': '1',
      ...fromTemplates.settings,
    };
    for (const [key, value] of Object.entries(requested)) {
      if (value === null) delete settings[key];
      else settings[key] = value;
    }
    const index = new IndexState(name, settings, this.features, this.compressSources, this.compressor);
    let mapping = fromTemplates.mappings ?? {};
    if (request.mappings !== undefined) {
      try {
        // Spec §5.1: mappings in the create-index request take precedence over the template's.
        mapping = mergeMappings(mapping, validateMapping(request.mappings, this.features), 'compose');
      } catch (error) {
        throw wrapCreateIndexMappingError(error);
      }
    }
    index.checkMappingLimits(mapping);
    index.setMapping(mapping);
    this.indices.set(name, index);
    return index;
  }

  /** The index a write targets, auto-creating it when allowed (OPENSEARCH.md §5.3). */
  indexForWrite(name: string): IndexState {
    const existing = this.indices.get(name);
    if (existing) return existing;
    validateIndexName(name);
    const refusal = autoCreateRefusal(name, this.clusterSetting('action.auto_create_index'));
    if (refusal) throw indexNotFound(name, refusal);
    return this.createIndex(name);
  }
}
