/**
 * Bulk NDJSON framing (OPENSEARCH.md §2.1): splits the body into operations and applies every whole-request
 * rule (trailing newline, action-line shape, metadata keys, update bodies, validation) before any item
 * runs. Index/create sources are sliced, not parsed: their errors belong to the item alone.
 */
import { isUtf8 } from 'node:buffer';
import { OpenSearchError, illegalArgument, jsonParseError, parseException } from '../errors.js';
import type { FlavorTraits } from '../flavor.js';
import { parseDocumentJson } from '../json-fast.js';
import { JsonSyntaxError, isJsonObject, parseJson, toPlain, tokenName, type JsonObject } from '../json.js';
import { rejectUnknownKeys, type JsonBody } from '../body.js';

export type BulkAction = 'index' | 'create' | 'update' | 'delete';

export interface UpdateBody {
  doc?: JsonObject;
  upsert?: JsonObject;
  docAsUpsert: boolean;
  detectNoop: boolean;
  hasScript: boolean;
}

/** A source line: its bytes in the request body, not parsed yet (its errors belong to its item). */
export interface SourceSlice {
  body: Buffer;
  start: number;
  end: number;
  /** The bytes are not valid UTF-8 (only checked when the body as a whole is not). */
  invalidUtf8?: boolean;
}

export interface BulkOperation {
  action: BulkAction;
  index?: string;
  id?: string;
  meta: Record<string, unknown>;
  /** Source line of index and create. */
  source?: SourceSlice;
  update?: UpdateBody;
}

const metadataKeys = new Set([
  '_index',
  '_id',
  '_type',
  'routing',
  '_routing',
  'op_type',
  'version',
  'version_type',
  'if_seq_no',
  'if_primary_term',
  'retry_on_conflict',
  '_retry_on_conflict',
  'pipeline',
  '_source',
  'require_alias',
  '_require_alias',
]);
const knownActions = new Set(['index', 'create', 'update', 'delete']);

function malformed(line: number, expected: string, found: string): OpenSearchError {
  return illegalArgument(
    `Malformed action/metadata line [${line}], expected ${expected} but found [${found}]`,
  );
}

/**
 * The action line clients send most (`{"create":{"_index":"cloudtrail-2024-01-13","_id":"<uuid>"}}`),
 * with characters that need no JSON escaping: read without JSON.parse. Anything else, parsed.
 */
const plainAction = /^\{"(create|index)":\{"_index":"([a-z0-9._+-]+)","_id":"([\w.:@+-]+)"\}\}$/;

function parseActionLine(text: string): unknown {
  try {
    const json = parseDocumentJson(text);
    return json.exact ? toPlain(json.value) : json.value;
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw jsonParseError(error.message);
    throw error;
  }
}

function isBlank(body: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const byte = body[i]!;
    if (byte !== 32 && byte !== 9 && byte !== 13) return false;
  }
  return true;
}

/** The non-blank lines of a body (a `\r` before `\n` dropped), as byte ranges. */
class LineReader {
  private cursor = 0;
  lineNumber = 0;
  readonly validUtf8: boolean;

  constructor(private readonly body: Buffer) {
    this.validUtf8 = isUtf8(body);
  }

  next(): SourceSlice | undefined {
    const body = this.body;
    while (this.cursor < body.length) {
      const newline = body.indexOf(10, this.cursor);
      const start = this.cursor;
      let end = newline < 0 ? body.length : newline;
      this.cursor = newline < 0 ? body.length : newline + 1;
      if (end > start && body[end - 1] === 13) end--;
      if (newline < 0 && !isBlank(body, start, end)) {
        throw illegalArgument('The bulk request must be terminated by a newline [\\n]');
      }
      if (isBlank(body, start, end)) continue;
      this.lineNumber++;
      const slice: SourceSlice = { body, start, end };
      if (!this.validUtf8 && !isUtf8(body.subarray(start, end))) slice.invalidUtf8 = true;
      return slice;
    }
    return undefined;
  }
}

function lineText(slice: SourceSlice): string {
  return slice.body.toString('utf8', slice.start, slice.end);
}

function parseUpdateBody(text: string): UpdateBody {
  let parsed;
  try {
    parsed = parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw jsonParseError(error.message);
    throw error;
  }
  if (!isJsonObject(parsed.value)) throw parseException('Failed to derive xcontent');
  const body: JsonBody = { text, parsed, plain: toPlain(parsed.value) as Record<string, unknown> };
  rejectUnknownKeys(body, [], 'UpdateRequest', [
    'doc',
    'upsert',
    'doc_as_upsert',
    'detect_noop',
    'script',
    'scripted_upsert',
    '_source',
    'if_seq_no',
    'if_primary_term',
  ]);
  const value = parsed.value;
  const asObject = (v: unknown): JsonObject | undefined => (isJsonObject(v) ? v : undefined);
  return {
    doc: asObject(value.doc),
    upsert: asObject(value.upsert),
    docAsUpsert: value.doc_as_upsert === true,
    detectNoop: value.detect_noop !== false,
    hasScript: value.script !== undefined,
  };
}

function plainOperation(action: BulkAction, index: string, id: string): BulkOperation {
  return { action, index, id, meta: { _index: index, _id: id } };
}

/** The operation an action line asks for, or undefined for an unknown action the flavour skips. */
function parsedOperation(
  actionLine: unknown,
  line: number,
  pathIndex: string | undefined,
  traits: FlavorTraits,
): BulkOperation | undefined {
  if (typeof actionLine !== 'object' || actionLine === null || Array.isArray(actionLine)) {
    throw malformed(line, 'START_OBJECT', tokenName(actionLine));
  }
  const entries = Object.entries(actionLine as Record<string, unknown>);
  if (entries.length === 0) throw malformed(line, 'FIELD_NAME', 'END_OBJECT');
  const [action, metaValue] = entries[0]!;
  if (!knownActions.has(action)) {
    if (traits.unknownBulkAction) throw illegalArgument(traits.unknownBulkAction(line, action));
    return undefined;
  }
  if (typeof metaValue !== 'object' || metaValue === null || Array.isArray(metaValue)) {
    throw malformed(line, 'START_OBJECT', tokenName(metaValue));
  }
  if (entries.length > 1) throw malformed(line, 'END_OBJECT', 'FIELD_NAME');
  const meta = metaValue as Record<string, unknown>;
  for (const [key, value] of Object.entries(meta)) {
    if (!metadataKeys.has(key)) {
      throw illegalArgument(`Action/metadata line [${line}] contains an unknown parameter [${key}]`);
    }
    if (Array.isArray(value) && key !== '_source') {
      throw malformed(line, `a simple value for field [${key}]`, 'START_ARRAY');
    }
  }
  if (action === 'update' && (meta.version !== undefined || meta.version_type !== undefined)) {
    throw illegalArgument(
      'Update requests do not support versioning. Please use if_seq_no and if_primary_term instead',
    );
  }
  let bulkAction = action as BulkAction;
  if (bulkAction === 'index' && meta.op_type === 'create') bulkAction = 'create';
  return {
    action: bulkAction,
    index: meta._index === undefined ? pathIndex : String(meta._index),
    id: meta._id === undefined || meta._id === null ? undefined : String(meta._id),
    meta,
  };
}

/** Splits a bulk body into operations or throws the whole-request error OpenSearch gives. */
export function parseBulkBody(
  body: Buffer,
  pathIndex: string | undefined,
  traits: FlavorTraits,
): BulkOperation[] {
  if (body.length === 0) throw parseException('request body is required');
  const lines = new LineReader(body);
  const operations: BulkOperation[] = [];
  for (let actionSlice = lines.next(); actionSlice !== undefined; actionSlice = lines.next()) {
    const line = lines.lineNumber;
    if (actionSlice.invalidUtf8) throw jsonParseError('Invalid UTF-8 middle byte');
    const text = lineText(actionSlice);
    // The line clients send most: its operation is built straight from the match, with nothing to check.
    const plain = plainAction.exec(text);
    const operation = plain
      ? plainOperation(plain[1] as BulkAction, plain[2]!, plain[3]!)
      : parsedOperation(parseActionLine(text), line, pathIndex, traits);
    if (operation === undefined) {
      lines.next(); // early parsers skipped the item and its source line (code-read)
      continue;
    }
    const bulkAction = operation.action;
    if (bulkAction !== 'delete') {
      const source = lines.next();
      if (source === undefined) break; // an action without its source line is dropped (code-read)
      if (bulkAction === 'update') operation.update = parseUpdateBody(lineText(source));
      else operation.source = source;
    }
    operations.push(operation);
  }
  validateOperations(operations);
  return operations;
}

/** BulkRequest.validate: numbered messages for every problem found, before anything runs. */
export function validateOperations(operations: BulkOperation[]): void {
  if (operations.length === 0) {
    throw new OpenSearchError(
      400,
      'action_request_validation_exception',
      'Validation Failed: 1: no requests added;',
    );
  }
  const problems: string[] = [];
  for (const op of operations) {
    if (op.index === undefined || op.index === '') problems.push('index is missing');
    const writesSource = op.action === 'index' || op.action === 'create';
    if (!writesSource && (op.id === undefined || op.id === '')) problems.push('id is missing');
    if (op.update && !op.update.doc && !op.update.hasScript) problems.push('script or doc is missing');
    // IndexRequest.validate: the id length is checked for index and create only.
    if (writesSource && op.id !== undefined && Buffer.byteLength(op.id) > 512) {
      problems.push(
        `id [${op.id}] is too long, must be no longer than 512 bytes but was: ${Buffer.byteLength(op.id)}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new OpenSearchError(
      400,
      'action_request_validation_exception',
      `Validation Failed: ${problems.map((p, i) => `${i + 1}: ${p};`).join('')}`,
    );
  }
}
