/**
 * `dynamic_templates` (OPENSEARCH.md §3.3): the first template whose conditions accept a new field
 * gives its mapping, with `{name}` and `{dynamic_type}` filled in. They apply under `dynamic: true`,
 * and are the only way in under `strict_allow_templates` and `false_allow_templates`.
 */
import { illegalArgument, mapperParsing } from '../errors.js';
import { globMatch } from '../index-names.js';
import type { DynamicTemplateSpec, MappingNode, RootMapping } from './model.js';

/** The JSON kinds templates match on (`match_mapping_type`). */
export type ValueKind = 'object' | 'string' | 'long' | 'double' | 'boolean' | 'date' | 'binary';

const valueKinds = new Set<string>(['object', 'string', 'long', 'double', 'boolean', 'date', 'binary', '*']);

/** The type a field of this kind gets without a template (what `{dynamic_type}` stands for). */
const defaultTypes: Record<ValueKind, string> = {
  object: 'object',
  string: 'text',
  long: 'long',
  double: 'float',
  boolean: 'boolean',
  date: 'date',
  binary: 'binary',
};

const templateKeys = new Set([
  'match',
  'unmatch',
  'path_match',
  'path_unmatch',
  'match_mapping_type',
  'match_pattern',
  'mapping',
]);

/** Checks the `dynamic_templates` of a mapping body as OpenSearch's parser does. */
export function validateDynamicTemplates(value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    throw mapperParsing('Dynamic template syntax error. An array of named objects is expected.');
  }
  for (const entry of value) {
    const names = typeof entry === 'object' && entry !== null ? Object.keys(entry) : [];
    if (names.length !== 1) {
      throw mapperParsing('Dynamic template syntax error. An array of named objects is expected.');
    }
    const name = names[0]!;
    const spec = (entry as Record<string, unknown>)[name] as Record<string, unknown>;
    for (const key of Object.keys(spec ?? {})) {
      if (!templateKeys.has(key)) throw illegalArgument(`Illegal dynamic template parameter: [${key}]`);
    }
    if (typeof spec?.mapping !== 'object' || spec.mapping === null) {
      throw illegalArgument(`template [${name}] must have either mapping or runtime set`);
    }
    const kind = spec.match_mapping_type;
    if (kind !== undefined && !valueKinds.has(String(kind))) {
      throw mapperParsing(
        `No field type matched on [${String(kind)}], possible values are [object, string, long, double, boolean, date, binary]`,
      );
    }
    const pattern = spec.match_pattern;
    if (pattern !== undefined && pattern !== 'simple' && pattern !== 'regex') {
      throw illegalArgument(`Unknown match type [${String(pattern)}], expected [simple] or [regex]`);
    }
  }
}

function matches(pattern: string | undefined, text: string, regex: boolean): boolean | undefined {
  if (pattern === undefined) return undefined;
  return regex ? new RegExp(`^(?:${pattern})$`).test(text) : globMatch(pattern, text);
}

function accepts(spec: DynamicTemplateSpec, name: string, path: string, kind: ValueKind): boolean {
  const regex = spec.match_pattern === 'regex';
  if (matches(spec.match, name, regex) === false) return false;
  if (matches(spec.unmatch, name, regex) === true) return false;
  if (matches(spec.path_match, path, regex) === false) return false;
  if (matches(spec.path_unmatch, path, regex) === true) return false;
  const wanted = spec.match_mapping_type;
  return wanted === undefined || wanted === '*' || wanted === kind;
}

function fill(value: unknown, name: string, dynamicType: string): unknown {
  if (typeof value === 'string')
    return value.replace(/\{name\}/g, name).replace(/\{dynamic_type\}/g, dynamicType);
  if (Array.isArray(value)) return value.map((item) => fill(item, name, dynamicType));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[fill(key, name, dynamicType) as string] = fill(item, name, dynamicType);
    return out;
  }
  return value;
}

/** The mapping a template gives the new field `name` at `path`, or undefined when none applies. */
export function templateMapping(
  root: RootMapping,
  name: string,
  path: string,
  kind: ValueKind,
): MappingNode | undefined {
  for (const entry of root.dynamic_templates ?? []) {
    const spec = Object.values(entry)[0]!;
    if (!accepts(spec, name, path, kind)) continue;
    const mapping = fill(spec.mapping, name, defaultTypes[kind]) as MappingNode;
    if (mapping.type === undefined && kind !== 'object') mapping.type = defaultTypes[kind];
    return mapping;
  }
  return undefined;
}
