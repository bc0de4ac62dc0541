/**
 * The HTTP front: reads the request (at most `http.max_content_length` bytes, compressed or not),
 * applies injected faults, checks the SigV4 signature against the bytes as sent (before a gzip body
 * is inflated), enforces OpenSearch's Content-Type rule, dispatches to a route and writes the reply
 * (JSON errors in OpenSearch's envelope).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { OpenSearchError, errorEnvelope } from '../errors.js';
import type { FaultController, FaultSpec } from '../faults.js';
import type { FlavorTraits } from '../flavor.js';
import { applyFilterPath, stringifyFiltered } from '../filter-path.js';
import { globMatch } from '../index-names.js';
import { RawJson, stringifyJson } from '../json.js';
import { verifySigV4, type SigV4Config } from '../sigv4.js';
import { faultReply } from './fault-replies.js';
import type { Reply, RequestContext, Router } from './router.js';

export interface FrontOptions {
  router: Router;
  faults: FaultController;
  traits: FlavorTraits;
  sigv4?: SigV4Config;
  /** `http.max_content_length`: the largest body accepted, before and after inflating. */
  maxContentLength: number;
}

/** Paths that control the dev server itself: never faulted or counted (but signed under --sigv4). */
const adminPrefix = '/_devserver/';

const acceptedContentTypes = ['application/json', 'application/x-ndjson', 'application/vnd.opensearch+json'];

class BodyTooLarge extends Error {}

/**
 * Buffers for request bodies, reused from one request to the next: a bulk body is megabytes, and
 * writing into freshly allocated memory costs a page fault every 4 KiB. Sizes are rounded up to a
 * power of two, so bodies of about the same size share buffers (one a few bytes larger than the last
 * would otherwise need a new one). A few are kept, none larger than 16 MiB; a new buffer replaces
 * the smallest kept one when there is no room.
 */
class BodyBuffers {
  private readonly free: Buffer[] = [];

  take(size: number): Buffer {
    const index = this.free.findIndex((buffer) => buffer.length >= size);
    if (index >= 0) return this.free.splice(index, 1)[0]!;
    let capacity = 1 << 20;
    while (capacity < size) capacity *= 2;
    return Buffer.allocUnsafe(capacity);
  }

  give(buffer: Buffer | undefined): void {
    if (!buffer || buffer.length > 16 << 20) return;
    if (this.free.length < 4) {
      this.free.push(buffer);
      return;
    }
    let smallest = 0;
    for (let i = 1; i < this.free.length; i++)
      if (this.free[i]!.length < this.free[smallest]!.length) smallest = i;
    if (this.free[smallest]!.length < buffer.length) this.free[smallest] = buffer;
  }
}

/**
 * The body, or BodyTooLarge as soon as it passes `limit` bytes (the rest is never buffered). With a
 * Content-Length, chunks are copied straight into a buffer from `buffers`, left in `holder` to be
 * given back once the request is answered.
 */
function readBody(
  request: IncomingMessage,
  limit: number,
  buffers: BodyBuffers,
  holder: { buffer?: Buffer },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    const sized =
      Number.isInteger(declared) && declared > 0 && declared <= limit ? buffers.take(declared) : undefined;
    holder.buffer = sized;
    const chunks: Buffer[] = [];
    let received = 0;
    request.on('data', (chunk: Buffer) => {
      if (received + chunk.length > limit || (sized && received + chunk.length > declared)) {
        request.pause();
        reject(new BodyTooLarge());
        return;
      }
      if (sized) chunk.copy(sized, received);
      else chunks.push(chunk);
      received += chunk.length;
    });
    request.on('end', () => resolve(sized ? sized.subarray(0, received) : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** What Netty's aggregator answers to a body over the limit: 413, no body, connection closed. */
const tooLarge: Reply = { status: 413, headers: { connection: 'close' } };

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
  private readonly bodyBuffers = new BodyBuffers();

  constructor(private readonly options: FrontOptions) {
    this.server = createServer((request, response) => {
      const holder: { buffer?: Buffer } = {};
      this.handle(request, response, holder)
        .catch((error: unknown) => {
          if (!response.headersSent) send(response, this.failure(error), request.method ?? 'GET', false);
        })
        .finally(() => this.bodyBuffers.give(holder.buffer));
    });
    // OpenSearch leaves an idle keep-alive connection open until the client closes it (its
    // `http.read_timeout` defaults to 0: no timeout). Node would close it about 6 s after the last
    // answer, and a client that reuses it at that moment (or whose next request waited in the socket
    // while the server was busy) gets ECONNRESET: retries no cluster would cause. close() ends every
    // connection itself.
    this.server.keepAliveTimeout = 0;
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

  private async handle(
    request: IncomingMessage,
    response: ServerResponse,
    holder: { buffer?: Buffer },
  ): Promise<void> {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', 'http://devserver');
    const path = url.pathname;
    const pretty = url.searchParams.has('pretty') && url.searchParams.get('pretty') !== 'false';
    let body: Buffer;
    try {
      body = await readBody(request, this.options.maxContentLength, this.bodyBuffers, holder);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      send(response, tooLarge, method, false);
      request.socket.destroySoon();
      return;
    }
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
    }
    const refusal = this.signatureRefusal(request, method, body);
    if (refusal) return send(response, refusal, method, pretty);
    if (request.headers['content-encoding'] === 'gzip' && body.length > 0) {
      const inflated = this.inflate(body);
      if ('reply' in inflated) return send(response, inflated.reply, method, pretty);
      body = inflated.body;
    }

    const reply = this.dispatch(method, path, url.searchParams, request, body, pretty, fault);
    if (fault?.kind === 'connection-reset') {
      request.socket.destroy(); // the work is done, but the client never hears about it
      return;
    }
    send(response, reply, method, pretty);
  }

  /** The 403 for a request that is not signed as `--sigv4` requires (the bytes as sent are signed). */
  private signatureRefusal(request: IncomingMessage, method: string, body: Buffer): Reply | undefined {
    if (!this.options.sigv4) return undefined;
    const rawUrl = request.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const verdict = verifySigV4(
      {
        method,
        path: queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart),
        query: queryStart < 0 ? '' : rawUrl.slice(queryStart + 1),
        headers: request.headers,
        body,
      },
      this.options.sigv4,
      Date.now(),
    );
    return verdict.ok ? undefined : { status: verdict.status, body: verdict.body };
  }

  /** The inflated body, or the reply for a body that is not gzip or inflates past the limit. */
  private inflate(body: Buffer): { body: Buffer } | { reply: Reply } {
    try {
      return { body: gunzipSync(body, { maxOutputLength: this.options.maxContentLength }) };
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return { reply: tooLarge };
      const reason = `the request body is marked [Content-Encoding: gzip] but is not valid gzip: ${(error as Error).message}`;
      return {
        reply: { status: 400, body: errorEnvelope(new OpenSearchError(400, 'parse_exception', reason)) },
      };
    }
  }

  private dispatch(
    method: string,
    path: string,
    query: URLSearchParams,
    request: IncomingMessage,
    body: Buffer,
    pretty: boolean,
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
    let bodyText: string | undefined;
    const context: RequestContext = {
      method,
      path,
      params: match.params,
      query,
      headers: request.headers,
      body,
      get bodyText() {
        return (bodyText ??= body.toString('utf8'));
      },
      fault,
    };
    try {
      const reply = match.handler(context);
      // `filter_path` shapes what a handler answers; error responses are never filtered (as in OpenSearch).
      const filter = query.get('filter_path');
      if (filter === null || reply.body === undefined || typeof reply.body === 'string') return reply;
      // Written here, as it is filtered, unless pretty-printed (a bulk answer is a thousand items).
      if (pretty) return { ...reply, body: applyFilterPath(reply.body, filter) };
      return { ...reply, body: new RawJson(stringifyFiltered(reply.body, filter)) };
    } catch (error) {
      return this.failure(error);
    }
  }
}
