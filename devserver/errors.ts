/**
 * OpenSearch's error shapes (spec §1): an exception has a snake_case `type`, a `reason`, optional metadata
 * keys next to them (`index`, `index_uuid`, `shard`, `resource.type`, ...) and an optional `caused_by`.
 * Whole-request failures wrap it in `{"error":{root_cause,...},"status":N}`; bulk items carry it bare.
 */

export interface ErrorCause {
  type: string;
  reason: string;
  meta?: Record<string, unknown>;
  causedBy?: ErrorCause;
}

export class OpenSearchError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly reason: string,
    readonly meta: Record<string, unknown> = {},
    readonly causedBy?: ErrorCause,
    /** Overrides the default root cause (the error itself), e.g. for search shard failures. */
    readonly rootCauses?: ErrorCause[],
  ) {
    super(reason);
  }

  get asCause(): ErrorCause {
    return { type: this.type, reason: this.reason, meta: this.meta, causedBy: this.causedBy };
  }
}

/** `{type, reason, ...meta, caused_by}` as OpenSearch renders an exception. */
export function renderCause(cause: ErrorCause): Record<string, unknown> {
  const out: Record<string, unknown> = { type: cause.type, reason: cause.reason, ...(cause.meta ?? {}) };
  if (cause.causedBy) out.caused_by = renderCause(cause.causedBy);
  return out;
}

/** The whole-request error body. */
export function errorEnvelope(error: OpenSearchError): Record<string, unknown> {
  const roots = error.rootCauses ?? [{ type: error.type, reason: error.reason, meta: error.meta }];
  return {
    error: {
      root_cause: roots.map((root) => renderCause({ ...root, causedBy: undefined })),
      ...renderCause(error.asCause),
    },
    status: error.status,
  };
}

export function illegalArgument(reason: string, causedBy?: ErrorCause): OpenSearchError {
  return new OpenSearchError(400, 'illegal_argument_exception', reason, {}, causedBy);
}

export function indexNotFound(name: string, reason = `no such index [${name}]`): OpenSearchError {
  return new OpenSearchError(404, 'index_not_found_exception', reason, {
    'resource.type': 'index_or_alias',
    'resource.id': name,
    index_uuid: '_na_',
    index: name,
  });
}

export function parseException(reason: string): OpenSearchError {
  return new OpenSearchError(400, 'parse_exception', reason);
}

export function jsonParseError(message: string): OpenSearchError {
  return new OpenSearchError(400, 'json_parse_exception', message);
}

export function mapperParsing(reason: string, causedBy?: ErrorCause): OpenSearchError {
  return new OpenSearchError(400, 'mapper_parsing_exception', reason, {}, causedBy);
}

/** Metadata OpenSearch attaches to shard-level failures of a concrete index. */
export function shardMeta(index: string, uuid: string): Record<string, unknown> {
  return { index_uuid: uuid, shard: '0', index };
}
