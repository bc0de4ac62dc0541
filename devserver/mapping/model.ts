/**
 * The mapping tree, kept in the same JSON shape `GET /{index}/_mapping` returns, plus the questions the
 * rest of the server asks about it: is this node an object, which `dynamic` applies, how many fields
 * count against the limit, how deep are the objects, which leaf does a dotted path name.
 */

export type DynamicMode = 'true' | 'false' | 'strict' | 'strict_allow_templates' | 'false_allow_templates';

export interface MappingNode {
  type?: string;
  properties?: Record<string, MappingNode>;
  fields?: Record<string, MappingNode>;
  dynamic?: string | boolean;
  enabled?: boolean;
  [param: string]: unknown;
}

export interface RootMapping extends MappingNode {
  date_detection?: boolean;
  numeric_detection?: boolean;
  dynamic_date_formats?: string[];
  _meta?: unknown;
}

export const numericTypes = new Set([
  'long',
  'integer',
  'short',
  'byte',
  'double',
  'float',
  'half_float',
  'scaled_float',
  'unsigned_long',
]);
export const keywordLikeTypes = new Set(['keyword', 'wildcard', 'constant_keyword']);
export const textLikeTypes = new Set(['text', 'match_only_text']);

export function isObjectNode(node: MappingNode): boolean {
  return node.type === undefined || node.type === 'object' || node.type === 'nested';
}

/** The dynamic mode set on this node, if any (OpenSearch accepts booleans and strings). */
export function ownDynamic(node: MappingNode): DynamicMode | undefined {
  return node.dynamic === undefined ? undefined : (String(node.dynamic) as DynamicMode);
}

/** Object mappers plus field mappers including multi-fields; the root does not count (spec §3.5). */
export function countFields(node: MappingNode): number {
  let count = 0;
  for (const child of Object.values(node.properties ?? {})) {
    count += 1 + countFields(child);
  }
  for (const sub of Object.values(node.fields ?? {})) count += 1 + countFields(sub);
  if (node.type === 'flat_object') count += 2; // its `._value` and `._valueAndPath` sub-mappers
  return count;
}

/** The first object path whose depth (dots + 2) exceeds the limit, or undefined. */
export function objectTooDeep(root: MappingNode, limit: number): string | undefined {
  const walk = (node: MappingNode, path: string): string | undefined => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      if (!isObjectNode(child)) continue;
      const childPath = path ? `${path}.${name}` : name;
      if (childPath.split('.').length + 1 > limit) return childPath;
      const deeper = walk(child, childPath);
      if (deeper) return deeper;
    }
    return undefined;
  };
  return walk(root, '');
}

export interface LeafField {
  path: string;
  type: string;
  node: MappingNode;
}

/** Every searchable leaf by full path, multi-fields included (`a.keyword`), and every object path. */
export interface FieldIndex {
  leaves: Map<string, LeafField>;
  objects: Set<string>;
}

export function buildFieldIndex(root: MappingNode): FieldIndex {
  const leaves = new Map<string, LeafField>();
  const objects = new Set<string>();
  const addLeaf = (path: string, node: MappingNode): void => {
    leaves.set(path, { path, type: node.type!, node });
    for (const [name, sub] of Object.entries(node.fields ?? {})) addLeaf(`${path}.${name}`, sub);
  };
  const walk = (node: MappingNode, prefix: string): void => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const path = prefix + name;
      if (isObjectNode(child)) {
        objects.add(path);
        if (child.enabled !== false) walk(child, path + '.');
      } else {
        addLeaf(path, child);
      }
    }
  };
  walk(root, '');
  return { leaves, objects };
}

export function cloneMapping<T extends MappingNode>(node: T): T {
  return structuredClone(node);
}
