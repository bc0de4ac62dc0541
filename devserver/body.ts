/**
 * JSON request bodies for the admin APIs: parsed once into plain values, with the raw text and token
 * offsets kept for errors that quote `[line:column]`.
 */
import { OpenSearchError, jsonParseError, parseException } from './errors.js';
import { JsonSyntaxError, isJsonObject, lineColumn, parseJson, toPlain, type ParsedJson } from './json.js';

export interface JsonBody {
  text: string;
  parsed: ParsedJson;
  plain: Record<string, unknown>;
}

/** Parses a request body that must be a JSON object; `required` turns an empty body into a 400. */
export function readJsonBody(text: string, required: boolean): JsonBody | undefined {
  if (text.trim() === '') {
    if (required) throw parseException('request body is required');
    return undefined;
  }
  let parsed: ParsedJson;
  try {
    parsed = parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      throw jsonParseError(
        `${error.message}\n at [Source: (byte[])"${text.slice(0, 200)}"; line: ${lineColumn(text, error.offset).replace(':', ', column: ')}]`,
      );
    }
    throw error;
  }
  if (!isJsonObject(parsed.value)) {
    throw new OpenSearchError(400, 'parse_exception', 'request body or source parameter is required');
  }
  return { text, parsed, plain: toPlain(parsed.value) as Record<string, unknown> };
}

/** `[line:col] [parser] unknown field [key]` for the first key of `object` not in `allowed`. */
export function rejectUnknownKeys(
  body: JsonBody,
  path: string[],
  parserName: string,
  allowed: string[],
): void {
  let node: unknown = body.parsed.value;
  for (const key of path) node = isJsonObject(node) ? node[key] : undefined;
  if (!isJsonObject(node)) return;
  for (const key of Object.keys(node)) {
    if (allowed.includes(key)) continue;
    const offset = body.parsed.keyOffsets.get(node)?.get(key) ?? 0;
    throw new OpenSearchError(
      400,
      'x_content_parse_exception',
      `[${lineColumn(body.text, offset)}] [${parserName}] unknown field [${key}]`,
    );
  }
}
