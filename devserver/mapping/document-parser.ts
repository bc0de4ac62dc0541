/**
 * Parses one document source against an index mapping, as OpenSearch's DocumentParser does
 * (OPENSEARCH.md §3): walks the JSON, gathers the values of mapped fields, creates dynamic mappings
 * for new ones (from `dynamic_templates` first), refuses them under `strict`, skips them under
 * `false` and `enabled: false`, enforces the document depth limit while walking, and finally checks
 * the field-count and mapping-depth limits on the grown mapping. Errors carry OpenSearch's texts.
 */
import { OpenSearchError, illegalArgument, mapperParsing, type ErrorCause } from '../errors.js';
import { parseDocumentJson, type DocumentJson } from '../json-fast.js';
import {
  JsonSyntaxError,
  isIntegerNumber,
  isJsonNumber,
  isJsonObject,
  javaPreview,
  lineColumn,
  numberText,
  ownValue,
  parseJson,
  tokenName,
  type JsonObject,
  type JsonValue,
} from '../json.js';
import { parseDate, slashDynamicDateFormat } from './dates.js';
import { templateMapping, type ValueKind } from './dynamic-templates.js';
import {
  childMapping,
  cloneMapping,
  countFields,
  isObjectNode,
  numericTypes,
  objectTooDeep,
  ownDynamic,
  type DynamicMode,
  type MappingNode,
  type RootMapping,
} from './model.js';
import type { LeafPlans } from './leaf-plans.js';
import type { PendingValues } from './pending-values.js';
import {
  ImmenseTerm,
  MalformedValue,
  convertValue,
  numericKind,
  supportsIgnoreMalformed,
  type ScalarValue,
} from './values.js';

export interface DocumentLimits {
  totalFields: number;
  depth: number;
  /** `index.mapping.ignore_malformed`. */
  ignoreMalformed: boolean;
  /** Whether the engine checks the depth while parsing (2.7+); older ones only limit the mapping. */
  documentDepthCheck: boolean;
}

export interface ParsedDocument {
  /** The grown mapping when the document added dynamic fields. */
  updatedMapping?: RootMapping;
}

const defaultDynamicDateFormats = ['strict_date_optional_time', 'yyyy/MM/dd HH:mm:ss Z||yyyy/MM/dd Z'];
const depthSetting = 'index.mapping.depth.limit';

/** An error message needs token offsets, which only the exact parser records. */
class NeedsExactParse extends Error {}

function failedToParse(
  path: string,
  type: string,
  id: string,
  value: JsonValue,
  causedBy: ErrorCause,
): OpenSearchError {
  return mapperParsing(
    `failed to parse field [${path}] of type [${type}] in document with id '${id}'. Preview of field's value: '${javaPreview(value)}'`,
    causedBy,
  );
}

function strictError(mode: DynamicMode, name: string, parentPath: string): OpenSearchError {
  return new OpenSearchError(
    400,
    'strict_dynamic_mapping_exception',
    `mapping set to ${mode}, dynamic introduction of [${name}] within [${parentPath || '_doc'}] is not allowed`,
  );
}

/** Errors raised inside the parse loop that OpenSearch wraps as "failed to parse". */
function wrappedIllegal(reason: string): OpenSearchError {
  return mapperParsing('failed to parse', { type: 'illegal_argument_exception', reason });
}

function depthError(what: string, limit: number): OpenSearchError {
  return mapperParsing('failed to parse', {
    type: 'parse_exception',
    reason: `The depth of the ${what} has exceeded the allowed limit of [${limit}]. This limit can be set by changing the [${depthSetting}] index level setting.`,
  });
}

/** OpenSearch only tries date formats on strings with 2+ of ':', '-' or '/' ("1" would parse too). */
function looksLikeDate(text: string): boolean {
  const count = (ch: string): number => text.split(ch).length - 1;
  return count(':') > 1 || count('-') > 1 || count('/') > 1;
}

class DocumentWalk {
  /** New child mappings by parent object path ('' is the root), attached to a copy at the end. */
  readonly pending = new Map<string, Record<string, MappingNode>>();
  /** Types of fields this document introduced, to detect `[1, "a"]` style conflicts. */
  readonly introduced = new Map<string, string>();
  private objectDepth = 0;
  private arrayDepth = 0;

  constructor(
    readonly root: RootMapping,
    readonly id: string,
    readonly sourceText: string,
    readonly json: DocumentJson,
    readonly limits: DocumentLimits,
    readonly out: PendingValues,
    readonly plans: LeafPlans,
  ) {}

  child(parent: MappingNode, parentPath: string, name: string): MappingNode | undefined {
    const mapped = childMapping(parent, name);
    if (mapped !== undefined || this.pending.size === 0) return mapped;
    return ownValue(this.pending.get(parentPath), name);
  }

  addChild(parentPath: string, name: string, node: MappingNode): void {
    const children = this.pending.get(parentPath) ?? {};
    children[name] = node;
    this.pending.set(parentPath, children);
  }

  walkObject(object: JsonObject, node: MappingNode, path: string, dynamic: DynamicMode): void {
    if (++this.objectDepth > this.limits.depth && this.limits.documentDepthCheck) {
      throw depthError('field', this.limits.depth);
    }
    for (const key in object) {
      const value = object[key]!;
      if (key === '') throw wrappedIllegal('field name cannot be an empty string');
      if (!key.includes('.')) {
        this.field(node, path, key, value, dynamic);
        continue;
      }
      const parts = key.split('.');
      if (parts.some((part) => part === '')) {
        throw wrappedIllegal(
          `object field starting or ending with a [.] makes object resolution ambiguous: [${key}]`,
        );
      }
      this.dottedField(node, path, parts, value, dynamic, key);
    }
    this.objectDepth--;
  }

  /** `"a.b.c": v` behaves as `{"a":{"b":{"c":v}}}`. */
  dottedField(
    node: MappingNode,
    path: string,
    parts: string[],
    value: JsonValue,
    dynamic: DynamicMode,
    key: string,
  ): void {
    let current = node;
    let currentPath = path;
    let currentDynamic = dynamic;
    for (const part of parts.slice(0, -1)) {
      const childPath = currentPath ? `${currentPath}.${part}` : part;
      let next = this.child(current, currentPath, part);
      if (next && !isObjectNode(next)) {
        const full = currentPath ? `${currentPath}.${key}` : key;
        throw mapperParsing(
          `Could not dynamically add mapping for field [${full}]. Existing mapping for [${childPath}] must be of type object but found [${next.type}].`,
        );
      }
      if (!next) {
        next = this.newMapping(currentDynamic, part, currentPath, 'object');
        if (!next) return;
        this.addChild(currentPath, part, next);
        this.introduced.set(childPath, 'object');
      }
      if (next.enabled === false) return;
      currentDynamic = ownDynamic(next) ?? currentDynamic;
      current = next;
      currentPath = childPath;
    }
    this.field(current, currentPath, parts[parts.length - 1]!, value, currentDynamic);
  }

  /**
   * The mapping a new field gets under `dynamic`, or undefined when it is not added (`false`, or no
   * template under `false_allow_templates`). Throws under `strict` (and `strict_allow_templates`
   * without a template).
   */
  newMapping(dynamic: DynamicMode, name: string, parentPath: string, kind: ValueKind, value?: ScalarValue) {
    if (dynamic === 'strict') throw strictError(dynamic, name, parentPath);
    if (dynamic === 'false') return undefined;
    const path = parentPath ? `${parentPath}.${name}` : name;
    const fromTemplate = templateMapping(this.root, name, path, kind);
    if (fromTemplate) return fromTemplate;
    if (dynamic === 'strict_allow_templates') throw strictError(dynamic, name, parentPath);
    if (dynamic === 'false_allow_templates') return undefined;
    return kind === 'object' ? { properties: {} } : this.inferMapping(value!);
  }

  field(parent: MappingNode, parentPath: string, name: string, value: JsonValue, dynamic: DynamicMode): void {
    const path = parentPath ? `${parentPath}.${name}` : name;
    const mapped = this.child(parent, parentPath, name);
    if (Array.isArray(value)) {
      if (!mapped && dynamic === 'strict') throw strictError(dynamic, name, parentPath);
      if (++this.arrayDepth > this.limits.depth && this.limits.documentDepthCheck) {
        throw depthError('nested array field', this.limits.depth);
      }
      for (const element of value) this.field(parent, parentPath, name, element, dynamic);
      this.arrayDepth--;
      return;
    }
    if (mapped && isObjectNode(mapped)) {
      if (mapped.enabled === false || value === null) return;
      if (!isJsonObject(value)) {
        throw mapperParsing(
          `object mapping for [${path}] tried to parse field [${name}] as object, but found a concrete value`,
        );
      }
      this.walkObject(value, mapped, path, ownDynamic(mapped) ?? dynamic);
      return;
    }
    if (mapped) {
      if (this.introduced.size > 0) this.checkSameDynamicType(path, mapped, value);
      this.leaf(path, mapped, value);
      return;
    }
    if (value === null) {
      if (dynamic === 'strict') throw strictError(dynamic, name, parentPath);
      return;
    }
    if (isJsonObject(value)) {
      const objectNode = this.newMapping(dynamic, name, parentPath, 'object');
      if (!objectNode) return;
      this.addChild(parentPath, name, objectNode);
      this.introduced.set(path, isObjectNode(objectNode) ? 'object' : objectNode.type!);
      if (isObjectNode(objectNode))
        this.walkObject(value, objectNode, path, ownDynamic(objectNode) ?? dynamic);
      else this.leaf(path, objectNode, value);
      return;
    }
    const scalar = value as ScalarValue;
    const inferred = this.newMapping(dynamic, name, parentPath, this.valueKind(scalar), scalar);
    if (!inferred) return;
    this.addChild(parentPath, name, inferred);
    this.introduced.set(path, inferred.type!);
    this.leaf(path, inferred, value);
  }

  /** Two elements of a new array that infer different types cannot both be mapped (§3.1). */
  checkSameDynamicType(path: string, mapped: MappingNode, value: JsonValue): void {
    const introducedType = this.introduced.get(path);
    if (introducedType === undefined || value === null || isJsonObject(value) || Array.isArray(value)) return;
    const name = path.slice(path.lastIndexOf('.') + 1);
    const scalar = value as ScalarValue;
    const inferredType =
      templateMapping(this.root, name, path, this.valueKind(scalar))?.type ?? this.inferMapping(scalar).type;
    if (inferredType !== mapped.type) {
      throw illegalArgument(
        `mapper [${path}] cannot be changed from type [${mapped.type}] to [${inferredType}]`,
      );
    }
  }

  /** The kind `dynamic_templates` see for a new scalar. */
  valueKind(value: ScalarValue): ValueKind {
    if (typeof value === 'boolean') return 'boolean';
    if (isJsonNumber(value)) return isIntegerNumber(value) ? 'long' : 'double';
    const inferred = this.inferMapping(value).type;
    if (inferred === 'date') return 'date';
    if (inferred === 'long') return 'long';
    if (inferred === 'float') return 'double';
    return 'string';
  }

  /** Dynamic type for a new scalar (§3.1, §3.2). */
  inferMapping(value: ScalarValue): MappingNode {
    if (typeof value === 'boolean') return { type: 'boolean' };
    if (isJsonNumber(value)) return { type: isIntegerNumber(value) ? 'long' : 'float' };
    if (this.root.numeric_detection === true) {
      const kind = numericKind(value);
      if (kind) return { type: kind };
    }
    if (this.root.date_detection !== false && looksLikeDate(value)) {
      const formats = this.root.dynamic_date_formats ?? defaultDynamicDateFormats;
      for (const format of formats) {
        if (parseDate(value, format) === undefined) continue;
        if (format === 'strict_date_optional_time') return { type: 'date' };
        if (format === defaultDynamicDateFormats[1]) return { type: 'date', format: slashDynamicDateFormat };
        return { type: 'date', format };
      }
    }
    return { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
  }

  leaf(path: string, node: MappingNode, value: JsonValue): void {
    if (value === null) {
      if (node.null_value !== undefined && node.null_value !== null) {
        this.leaf(path, node, node.null_value as ScalarValue);
      }
      return;
    }
    const type = node.type!;
    if (type === 'flat_object') {
      this.flatObject(path, value);
      return;
    }
    if (isJsonObject(value)) {
      const causedBy: ErrorCause = numericTypes.has(type)
        ? {
            type: 'json_parse_exception',
            reason: 'Current token (START_OBJECT) not numeric, can not use numeric value accessors',
          }
        : {
            type: 'illegal_state_exception',
            reason: `Can't get text on a START_OBJECT at ${this.location(value)}`,
          };
      throw failedToParse(path, type, this.id, value, causedBy);
    }
    const scalar = value as ScalarValue;
    const plan = this.plans.of(node);
    try {
      const converted = convertValue(path, node, scalar);
      if (converted !== undefined) {
        const column = this.plans.column(plan, path);
        if (!Array.isArray(converted)) this.out.add(column, converted, true);
        else for (let i = 0; i < converted.length; i++) this.out.add(column, converted[i]!, i === 0);
      }
    } catch (error) {
      if (!(error instanceof MalformedValue)) throw error;
      const ignore = node.ignore_malformed ?? this.limits.ignoreMalformed;
      if (ignore !== true || !supportsIgnoreMalformed(type)) {
        throw failedToParse(path, type, this.id, value, error.causedBy);
      }
      this.out.ignored.push(path);
    }
    for (const [subName, sub] of plan.subFields) this.leaf(`${path}.${subName}`, sub, value);
  }

  /** `line:column` of an object, which only the exact parser knows. */
  location(value: object): string {
    const offset = this.json.exact?.offsets.get(value);
    if (offset === undefined) throw new NeedsExactParse();
    return lineColumn(this.sourceText, offset);
  }

  /**
   * flat_object (OPENSEARCH.md §4): every leaf is indexed as a keyword by value under the field, and
   * as `sub.path=value` under `<field>._valueAndPath`, so queries on dotted sub-paths find it.
   */
  flatObject(path: string, value: JsonValue): void {
    if (!isJsonObject(value)) {
      throw failedToParse(path, 'flat_object', this.id, value, {
        type: 'parsing_exception',
        reason: `[${path}] unexpected token [${tokenName(value)}] in flat_object field value`,
      });
    }
    const pending: [JsonValue, string][] = [[value, '']];
    while (pending.length > 0) {
      const [node, subPath] = pending.pop()!;
      if (node === null) continue;
      if (Array.isArray(node)) {
        for (let i = node.length - 1; i >= 0; i--) pending.push([node[i]!, subPath]);
      } else if (isJsonObject(node)) {
        const entries = Object.entries(node);
        for (let i = entries.length - 1; i >= 0; i--) {
          const [key, child] = entries[i]!;
          pending.push([child, subPath ? `${subPath}.${key}` : key]);
        }
      } else {
        const term = isJsonNumber(node) ? numberText(node) : String(node);
        this.out.add(this.plans.columnFor(path, 'terms'), term);
        this.out.add(this.plans.columnFor(`${path}._valueAndPath`, 'terms'), `${subPath}=${term}`);
      }
    }
  }

  /** The mapping with this document's new fields attached, after the limit checks (§3.5). */
  grownMapping(): RootMapping | undefined {
    if (this.pending.size === 0) return undefined;
    const grown = cloneMapping(this.root);
    // Parents before children: a pending object may itself hold pending children.
    const parentPaths = [...this.pending.keys()].sort((a, b) => a.split('.').length - b.split('.').length);
    for (const parentPath of parentPaths) {
      const parent = parentPath === '' ? grown : nodeAt(grown, parentPath);
      parent.properties ??= {};
      Object.assign(
        parent.properties,
        cloneMapping({ properties: this.pending.get(parentPath)! }).properties,
      );
    }
    if (countFields(grown) > this.limits.totalFields) {
      throw illegalArgument(`Limit of total fields [${this.limits.totalFields}] has been exceeded`);
    }
    const deep = objectTooDeep(grown, this.limits.depth);
    if (deep) {
      throw illegalArgument(
        `Limit of mapping depth [${this.limits.depth}] has been exceeded due to object field [${deep}]`,
      );
    }
    return grown;
  }
}

function nodeAt(root: MappingNode, path: string): MappingNode {
  let node = root;
  for (const part of path.split('.')) node = childMapping(node, part)!;
  return node;
}

/** Parses a source, quickly when it can (json-fast.ts); a syntax error fails the document. */
function parseSource(sourceText: string, exact: boolean): DocumentJson {
  try {
    if (!exact) return parseDocumentJson(sourceText);
    const parsed = parseJson(sourceText);
    return { value: parsed.value, exact: parsed };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    throw mapperParsing('failed to parse', { type: 'json_parse_exception', reason: error.message });
  }
}

/** Parses `sourceText` (one bulk source line or a document body) against `mapping` into `out`. */
export interface ParseTarget {
  mapping: RootMapping;
  limits: DocumentLimits;
  plans: LeafPlans;
}

export function parseDocument(
  sourceText: string,
  id: string,
  target: ParseTarget,
  out: PendingValues,
): ParsedDocument {
  if (sourceText.trim() === '') throw mapperParsing('failed to parse, document is empty');
  const json = parseSource(sourceText, false);
  if (!isJsonObject(json.value)) throw mapperParsing('Malformed content, must start with an object');
  try {
    return walkDocument(sourceText, id, target, out, json);
  } catch (error) {
    if (!(error instanceof NeedsExactParse)) throw error;
    out.reset();
    return walkDocument(sourceText, id, target, out, parseSource(sourceText, true));
  }
}

function walkDocument(
  sourceText: string,
  id: string,
  { mapping, limits, plans }: ParseTarget,
  out: PendingValues,
  json: DocumentJson,
): ParsedDocument {
  const walk = new DocumentWalk(mapping, id, sourceText, json, limits, out, plans);
  if (mapping.enabled !== false) {
    try {
      walk.walkObject(json.value as JsonObject, mapping, '', ownDynamic(mapping) ?? 'true');
    } catch (error) {
      if (error instanceof ImmenseTerm) {
        throw illegalArgument(error.message, {
          type: 'max_bytes_length_exceeded_exception',
          reason: `bytes can be at most 32766 in length; got ${error.bytes.length}`,
        });
      }
      throw error;
    }
  }
  return { updatedMapping: walk.grownMapping() };
}
