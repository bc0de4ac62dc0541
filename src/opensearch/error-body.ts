/**
 * Reading the body of an error answer: the human-readable reason in the shapes OpenSearch,
 * Elasticsearch and the AWS front end answer with, and whether the body looks like theirs at all.
 */
import { parseJsonObject } from '../http/errors.js';
import { isPlainObject } from '../util/objects.js';
import { parseAwsHost } from './client.js';

export interface ServerReason {
  /** e.g. security_exception, Forbidden; absent for AWS front-end messages. */
  type?: string;
  text: string;
}

/** Finds the human-readable reason in the shapes OpenSearch, Elasticsearch and AWS answer with. */
export function serverReason(body: unknown): ServerReason {
  const parsed = typeof body === 'string' ? parseJsonObject(body) : body;
  if (isPlainObject(parsed)) {
    const error = parsed.error;
    if (isPlainObject(error) && typeof error.reason === 'string') {
      return typeof error.type === 'string'
        ? { type: error.type, text: error.reason }
        : { text: error.reason };
    }
    if (typeof error === 'string') return { text: error };
    if (typeof parsed.Message === 'string') return { text: parsed.Message };
    if (typeof parsed.message === 'string') return { text: parsed.message };
  }
  if (typeof body === 'string') return { text: body.trim() || '(empty body)' };
  if (body === undefined || body === null || body === '') return { text: '(empty body)' };
  return { text: JSON.stringify(body) ?? String(body) };
}

/**
 * True when an error body has one of the JSON shapes OpenSearch, Elasticsearch or the AWS front end
 * answer with (`{"error": ...}`, `{"Message": ...}`, `{"message": ...}`). An HTML page, plain text or
 * other JSON means something else answered: a web server, Dashboards, a load balancer.
 */
export function isClusterErrorBody(body: unknown): boolean {
  const parsed = typeof body === 'string' ? parseJsonObject(body) : body;
  if (!isPlainObject(parsed)) return false;
  return (
    isPlainObject(parsed.error) ||
    typeof parsed.error === 'string' ||
    typeof parsed.Message === 'string' ||
    typeof parsed.message === 'string'
  );
}

/** The first characters of a body, on one line, for quoting in a message. */
export function bodyPreview(body: unknown, max = 120): string {
  const text = typeof body === 'string' ? body : (JSON.stringify(body) ?? String(body));
  const line = text.replace(/\s+/g, ' ').trim();
  if (line === '') return '(empty body)';
  return line.length > max ? line.slice(0, max) + '…' : line;
}

/** Region and service of the endpoint's host when it is an Amazon OpenSearch Service one. */
export function hostOf(endpoint: string): ReturnType<typeof parseAwsHost> {
  try {
    return parseAwsHost(new URL(endpoint).hostname);
  } catch {
    return undefined;
  }
}
