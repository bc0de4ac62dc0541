/**
 * A local stand-in for the saved-objects import API of OpenSearch Dashboards and Kibana 7.10, as their
 * documentation describes it: `POST [basePath]/api/saved_objects/_import[?overwrite=true]`, a
 * multipart/form-data body whose `file` part is a `.ndjson` file, the anti-CSRF header the product
 * checks (`osd-xsrf` or `kbn-xsrf`, else 400), and an answer `{success, successCount, errors}` where a
 * refused object is listed with `{id, type, title, error: {type, ...}}`. Objects are kept per tenant
 * (`securitytenant` header). Optional basic auth or SigV4 (service `es`) is checked as a domain would.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4, type SigV4Config } from '../../devserver/sigv4.js';

export interface ImportServerOptions {
  flavor: 'opensearch-dashboards' | 'kibana';
  basePath?: string;
  basicAuth?: { username: string; password: string };
  sigv4?: SigV4Config;
  /** Answer 403 to every import (a user without write access to saved objects). */
  forbidden?: boolean;
  /** Refuse these ids as the API does when a reference is missing. */
  refuseIds?: string[];
  /** Answer 503 to this many imports before accepting. */
  failFirst?: number;
  /** Never answer an import (a stalled proxy). */
  stall?: boolean;
  /** Answer every import with this many bytes of JSON (a proxy gone wrong). */
  answerBytes?: number;
}

interface StoredObject {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
}

export interface ImportServer {
  url: string;
  /** Saved objects by tenant ('' when no tenant header was sent), keyed `type:id`. */
  tenants: Map<string, Map<string, StoredObject>>;
  /** The headers of every import request received. */
  requests: IncomingMessage['headers'][];
  close(): Promise<void>;
}

const SUPPORTED = new Set(['index-pattern', 'visualization', 'search', 'dashboard', 'config']);

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

/** The parts of a multipart/form-data body: their headers (lower-case names) and content. */
function multipartParts(
  body: Buffer,
  contentType: string,
): { headers: Record<string, string>; content: Buffer }[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) throw new Error('no boundary');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: { headers: Record<string, string>; content: Buffer }[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const afterDelimiter = start + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, afterDelimiter);
    if (next === -1) throw new Error('unterminated part');
    const part = body.subarray(afterDelimiter + 2, next - 2); // without the CRLFs around it
    const split = part.indexOf('\r\n\r\n');
    const headers: Record<string, string> = {};
    for (const line of part.subarray(0, split).toString().split('\r\n')) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, content: part.subarray(split + 4) });
    start = next;
  }
  return parts;
}

function authorised(
  request: IncomingMessage,
  body: Buffer,
  options: ImportServerOptions,
): number | undefined {
  if (options.basicAuth) {
    const expected = Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString(
      'base64',
    );
    if (request.headers.authorization !== `Basic ${expected}`) return 401;
  }
  if (options.sigv4) {
    const [path, query = ''] = (request.url ?? '/').split('?');
    const verdict = verifySigV4(
      { method: request.method ?? 'GET', path: path!, query, headers: request.headers, body },
      options.sigv4,
      Date.now(),
    );
    if (!verdict.ok) return verdict.status;
  }
  return options.forbidden ? 403 : undefined;
}

export async function startImportServer(options: ImportServerOptions): Promise<ImportServer> {
  const tenants = new Map<string, Map<string, StoredObject>>();
  const requests: IncomingMessage['headers'][] = [];
  let failuresLeft = options.failFirst ?? 0;
  const importPath = `${options.basePath ?? ''}/api/saved_objects/_import`;
  const xsrfHeader = options.flavor === 'kibana' ? 'kbn-xsrf' : 'osd-xsrf';

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const [path, query = ''] = (request.url ?? '/').split('?');
      if (request.method !== 'POST' || path !== importPath)
        return json(response, 404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
      requests.push(request.headers);
      if (options.stall) return; // the client's deadline ends it
      if (options.answerBytes !== undefined)
        return json(response, 200, {
          success: true,
          successCount: 0,
          padding: 'x'.repeat(options.answerBytes),
        });
      const status = authorised(request, body, options);
      if (status !== undefined)
        return json(response, status, {
          statusCode: status,
          error: status === 401 ? 'Unauthorized' : 'Forbidden',
          message: status === 401 ? 'Authentication required' : 'no permissions for saved objects',
        });
      if (request.headers[xsrfHeader] === undefined)
        return json(response, 400, {
          statusCode: 400,
          error: 'Bad Request',
          message: `Request must contain a ${xsrfHeader} header.`,
        });
      if (failuresLeft > 0) {
        failuresLeft--;
        return json(response, 503, { statusCode: 503, error: 'Service Unavailable', message: 'not ready' });
      }
      let file: { headers: Record<string, string>; content: Buffer } | undefined;
      try {
        file = multipartParts(body, request.headers['content-type'] ?? '').find((part) =>
          /name="file"/.test(part.headers['content-disposition'] ?? ''),
        );
      } catch (error) {
        return json(response, 400, { statusCode: 400, error: 'Bad Request', message: String(error) });
      }
      const fileName = /filename="([^"]*)"/.exec(file?.headers['content-disposition'] ?? '')?.[1];
      if (!file || !fileName)
        return json(response, 400, {
          statusCode: 400,
          error: 'Bad Request',
          message: '[request body.file]: expected value of type [Stream]',
        });
      if (!fileName.toLowerCase().endsWith('.ndjson'))
        return json(response, 400, {
          statusCode: 400,
          error: 'Bad Request',
          message: `Invalid file extension ${fileName.slice(fileName.lastIndexOf('.'))}`,
        });
      const tenant = String(request.headers.securitytenant ?? '');
      const stored = tenants.get(tenant) ?? new Map<string, StoredObject>();
      tenants.set(tenant, stored);
      const overwrite = new URLSearchParams(query).get('overwrite') === 'true';
      const objects = file.content
        .toString('utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as StoredObject & { references?: { type: string; id: string }[] });
      const inFile = new Set(objects.map((object) => `${object.type}:${object.id}`));
      const errors: unknown[] = [];
      let successCount = 0;
      for (const object of objects) {
        const title = object.attributes?.title;
        const missing = (object.references ?? []).filter(
          (ref) => !inFile.has(`${ref.type}:${ref.id}`) && !stored.has(`${ref.type}:${ref.id}`),
        );
        const key = `${object.type}:${object.id}`;
        if (!SUPPORTED.has(object.type))
          errors.push({ id: object.id, type: object.type, title, error: { type: 'unsupported_type' } });
        else if (options.refuseIds?.includes(object.id) || missing.length > 0)
          errors.push({
            id: object.id,
            type: object.type,
            title,
            error: {
              type: 'missing_references',
              references: missing.length > 0 ? missing : [{ type: 'index-pattern', id: 'gone' }],
            },
          });
        else if (stored.has(key) && !overwrite)
          errors.push({ id: object.id, type: object.type, title, error: { type: 'conflict' } });
        else {
          stored.set(key, object);
          successCount++;
        }
      }
      json(response, 200, {
        success: errors.length === 0,
        successCount,
        ...(errors.length ? { errors } : {}),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${options.basePath ?? ''}`,
    tenants,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
