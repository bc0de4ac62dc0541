/**
 * Reading errors thrown by the OpenSearch client. A `ResponseError` carries `meta.statusCode` and the
 * parsed body; connection errors and timeouts carry no status.
 */

interface ErrorBody {
  error?: string | { type?: string; reason?: string };
  Message?: string;
  message?: string;
}

function errorBody(err: unknown): ErrorBody | undefined {
  const body = (err as { meta?: { body?: unknown } } | undefined)?.meta?.body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as ErrorBody;
    } catch {
      return { message: body };
    }
  }
  return body && typeof body === 'object' ? (body as ErrorBody) : undefined;
}

/** HTTP status of a failed call, or undefined for network errors and timeouts. */
export function statusOf(err: unknown): number | undefined {
  const status = (err as { meta?: { statusCode?: unknown } } | undefined)?.meta?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The OpenSearch exception type (`index_not_found_exception`, ...), when the body has one. */
export function errorTypeOf(err: unknown): string | undefined {
  const error = errorBody(err)?.error;
  return typeof error === 'object' ? error.type : undefined;
}

/** One line for logs and outcomes: `429 rejected_execution_exception: rejected execution of ...`. */
export function describeError(err: unknown): string {
  const status = statusOf(err);
  const body = errorBody(err);
  let detail: string | undefined;
  if (typeof body?.error === 'object') {
    detail = [body.error.type, body.error.reason].filter(Boolean).join(': ');
  } else {
    detail = body?.error ?? body?.Message ?? body?.message;
  }
  if (!detail) detail = err instanceof Error ? err.message : String(err);
  return status === undefined ? detail : `${status} ${detail}`;
}

/** Worth retrying: throttling (429), server-side trouble (5xx) and network errors/timeouts. */
export function isTransient(err: unknown): boolean {
  const status = statusOf(err);
  if (status === undefined) {
    const name = (err as { name?: unknown } | undefined)?.name;
    return name === 'ConnectionError' || name === 'TimeoutError' || name === 'NoLivingConnectionsError';
  }
  return status === 429 || status >= 500;
}
