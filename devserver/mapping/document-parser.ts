/**
 * Parses one document source against an index mapping, as OpenSearch's DocumentParser does (spec §3):
 * walks the JSON, indexes values of mapped fields, creates dynamic mappings for new ones (or refuses them
 * under `dynamic: strict`, or skips them under `dynamic: false` and `enabled: false`), and finally
 * checks the field-count and depth limits on the grown mapping. Errors carry OpenSearch's exact texts.
 */
import { OpenSearchError, illegalArgument, mapperParsing, type ErrorCause } from '../errors.js';
import {
  JsonSyntaxError,
  NumberToken,
  isJsonObject,
  javaPreview,
  lineColumn,
  parseJson,
  tokenName,
  type JsonObject,
  type JsonValue,
} from '../json.js';
import { parseDate, slashDynamicDateFormat } from './dates.js';
import {
  cloneMapping,
  countFields,
  isObjectNode,
  numericTypes,
  objectTooDeep,
  ownDynamic,
  textLikeTypes,
  type DynamicMode,
  type MappingNode,
  type RootMapping,
} from './model.js';
import {
  ImmenseTerm,
  MalformedValue,
  convertValue,
  numericKind,
  supportsIgnoreMalformed,
  type IndexedValue,
  type ScalarValue,
} from './values.js';

export interface DocumentLimits {
  totalFields: number;
  depth: number;
  /** `index.mapping.ignore_malformed`. */
  ignoreMalformed: boolean;
}

export interface ParsedDocument {
  /** The parsed source (numbers kept as tokens). */
  source: JsonObject;
  /** Indexed terms by full field path, multi-fields included (`a.keyword`). */
  fields: Map<string, IndexedValue[]>;
  /**
   * For text fields: where each value's tokens start in `fields`, so a phrase never spans two array
   * values (OpenSearch leaves a `position_increment_gap` of 100 positions between them).
   */
  textStarts: Map<string, number[]>;
  /** The grown mapping when the document added dynamic fields. */
  updatedMapping?: RootMapping;
}

const defaultDynamicDateFormats = ['strict_date_optional_time', 'yyyy/MM/dd HH:mm:ss Z||yyyy/MM/dd Z'];

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

function strictError(name: string, parentPath: string): OpenSearchError {
  return new OpenSearchError(
    400,
    'strict_dynamic_mapping_exception',
    `mapping set to strict, dynamic introduction of [${name}] within [${parentPath || '_doc'}] is not allowed`,
  );
}

/** Errors raised inside the parse loop that OpenSearch wraps as "failed to parse". */
function wrappedIllegal(reason: string): OpenSearchError {
  return mapperParsing('failed to parse', { type: 'illegal_argument_exception', reason });
}

class DocumentWalk {
  readonly fields = new Map<string, IndexedValue[]>();
  readonly textStarts = new Map<string, number[]>();
  /** New child mappings by parent object path ('' is the root), attached to a copy at the end. */
  readonly pending = new Map<string, Record<string, MappingNode>>();
  /** Types of fields this document introduced, to detect `[1, "a"]` style conflicts. */
  readonly introduced = new Map<string, string>();

  constructor(
    readonly root: RootMapping,
    readonly id: string,
    readonly sourceText: string,
    readonly offsets: WeakMap<object, number>,
    readonly limits: DocumentLimits,
  ) {}

  child(parent: MappingNode, parentPath: string, name: string): MappingNode | undefined {
    return parent.properties?.[name] ?? this.pending.get(parentPath)?.[name];
  }

  addChild(parentPath: string, name: string, node: MappingNode): void {
    const children = this.pending.get(parentPath) ?? {};
    children[name] = node;
    this.pending.set(parentPath, children);
  }

  walkObject(object: JsonObject, node: MappingNode, path: string, dynamic: DynamicMode): void {
    for (const [key, value] of Object.entries(object)) {
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
        if (isStrict(currentDynamic)) throw strictError(part, currentPath);
        if (!addsFields(currentDynamic)) return;
        next = { properties: {} };
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

  field(parent: MappingNode, parentPath: string, name: string, value: JsonValue, dynamic: DynamicMode): void {
    const path = parentPath ? `${parentPath}.${name}` : name;
    const mapped = this.child(parent, parentPath, name);
    if (Array.isArray(value)) {
      if (!mapped && isStrict(dynamic)) throw strictError(name, parentPath);
      for (const element of value) this.field(parent, parentPath, name, element, dynamic);
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
      this.checkSameDynamicType(path, mapped, value);
      this.leaf(path, mapped, value);
      return;
    }
    if (isStrict(dynamic)) throw strictError(name, parentPath);
    if (value === null || !addsFields(dynamic)) return;
    if (isJsonObject(value)) {
      const objectNode: MappingNode = { properties: {} };
      this.addChild(parentPath, name, objectNode);
      this.introduced.set(path, 'object');
      this.walkObject(value, objectNode, path, dynamic);
      return;
    }
    const inferred = this.inferMapping(value);
    this.addChild(parentPath, name, inferred);
    this.introduced.set(path, inferred.type!);
    this.leaf(path, inferred, value);
  }

  /** Two elements of a new array that infer different types cannot both be mapped (spec §3.1). */
  checkSameDynamicType(path: string, mapped: MappingNode, value: JsonValue): void {
    const introducedType = this.introduced.get(path);
    if (introducedType === undefined || value === null || isJsonObject(value) || Array.isArray(value)) return;
    const inferredType = this.inferMapping(value).type;
    if (inferredType !== mapped.type) {
      throw illegalArgument(
        `mapper [${path}] cannot be changed from type [${mapped.type}] to [${inferredType}]`,
      );
    }
  }

  /** Dynamic type for a new scalar (spec §3.1, §3.2). */
  inferMapping(value: ScalarValue): MappingNode {
    if (typeof value === 'boolean') return { type: 'boolean' };
    if (value instanceof NumberToken) return { type: value.isInteger ? 'long' : 'float' };
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
      const at = lineColumn(this.sourceText, this.offsets.get(value) ?? 0);
      const causedBy: ErrorCause = numericTypes.has(type)
        ? {
            type: 'json_parse_exception',
            reason: 'Current token (START_OBJECT) not numeric, can not use numeric value accessors',
          }
        : { type: 'illegal_state_exception', reason: `Can't get text on a START_OBJECT at ${at}` };
      throw failedToParse(path, type, this.id, value, causedBy);
    }
    const scalar = value as ScalarValue;
    try {
      const values = convertValue(path, node, scalar);
      if (textLikeTypes.has(type) && values.length > 0) {
        const starts = this.textStarts.get(path) ?? [];
        starts.push(this.fields.get(path)?.length ?? 0);
        this.textStarts.set(path, starts);
      }
      this.add(path, values);
    } catch (error) {
      if (!(error instanceof MalformedValue)) throw error;
      const ignore = node.ignore_malformed ?? this.limits.ignoreMalformed;
      if (ignore === true && supportsIgnoreMalformed(type)) return;
      throw failedToParse(path, type, this.id, value, error.causedBy);
    }
    for (const [subName, sub] of Object.entries(node.fields ?? {})) {
      this.leaf(`${path}.${subName}`, sub, value);
    }
  }

  /** flat_object: every leaf is indexed as a keyword, by value at the root and by dotted path. */
  flatObject(path: string, value: JsonValue): void {
    if (!isJsonObject(value)) {
      throw failedToParse(path, 'flat_object', this.id, value, {
        type: 'parsing_exception',
        reason: `[${path}] unexpected token [${tokenName(value)}] in flat_object field value`,
      });
    }
    const visit = (node: JsonValue, subPath: string): void => {
      if (node === null) return;
      if (Array.isArray(node)) return node.forEach((element) => visit(element, subPath));
      if (isJsonObject(node)) {
        for (const [key, child] of Object.entries(node)) visit(child, subPath ? `${subPath}.${key}` : key);
        return;
      }
      const term = node instanceof NumberToken ? node.raw : String(node);
      this.add(path, [term]);
      this.add(`${path}.${subPath}`, [term]);
    };
    visit(value, '');
  }

  add(path: string, values: IndexedValue[]): void {
    if (values.length === 0) return;
    const list = this.fields.get(path);
    if (list) list.push(...values);
    else this.fields.set(path, [...values]);
  }

  /** The mapping with this document's new fields attached, after the limit checks (spec §3.5). */
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
  for (const part of path.split('.')) node = node.properties![part]!;
  return node;
}

function isStrict(dynamic: DynamicMode): boolean {
  return dynamic === 'strict' || dynamic === 'strict_allow_templates';
}

function addsFields(dynamic: DynamicMode): boolean {
  return dynamic === 'true';
}

/** OpenSearch only tries date formats on strings with 2+ of ':', '-' or '/' ("1" would parse too). */
function looksLikeDate(text: string): boolean {
  const count = (ch: string): number => text.split(ch).length - 1;
  return count(':') > 1 || count('-') > 1 || count('/') > 1;
}

/** Parses `sourceText` (one bulk source line or a document body) against `mapping`. */
export function parseDocument(
  sourceText: string,
  id: string,
  mapping: RootMapping,
  limits: DocumentLimits,
): ParsedDocument {
  if (sourceText.trim() === '') throw mapperParsing('failed to parse, document is empty');
  let parsed;
  try {
    parsed = parseJson(sourceText);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    throw mapperParsing('failed to parse', { type: 'json_parse_exception', reason: error.message });
  }
  if (!isJsonObject(parsed.value)) throw mapperParsing('Malformed content, must start with an object');
  const walk = new DocumentWalk(mapping, id, sourceText, parsed.offsets, limits);
  if (mapping.enabled !== false) {
    try {
      walk.walkObject(parsed.value, mapping, '', ownDynamic(mapping) ?? 'true');
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
  return {
    source: parsed.value,
    fields: walk.fields,
    textStarts: walk.textStarts,
    updatedMapping: walk.grownMapping(),
  };
}
