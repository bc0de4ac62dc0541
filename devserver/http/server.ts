/**
 * The HTTP front: reads the request, applies injected faults and SigV4 checks, enforces OpenSearch's
 * Content-Type rule, dispatches to a route and writes the reply (JSON errors in OpenSearch's envelope).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { OpenSearchError, errorEnvelope } from '../errors.js';
import type { FaultController, FaultSpec } from '../faults.js';
import type { FlavorTraits } from '../flavor.js';
import { applyFilterPath } from '../filter-path.js';
import { globMatch } from '../index-names.js';
import { stringifyJson } from '../json.js';
import { verifySigV4, type SigV4Config } from '../sigv4.js';
import { faultReply } from './fault-replies.js';
import type { Reply, RequestContext, Router } from './router.js';

export interface FrontOptions {
  router: Router;
  faults: FaultController;
  traits: FlavorTraits;
  sigv4?: SigV4Config;
}

/** Paths that control the dev server itself: never faulted, signed or counted. */
const adminPrefix = '/_devserver/';

const acceptedContentTypes = ['application/json', 'application/x-ndjson', 'application/vnd.opensearch+json'];

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, reply: Reply, method: string, pretty: boolean): void {
  let text = '';
  let contentType = 'application/json; charset=UTF-8';
  if (typeof reply.body === 'string') {
    text = reply.body;
    contentType = 'text/plain; charset=UTF-8';
  } else if (reply.body !== undefined) {
    text = stringifyJson(reply.body, pretty ? 2 : 0) + (pretty ? '\n' : '');
  }
  const payload = Buffer.from(text, 'utf8');
  response.writeHead(reply.status, {
    'content-type': contentType,
    'content-length': String(payload.length),
    ...(reply.headers ?? {}),
  });
  response.end(method === 'HEAD' ? undefined : payload);
}

/** OpenSearch's plain-string errors (406, 405, no handler), which have no envelope. */
function plainError(status: number, message: string): Reply {
  return { status, body: { error: message, status } };
}

function contentTypeProblem(request: IncomingMessage, body: Buffer): Reply | undefined {
  if (body.length === 0) return undefined;
  const header = request.headers['content-type'];
  if (header === undefined) return plainError(406, 'Content-Type header is missing');
  const mediaType = header.split(';')[0]!.trim().toLowerCase();
  if (!acceptedContentTypes.includes(mediaType))
    return plainError(406, `Content-Type header [${header}] is not supported`);
  return undefined;
}

export class DevHttpFront {
  readonly server: Server;
  private readonly counts = new Map<string, number>();

  constructor(private readonly options: FrontOptions) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) send(response, this.failure(error), request.method ?? 'GET', false);
      });
    });
  }

  requestCount(pathPattern?: string): number {
    let total = 0;
    for (const [path, count] of this.counts) if (!pathPattern || globMatch(pathPattern, path)) total += count;
    return total;
  }

  private failure(error: unknown): Reply {
    if (error instanceof OpenSearchError) return { status: error.status, body: errorEnvelope(error) };
    const message = error instanceof Error ? error.message : String(error);
    return { status: 500, body: errorEnvelope(new OpenSearchError(500, 'exception', message)) };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', 'http://devserver');
    const path = url.pathname;
    let body = await readBody(request);
    if (request.headers['content-encoding'] === 'gzip' && body.length > 0) body = gunzipSync(body);
    const pretty = url.searchParams.has('pretty') && url.searchParams.get('pretty') !== 'false';
    const isAdmin = path.startsWith(adminPrefix) || path === adminPrefix.slice(0, -1);

    let fault: FaultSpec | undefined;
    if (!isAdmin) {
      this.counts.set(path, (this.counts.get(path) ?? 0) + 1);
      fault = this.options.faults.select(method, path, body.length);
      if (fault?.kind === 'latency') {
        const delay = fault.ms;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      if (fault?.kind === 'connection-reset' && fault.when !== 'after') {
        request.socket.destroy();
        return;
      }
      const injected = fault && faultReply(fault, method, path, this.options.traits);
      if (injected) return send(response, injected, method, pretty);
      if (this.options.sigv4) {
        const rawQuery = (request.url ?? '').includes('?')
          ? request.url!.slice(request.url!.indexOf('?') + 1)
          : '';
        const verdict = verifySigV4(
          {
            method,
            path: (request.url ?? '/').split('?')[0]!,
            query: rawQuery,
            headers: request.headers,
            body,
          },
          this.options.sigv4,
          Date.now(),
        );
        if (!verdict.ok)
          return send(response, { status: verdict.status, body: verdict.body }, method, pretty);
      }
    }

    const reply = this.dispatch(method, path, url.searchParams, request, body, fault);
    if (fault?.kind === 'connection-reset') {
      request.socket.destroy(); // the work is done, but the client never hears about it
      return;
    }
    send(response, reply, method, pretty);
  }

  private dispatch(
    method: string,
    path: string,
    query: URLSearchParams,
    request: IncomingMessage,
    body: Buffer,
    fault?: FaultSpec,
  ): Reply {
    const badContentType = contentTypeProblem(request, body);
    if (badContentType) return badContentType;
    const match = this.options.router.match(method, path);
    if (match.kind === 'none')
      return plainError(400, `no handler found for uri [${request.url}] and method [${method}]`);
    if (match.kind === 'wrong-method') {
      return plainError(
        405,
        `Incorrect HTTP method for uri [${request.url}] and method [${method}], allowed: [${match.allowed.join(', ')}]`,
      );
    }
    const context: RequestContext = {
      method,
      path,
      params: match.params,
      query,
      headers: request.headers,
      bodyText: body.toString('utf8'),
      fault,
    };
    try {
      const reply = match.handler(context);
      // `filter_path` shapes what a handler answers; error responses are never filtered (as in OpenSearch).
      const filter = query.get('filter_path');
      if (filter === null || reply.body === undefined || typeof reply.body === 'string') return reply;
      return { ...reply, body: applyFilterPath(reply.body, filter) };
    } catch (error) {
      return this.failure(error);
    }
  }
}
