/**
 * Bulk NDJSON framing (spec §2.1): splits the body into operations and applies every whole-request
 * rule (trailing newline, action-line shape, metadata keys, update bodies, validation) before any item
 * runs. Index/create sources are sliced, not parsed: their errors belong to the item alone.
 */
import { OpenSearchError, illegalArgument, jsonParseError, parseException } from '../errors.js';
import type { FlavorTraits } from '../flavor.js';
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

export interface BulkOperation {
  action: BulkAction;
  index?: string;
  id?: string;
  meta: Record<string, unknown>;
  /** Raw source line for index and create. */
  source?: string;
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

function parseActionLine(text: string): unknown {
  try {
    return toPlain(parseJson(text).value);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw jsonParseError(error.message);
    throw error;
  }
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

/** Splits a bulk body into operations or throws the whole-request error OpenSearch gives. */
export function parseBulkBody(
  body: string,
  pathIndex: string | undefined,
  traits: FlavorTraits,
): BulkOperation[] {
  if (body === '') throw parseException('request body is required');
  const lines = body.split('\n');
  const terminated = lines[lines.length - 1] === '';
  if (terminated) lines.pop();
  const operations: BulkOperation[] = [];
  let lineNumber = 0;
  let cursor = 0;
  const nextLine = (): string | undefined => {
    while (cursor < lines.length) {
      const isLast = cursor === lines.length - 1;
      const text = lines[cursor++]!.replace(/\r$/, '');
      if (isLast && !terminated && text !== '') {
        throw illegalArgument('The bulk request must be terminated by a newline [\\n]');
      }
      if (text.trim() === '') continue;
      lineNumber++;
      return text;
    }
    return undefined;
  };

  for (let actionText = nextLine(); actionText !== undefined; actionText = nextLine()) {
    const line = lineNumber;
    const actionLine = parseActionLine(actionText);
    if (typeof actionLine !== 'object' || actionLine === null || Array.isArray(actionLine)) {
      throw malformed(line, 'START_OBJECT', tokenName(actionLine));
    }
    const entries = Object.entries(actionLine as Record<string, unknown>);
    if (entries.length === 0) throw malformed(line, 'FIELD_NAME', 'END_OBJECT');
    const [action, metaValue] = entries[0]!;
    if (!knownActions.has(action)) {
      if (traits.unknownBulkAction) throw illegalArgument(traits.unknownBulkAction(line, action));
      nextLine(); // early parsers skipped the item and its source line (code-read)
      continue;
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
    const operation: BulkOperation = {
      action: bulkAction,
      index: meta._index === undefined ? pathIndex : String(meta._index),
      id: meta._id === undefined || meta._id === null ? undefined : String(meta._id),
      meta,
    };
    if (bulkAction !== 'delete') {
      const sourceText = nextLine();
      if (sourceText === undefined) break; // an action without its source line is dropped (code-read)
      if (bulkAction === 'update') operation.update = parseUpdateBody(sourceText);
      else operation.source = sourceText;
    }
    operations.push(operation);
  }
  validateOperations(operations);
  return operations;
}

/** BulkRequest.validate: numbered messages for every problem found, before anything runs. */
function validateOperations(operations: BulkOperation[]): void {
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
    if ((op.action === 'update' || op.action === 'delete') && op.id === undefined)
      problems.push('id is missing');
    if (op.update && !op.update.doc && !op.update.hasScript) problems.push('script or doc is missing');
    if (op.id !== undefined && Buffer.byteLength(op.id) > 512) {
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
