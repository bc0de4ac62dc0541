/**
 * Index and cluster settings. OpenSearch stores settings flat (`index.mapping.total_fields.limit`) with
 * string values, accepts nested or flat input, and renders nested output unless `flat_settings=true`.
 */
import { illegalArgument } from './errors.js';

export type FlatSettings = Record<string, string>;

/** Flattens `{"index":{"a":1}}` and `{"index.a":1}` alike into `{"index.a":"1"}`; null stays null. */
export function flattenSettings(input: unknown, prefix = ''): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return out;
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    const path = prefix + key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      Object.assign(out, flattenSettings(value, path + '.'));
    } else if (Array.isArray(value)) {
      out[path] = value.map(String).join(',');
    } else {
      out[path] = value === null ? null : String(value);
    }
  }
  return out;
}

/** Renders flat settings as nested objects. */
export function nestSettings(flat: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(flat).sort()) {
    const parts = key.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) {
      if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = flat[key];
  }
  return out;
}

type SettingKind = 'int' | 'bool' | 'string' | 'time';
interface IndexSettingSpec {
  kind: SettingKind;
  dynamic: boolean;
}

/** Index settings this server knows. Anything else is rejected as OpenSearch rejects unknown settings. */
const indexSettings: Record<string, IndexSettingSpec> = {
  'index.number_of_shards': { kind: 'int', dynamic: false },
  'index.number_of_replicas': { kind: 'int', dynamic: true },
  'index.number_of_routing_shards': { kind: 'int', dynamic: false },
  'index.auto_expand_replicas': { kind: 'string', dynamic: true },
  'index.refresh_interval': { kind: 'time', dynamic: true },
  'index.max_result_window': { kind: 'int', dynamic: true },
  'index.mapping.total_fields.limit': { kind: 'int', dynamic: true },
  'index.mapping.depth.limit': { kind: 'int', dynamic: true },
  'index.mapping.nested_fields.limit': { kind: 'int', dynamic: true },
  'index.mapping.nested_objects.limit': { kind: 'int', dynamic: true },
  'index.mapping.field_name_length.limit': { kind: 'int', dynamic: true },
  'index.mapping.ignore_malformed': { kind: 'bool', dynamic: false },
  'index.codec': { kind: 'string', dynamic: false },
  'index.hidden': { kind: 'bool', dynamic: true },
  'index.priority': { kind: 'int', dynamic: true },
  'index.query.default_field': { kind: 'string', dynamic: true },
  'index.blocks.read_only': { kind: 'bool', dynamic: true },
  'index.blocks.read_only_allow_delete': { kind: 'bool', dynamic: true },
  'index.blocks.write': { kind: 'bool', dynamic: true },
  'index.blocks.read': { kind: 'bool', dynamic: true },
  'index.blocks.metadata': { kind: 'bool', dynamic: true },
  'index.translog.durability': { kind: 'string', dynamic: true },
  'index.translog.sync_interval': { kind: 'time', dynamic: true },
  'index.knn': { kind: 'bool', dynamic: false },
};
/** Plugin-owned settings (ISM, opendistro) are accepted without checking. */
const pluginPrefixes = ['index.plugins.', 'index.opendistro.', 'index.routing.allocation.'];
/** Settings the server owns; they show up in GET _settings. */
const internalSettings = new Set([
  'index.creation_date',
  'index.uuid',
  'index.version.created',
  'index.provided_name',
]);

function checkValue(key: string, value: string, kind: SettingKind): void {
  const fail = (): never => {
    throw illegalArgument(`Failed to parse value [${value}] for setting [${key}]`);
  };
  if (kind === 'int' && !/^-?\d+$/.test(value)) fail();
  if (kind === 'bool' && value !== 'true' && value !== 'false') {
    throw illegalArgument(`Failed to parse value [${value}] as only [true] or [false] are allowed.`);
  }
  if (kind === 'time' && !/^(-1|0|\d+(nanos|micros|ms|s|m|h|d))$/.test(value)) {
    throw illegalArgument(
      `failed to parse setting [${key}] with value [${value}] as a time value: unit is missing or unrecognized`,
    );
  }
}

/** Normalises user-provided index settings: flat, `index.` prefixed, validated. */
export function normaliseIndexSettings(input: unknown): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [rawKey, value] of Object.entries(flattenSettings(input))) {
    const key = rawKey.startsWith('index.') ? rawKey : `index.${rawKey}`;
    const spec = indexSettings[key];
    if (!spec && !pluginPrefixes.some((p) => key.startsWith(p)) && !internalSettings.has(key)) {
      throw illegalArgument(
        `unknown setting [${key}] please check that any required plugins are installed, or check the breaking changes documentation for removed settings`,
      );
    }
    if (spec && value !== null) checkValue(key, value, spec.kind);
    out[key] = value;
  }
  return out;
}

export function isDynamicIndexSetting(key: string): boolean {
  return indexSettings[key]?.dynamic ?? pluginPrefixes.some((p) => key.startsWith(p));
}

export function intSetting(settings: FlatSettings, key: string, fallback: number): number {
  const value = settings[key];
  return value === undefined ? fallback : Number(value);
}

/** Cluster settings this server acts on; others known to OpenSearch are accepted and stored. */
const clusterSettingKinds: Record<string, SettingKind> = {
  'action.auto_create_index': 'string',
  'action.destructive_requires_name': 'bool',
  'cluster.max_shards_per_node': 'int',
  'cluster.routing.allocation.enable': 'string',
  'cluster.routing.allocation.disk.threshold_enabled': 'bool',
  'indices.recovery.max_bytes_per_sec': 'string',
  'search.max_buckets': 'int',
};

export function validateClusterSetting(scope: string, key: string, value: string | null): void {
  const kind = clusterSettingKinds[key];
  if (!kind && !key.startsWith('plugins.') && !key.startsWith('opendistro.') && !key.startsWith('logger.')) {
    throw illegalArgument(`${scope} setting [${key}], not recognized`);
  }
  if (kind && value !== null) checkValue(key, value, kind);
}
