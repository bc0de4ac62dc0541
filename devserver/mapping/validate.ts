/**
 * Explicit mappings: checks a mapping body the way OpenSearch's type parsers do (known types, known
 * parameters per type, sane `dynamic`/`format` values) and merges an update into an existing mapping
 * with OpenSearch's conflict messages. Errors are thrown as `mapper_parsing_exception` or
 * `illegal_argument_exception` as OpenSearch throws them.
 */
import { OpenSearchError, illegalArgument, mapperParsing } from '../errors.js';
import { unsupportedFormats } from './dates.js';
import { cloneMapping, isObjectNode, numericTypes, type MappingNode, type RootMapping } from './model.js';

const common = ['type', 'fields', 'meta', 'index', 'store', 'doc_values', 'boost', 'copy_to', 'null_value'];
const paramsByType: Record<string, string[]> = {
  keyword: [
    ...common,
    'ignore_above',
    'normalizer',
    'eager_global_ordinals',
    'index_options',
    'norms',
    'similarity',
    'split_queries_on_whitespace',
  ],
  text: [
    ...common,
    'analyzer',
    'search_analyzer',
    'search_quote_analyzer',
    'fielddata',
    'fielddata_frequency_filter',
    'index_options',
    'index_phrases',
    'index_prefixes',
    'norms',
    'position_increment_gap',
    'similarity',
    'term_vector',
    'eager_global_ordinals',
  ],
  match_only_text: ['type', 'fields', 'meta', 'analyzer', 'search_analyzer', 'search_quote_analyzer'],
  wildcard: ['type', 'fields', 'meta', 'ignore_above', 'null_value', 'normalizer', 'doc_values'],
  date: [...common, 'format', 'locale', 'ignore_malformed', 'print_format'],
  date_nanos: [...common, 'format', 'locale', 'ignore_malformed'],
  boolean: [...common, 'ignore_malformed'],
  ip: [...common, 'ignore_malformed'],
  flat_object: ['type'],
  geo_point: [...common, 'ignore_malformed', 'ignore_z_value'],
  binary: ['type', 'doc_values', 'store', 'meta'],
};
for (const numeric of numericTypes) {
  paramsByType[numeric] = [
    ...common,
    'coerce',
    'ignore_malformed',
    ...(numeric === 'scaled_float' ? ['scaling_factor'] : []),
  ];
}
const objectParams = ['type', 'properties', 'dynamic', 'enabled', 'include_in_parent', 'include_in_root'];
const rootParams = [
  ...objectParams,
  'date_detection',
  'numeric_detection',
  'dynamic_date_formats',
  'dynamic_templates',
  '_meta',
  '_source',
  '_routing',
  '_field_names',
];
const dynamicValues = new Set(['true', 'false', 'strict', 'strict_allow_templates', 'false_allow_templates']);

function renderParam(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function checkDynamic(node: MappingNode): void {
  if (node.dynamic === undefined) return;
  const text = String(node.dynamic);
  if (!dynamicValues.has(text)) {
    throw mapperParsing(`Could not convert [dynamic] to boolean`);
  }
  node.dynamic = text; // OpenSearch renders `dynamic` as a string
}

function validateLeaf(name: string, node: MappingNode, isMultiField: boolean): void {
  const type = String(node.type);
  const allowed = paramsByType[type];
  if (!allowed) throw mapperParsing(`No handler for type [${type}] declared on field [${name}]`);
  for (const key of Object.keys(node)) {
    if (!allowed.includes(key)) {
      throw mapperParsing(`unknown parameter [${key}] on mapper [${name}] of type [${type}]`);
    }
  }
  if (
    node.ignore_above !== undefined &&
    !(Number.isInteger(node.ignore_above) && Number(node.ignore_above) >= 0)
  ) {
    throw mapperParsing(
      `Failed to parse mapping: [ignore_above] on mapper [${name}] must be a non-negative integer`,
    );
  }
  if (typeof node.format === 'string') {
    const bad = unsupportedFormats(node.format);
    if (bad.length > 0)
      throw illegalArgument(`Invalid format: [${node.format}]: Unknown pattern [${bad[0]}]`);
  }
  if (node.fields !== undefined) {
    if (isMultiField) throw mapperParsing(`Field [${name}] cannot be a multi-field`);
    for (const [subName, sub] of Object.entries(node.fields)) {
      if (typeof sub !== 'object' || sub === null || sub.type === undefined) {
        throw mapperParsing(`No type specified for field [${subName}]`);
      }
      validateLeaf(subName, sub, true);
    }
  }
}

function validateObject(name: string, node: MappingNode, allowed: string[]): void {
  const unsupported = Object.keys(node).filter((key) => !allowed.includes(key));
  if (unsupported.length > 0) {
    const list = unsupported.map((key) => `${key} : ${renderParam(node[key])}`).join(', ');
    throw mapperParsing(`Mapping definition for [${name}] has unsupported parameters:  [${list}]`);
  }
  checkDynamic(node);
  if (node.enabled !== undefined && typeof node.enabled !== 'boolean') {
    throw mapperParsing(
      `Failed to parse value [${String(node.enabled)}] as only [true] or [false] are allowed.`,
    );
  }
  for (const [childName, child] of Object.entries(node.properties ?? {})) {
    if (typeof child !== 'object' || child === null) {
      throw mapperParsing(
        `Expected map for property [fields] on field [${childName}] but got a class java.lang.String`,
      );
    }
    if (childName === '') throw illegalArgument('field name cannot be an empty string');
    if (isObjectNode(child)) validateObject(childName, child, objectParams);
    else validateLeaf(childName, child, false);
  }
}

/** Validates and normalises a mapping body (the content of `mappings` or of `PUT _mapping`). */
export function validateMapping(input: unknown): RootMapping {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw mapperParsing('Expected map for property [mappings] but got a class java.lang.String');
  }
  const mapping = cloneMapping(input as RootMapping);
  validateObject('_doc', mapping, rootParams);
  for (const key of ['date_detection', 'numeric_detection'] as const) {
    if (mapping[key] !== undefined) mapping[key] = String(mapping[key]) === 'true';
  }
  return mapping;
}

/** Wraps an error the way create-index reports a bad mapping. */
export function wrapCreateIndexMappingError(error: unknown): unknown {
  if (!(error instanceof OpenSearchError)) return error;
  return mapperParsing(`Failed to parse mapping [_doc]: ${error.reason}`, error.asCause);
}

const updatableParams = new Set(['ignore_above', 'ignore_malformed', 'coerce', 'meta', 'fields', 'boost']);

function mergeLeaf(path: string, target: MappingNode, update: MappingNode): void {
  if (target.type !== update.type) {
    throw illegalArgument(
      `mapper [${path}] cannot be changed from type [${target.type}] to [${update.type}]`,
    );
  }
  for (const [key, value] of Object.entries(update)) {
    if (key === 'fields') continue;
    const old = target[key];
    if (!updatableParams.has(key) && JSON.stringify(old) !== JSON.stringify(value)) {
      const from = old === undefined ? 'null' : renderParam(old);
      throw illegalArgument(
        `Mapper for [${path}] conflicts with existing mapper:\n\tCannot update parameter [${key}] from [${from}] to [${renderParam(value)}]`,
      );
    }
    target[key] = value;
  }
  for (const [name, sub] of Object.entries(update.fields ?? {})) {
    target.fields ??= {};
    const existing = target.fields[name];
    if (existing) mergeLeaf(`${path}.${name}`, existing, sub);
    else target.fields[name] = sub;
  }
}

/**
 * `update`: a put-mapping on an existing index (type changes and most parameter changes are refused).
 * `compose`: building a new index's mapping from its templates and then the create-index request, where a
 * later source's definition of a field simply replaces an earlier one (the request wins over templates).
 */
export type MergeMode = 'update' | 'compose';

function mergeObject(path: string, target: MappingNode, update: MappingNode, mode: MergeMode): void {
  for (const [key, value] of Object.entries(update)) {
    if (key === 'properties') continue;
    if (key === 'enabled' && target.enabled !== undefined && target.enabled !== value) {
      throw illegalArgument(
        `the [enabled] parameter can't be updated for the object mapping [${path || '_doc'}]`,
      );
    }
    target[key] = value;
  }
  for (const [name, child] of Object.entries(update.properties ?? {})) {
    const childPath = path ? `${path}.${name}` : name;
    target.properties ??= {};
    const existing = target.properties[name];
    if (!existing) {
      target.properties[name] = child;
    } else if (mode === 'compose' && !(isObjectNode(existing) && isObjectNode(child))) {
      target.properties[name] = child;
    } else if (isObjectNode(existing) !== isObjectNode(child)) {
      throw illegalArgument(`can't merge a non object mapping [${childPath}] with an object mapping`);
    } else if (isObjectNode(existing)) {
      mergeObject(childPath, existing, child, mode);
    } else {
      mergeLeaf(childPath, existing, child);
    }
  }
}

/** Returns `existing` with `update` merged in; in `update` mode throws on type changes and fixed parameters. */
export function mergeMappings(
  existing: RootMapping,
  update: RootMapping,
  mode: MergeMode = 'update',
): RootMapping {
  const merged = cloneMapping(existing);
  mergeObject('', merged, update, mode);
  return merged;
}
