/**
 * Installs the export through the saved-objects import API of OpenSearch Dashboards (1.x, 2.x) or
 * Kibana 7.10: `POST <dashboards>/api/saved_objects/_import?overwrite=true`, the NDJSON as the `file`
 * part of a multipart form (the API wants a `.ndjson` file name), with the anti-CSRF header the server
 * checks (`osd-xsrf` for OpenSearch Dashboards, `kbn-xsrf` for Kibana; both when the flavour is not
 * given: each ignores the other's). `securitytenant` picks the security plugin's tenant.
 *
 * The request goes through the product's HTTP layer (SigV4, basic auth, a deadline and a bound on the
 * answer). An import is idempotent with overwrite, so a throttled or failed attempt is simply repeated.
 */
import { randomBytes } from 'node:crypto';
import { HttpError, NetworkError } from '../http/errors.js';
import { accepted, type HttpCaller, type HttpRequest } from '../http/request.js';
import { withRetry, type RetryPolicy } from '../http/retry.js';

import type { DashboardsFlavor } from './flavors.js';

export { FLAVORS, type DashboardsFlavor } from './flavors.js';

/** Dashboards' and Kibana's default `savedObjects.maxImportPayloadBytes` (25 MiB). */
export const MAX_IMPORT_BYTES = 26_214_400;
/** An import answer lists at most one entry per object: far below this. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
const IMPORT_PATH = '/api/saved_objects/_import';
const RETRY: RetryPolicy = { baseMs: 500, maxMs: 5_000, maxAttempts: 4 };

export interface InstallSettings {
  /** The Dashboards base URL the HTTP caller was built on, for messages (never with credentials). */
  url: string;
  flavor: DashboardsFlavor;
  tenant?: string;
  timeoutMs: number;
  /** How the caller authenticates, for the advice on a 401/403. */
  auth: 'none' | 'basic' | 'sigv4';
}

export interface ImportFailure {
  type: string;
  id: string;
  title?: string;
  reason: string;
}

export interface InstallResult {
  successCount: number;
  failures: ImportFailure[];
}

/** A problem with the settings (URL, credentials, permissions): fix them, then run again. */
export class DashboardsConfigError extends Error {
  override readonly name = 'DashboardsConfigError';
}

export function importHeaders(flavor: DashboardsFlavor, tenant: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (flavor !== 'kibana') headers['osd-xsrf'] = 'true';
  if (flavor !== 'opensearch-dashboards') headers['kbn-xsrf'] = 'true';
  if (tenant !== undefined) headers.securitytenant = tenant;
  return headers;
}

/** A multipart/form-data body holding `content` as the file part `file`. */
export function multipartFile(fileName: string, content: string): { body: Buffer; contentType: string } {
  let boundary: string;
  do boundary = `----cloudtrail-opensearch-${randomBytes(12).toString('hex')}`;
  while (content.includes(boundary));
  const head =
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="file"; filename="${fileName}"\r\n` +
    'Content-Type: application/ndjson\r\n\r\n';
  const body = Buffer.concat([
    Buffer.from(head),
    Buffer.from(content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

export async function installSavedObjects(
  http: HttpCaller,
  ndjson: string,
  settings: InstallSettings,
): Promise<InstallResult> {
  const bytes = Buffer.byteLength(ndjson);
  if (bytes > MAX_IMPORT_BYTES)
    throw new Error(
      `the export is ${bytes} bytes, over the import API's default limit of ${MAX_IMPORT_BYTES}`,
    );
  const { body, contentType } = multipartFile('cloudtrail-opensearch.ndjson', ndjson);
  const request: HttpRequest = {
    method: 'POST',
    path: IMPORT_PATH,
    querystring: { overwrite: true },
    body,
    headers: { ...importHeaders(settings.flavor, settings.tenant), 'content-type': contentType },
  };
  const where = `POST ${settings.url}${IMPORT_PATH}`;
  let answer: unknown;
  try {
    answer = await withRetry(
      async (timeoutMs) =>
        accepted(await http.request(request, { timeoutMs, maxResponseBytes: MAX_ANSWER_BYTES }), request)
          .body,
      {
        policy: RETRY,
        budget: { requestTimeoutMs: settings.timeoutMs, remainingTimeMs: () => Infinity },
        what: where,
      },
    );
  } catch (error) {
    throw explain(error, where, settings);
  }
  return parseImportAnswer(answer, where);
}

/** `{success, successCount, errors}` as the import API answers, or an error saying what came back. */
export function parseImportAnswer(answer: unknown, where: string): InstallResult {
  const shaped = answer as { successCount?: unknown; errors?: unknown } | undefined;
  if (typeof shaped !== 'object' || shaped === null || typeof shaped.successCount !== 'number')
    throw new DashboardsConfigError(
      `${where}: the answer is not the saved-objects import API's ({success, successCount, errors}); ` +
        'check that --dashboards-url is the Dashboards (or Kibana) URL, not the OpenSearch endpoint',
    );
  const errors = Array.isArray(shaped.errors) ? (shaped.errors as Record<string, unknown>[]) : [];
  return {
    successCount: shaped.successCount,
    failures: errors.map((entry) => ({
      type: String(entry.type),
      id: String(entry.id),
      ...(typeof entry.title === 'string' ? { title: entry.title } : {}),
      reason: describeObjectError(entry.error),
    })),
  };
}

function describeObjectError(error: unknown): string {
  const detail = (error ?? {}) as { type?: unknown; message?: unknown; references?: unknown };
  const type = typeof detail.type === 'string' ? detail.type : 'unknown';
  if (type === 'missing_references' && Array.isArray(detail.references)) {
    const missing = (detail.references as { type?: unknown; id?: unknown }[]).map(
      (ref) => `${String(ref.type)} ${String(ref.id)}`,
    );
    return `missing_references: ${missing.join(', ')}`;
  }
  return typeof detail.message === 'string' ? `${type}: ${detail.message}` : type;
}

/** The error a failed import is reported with; a DashboardsConfigError when the settings must change. */
function explain(error: unknown, where: string, settings: InstallSettings): Error {
  // Still no answer after the retries: the URL is wrong or Dashboards is not reachable from here.
  if (error instanceof NetworkError) {
    const advice =
      error.code === 'ERESPONSETOOLARGE'
        ? 'an import answer is small: --dashboards-url reaches something else, or a proxy in between misbehaves'
        : 'check --dashboards-url and that Dashboards is reachable from here';
    return new DashboardsConfigError(`${where}: ${error.message.replace(/^POST \S+: /, '')}; ${advice}`);
  }
  if (!(error instanceof HttpError)) return error instanceof Error ? error : new Error(String(error));
  const said = serverMessage(error.body);
  const tenant = settings.tenant === undefined ? '' : ` in tenant "${settings.tenant}"`;
  const advice: Record<number, string> = {
    400: said.toLowerCase().includes('xsrf')
      ? 'the server wants a different anti-CSRF header: pass --flavor opensearch-dashboards or --flavor kibana'
      : 'the server refused the import request',
    401: `Dashboards did not accept the credentials: ${credentialAdvice(settings.auth)}`,
    403:
      `the credentials are valid but may not import saved objects${tenant}: give the user or role write ` +
      'access to saved objects (with the security plugin: a role with the tenant writable, e.g. kibana_user, ' +
      'mapped to this user or IAM role)',
    404:
      'no saved-objects import API at this URL: check --dashboards-url (on Amazon OpenSearch Service ' +
      'https://DOMAIN/_dashboards; self-managed Dashboards or Kibana usually http://HOST:5601) and --tenant',
    413: 'the server refused the file size: raise savedObjects.maxImportPayloadBytes',
  };
  const status = error.status;
  const text = `${where}: ${status}${said ? ` (${said})` : ''}: ${advice[status] ?? 'the import failed'}`;
  return status >= 400 && status < 500 && status !== 429 ? new DashboardsConfigError(text) : new Error(text);
}

function credentialAdvice(auth: InstallSettings['auth']): string {
  switch (auth) {
    case 'basic':
      return 'check OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD';
    case 'sigv4':
      return 'check the AWS credentials and region, and that the domain lets this IAM identity in';
    case 'none':
      return 'it needs a login: set OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD, or --auth sigv4 for an AWS domain';
  }
}

function serverMessage(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 200);
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message.slice(0, 200) : '';
}
