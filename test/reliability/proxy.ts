/**
 * A test-process HTTP proxy in front of the dev server, for the hostile behaviours the dev server does
 * not play: per request, `decide` forwards it (optionally failing some bulk items, editing the answer,
 * delaying it or resetting the connection after the writes are applied), answers it itself, resets the
 * connection, trickles an answer a byte at a time, or sends a gzip bomb. It also records what passed
 * (body sizes, documents, requests in flight) so tests can check the client's bounds.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface ProxiedRequest {
  /** 1-based arrival order. */
  number: number;
  method: string;
  /** Path and query string, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One document of a bulk request (`create`/`index` action and source). */
export interface BulkDoc {
  action: string;
  index: string;
  id: string;
  source: string;
}

/** A bulk item's error, answered by the proxy for that document (which then never reaches the server). */
export interface ItemFault {
  status: number;
  type: string;
  reason: string;
  extra?: Record<string, unknown>;
}

export type ProxyAction =
  | {
      kind: 'forward';
      /** Bulk only: documents answered with this error instead of being forwarded. */
      itemFault?: (doc: BulkDoc) => ItemFault | undefined;
      /** Rewrites the (parsed JSON) answer before it is sent on. */
      edit?: (answer: Record<string, unknown>) => Record<string, unknown>;
      /** Holds the answer back this long (the writes are already applied). */
      delayMs?: number;
      /** Applies the writes, then drops the connection: the client never learns the outcome. */
      resetAfter?: boolean;
      /** Sends the status and headers at once, then the body one byte every this many ms. */
      trickleBodyEveryMs?: number;
    }
  /** An answer from the proxy itself; `chunked` leaves out Content-Length. */
  | { kind: 'reply'; status: number; body: string; contentType?: string; chunked?: boolean }
  | { kind: 'reset' }
  /** The whole answer (status line, headers, body), one byte every `everyMs`. */
  | { kind: 'trickle'; everyMs: number; body?: string }
  /** 200 with `Content-Encoding: gzip`: a small body that inflates to `inflatedBytes` of zeros. */
  | { kind: 'gzip-bomb'; inflatedBytes: number };

export interface ProxyRecord {
  number: number;
  method: string;
  path: string;
  bytes: number;
  /** Bulk documents in the request (parsed from the NDJSON body). */
  docs: BulkDoc[];
  /** `index/id` of the documents the server stored for this request (2xx items of its real answer). */
  created: string[];
}

export interface Proxy {
  url: string;
  requests: number;
  /** Every request, in arrival order. */
  readonly log: ProxyRecord[];
  /** Most requests being answered at the same time. */
  maxInFlight: number;
  /** Documents of bulk requests whose answer was sent (or dropped). */
  docsAnswered: number;
  /** Stops accepting connections, as a cluster that went away would (new connections are refused). */
  stopListening(): Promise<void>;
  close(): Promise<void>;
}

const ONE_MIB_OF_ZEROS_GZIPPED = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });

export async function startProxy(
  target: string,
  decide: (request: ProxiedRequest, n: number) => ProxyAction | Promise<ProxyAction>,
): Promise<Proxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  let inFlight = 0;
  const proxy: Proxy = {
    url: '',
    requests: 0,
    log: [],
    maxInFlight: 0,
    docsAnswered: 0,
    stopListening: async () => undefined,
    close: async () => undefined,
  };

  const handle = async (incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const number = ++proxy.requests;
    const request: ProxiedRequest = {
      number,
      method: incoming.method ?? 'GET',
      url: incoming.url ?? '/',
      headers: incoming.headers,
      body: Buffer.concat(chunks),
    };
    const path = request.url.split('?')[0] ?? '/';
    const docs = path.endsWith('/_bulk') ? parseBulk(request.body) : [];
    const record: ProxyRecord = {
      number,
      method: request.method,
      path,
      bytes: request.body.length,
      docs,
      created: [],
    };
    proxy.log.push(record);
    inFlight++;
    proxy.maxInFlight = Math.max(proxy.maxInFlight, inFlight);
    let answered = false;
    const done = () => {
      if (answered) return;
      answered = true;
      inFlight--;
      proxy.docsAnswered += docs.length;
    };
    response.on('close', done);
    const action = await decide(request, number);
    switch (action.kind) {
      case 'reset':
        done();
        incoming.socket.destroy();
        return;
      case 'reply':
        done();
        response.writeHead(action.status, {
          'content-type': action.contentType ?? 'application/json',
          ...(action.chunked ? {} : { 'content-length': String(Buffer.byteLength(action.body)) }),
        });
        response.end(action.body);
        return;
      case 'trickle':
        await trickle(incoming.socket, action.everyMs, action.body ?? '{"ok":true}');
        done();
        return;
      case 'gzip-bomb': {
        const members = Math.ceil(action.inflatedBytes / (1024 * 1024));
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': String(members * ONE_MIB_OF_ZEROS_GZIPPED.length),
        });
        // Concatenated gzip members inflate one after another: 1 KiB each, 1 MiB of zeros each.
        for (let member = 0; member < members; member++) {
          if (!response.write(ONE_MIB_OF_ZEROS_GZIPPED))
            await new Promise((resolve) => response.once('drain', resolve));
          if (response.destroyed) break;
        }
        response.end();
        done();
        return;
      }
      case 'forward':
        await forward(request, action, record, response);
        done();
        return;
    }
  };

  const forward = async (
    request: ProxiedRequest,
    action: Extract<ProxyAction, { kind: 'forward' }>,
    record: ProxyRecord,
    response: ServerResponse,
  ) => {
    const { docs } = record;
    const faults = docs.map((doc) => action.itemFault?.(doc));
    const passing = docs.filter((_, position) => faults[position] === undefined);
    const body = action.itemFault ? bulkBody(passing) : request.body;
    let answer: { status: number; headers: IncomingHttpHeaders; body: Buffer };
    if (action.itemFault && passing.length === 0) {
      answer = {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from('{"items":[]}'),
      };
    } else {
      try {
        answer = await send(upstream, request, body);
      } catch {
        // The upstream dropped the connection: so does the proxy.
        response.socket?.destroy();
        return;
      }
    }
    let text = answer.body;
    if (docs.length > 0) record.created = createdKeys(text, passing);
    if (action.itemFault || action.edit) {
      let parsed = JSON.parse(text.toString('utf8') || '{}') as Record<string, unknown>;
      if (action.itemFault) parsed = spliceItems(parsed, docs, faults);
      if (action.edit) parsed = action.edit(parsed);
      text = Buffer.from(JSON.stringify(parsed));
    }
    if (action.delayMs) await new Promise((resolve) => setTimeout(resolve, action.delayMs));
    if (action.resetAfter || response.destroyed) {
      response.socket?.destroy();
      return;
    }
    const headers = { ...answer.headers, 'content-length': String(text.length) };
    delete headers['transfer-encoding'];
    response.writeHead(answer.status, headers);
    if (action.trickleBodyEveryMs) {
      for (let at = 0; at < text.length && !response.destroyed; at++) {
        response.write(text.subarray(at, at + 1));
        await new Promise((resolve) => setTimeout(resolve, action.trickleBodyEveryMs));
      }
    }
    response.end(action.trickleBodyEveryMs ? undefined : text);
  };

  const server: Server = createServer((incoming, response) => {
    handle(incoming, response).catch(() => incoming.socket.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  proxy.stopListening = stop;
  proxy.close = stop;
  return proxy;
}

/** Sends the request on to the dev server and reads the whole answer. */
function send(
  upstream: URL,
  request: ProxiedRequest,
  body: Buffer,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...request.headers, host: upstream.host, 'content-length': String(body.length) };
    delete headers['accept-encoding'];
    const outgoing = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () =>
          resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }),
        );
        answer.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function trickle(socket: Socket, everyMs: number, body: string): Promise<void> {
  const raw = Buffer.from(
    `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  for (const byte of raw) {
    if (socket.destroyed) return;
    socket.write(Buffer.from([byte]));
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The documents of an NDJSON bulk body (a `delete` has no source line). */
export function parseBulk(body: Buffer): BulkDoc[] {
  const lines = body.toString('utf8').split('\n');
  const docs: BulkDoc[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const [action, meta] = Object.entries(
      JSON.parse(line) as Record<string, { _index?: string; _id?: string }>,
    )[0]!;
    const source = action === 'delete' ? '' : (lines[++i] ?? '');
    docs.push({ action, index: String(meta._index), id: String(meta._id), source });
  }
  return docs;
}

function bulkBody(docs: BulkDoc[]): Buffer {
  const lines = docs.flatMap((doc) => {
    const action = JSON.stringify({ [doc.action]: { _index: doc.index, _id: doc.id } });
    return doc.action === 'delete' ? [action] : [action, doc.source];
  });
  return Buffer.from(lines.map((line) => `${line}\n`).join(''));
}

/** The forwarded documents' items, with the faulted documents' error items back in their positions. */
function spliceItems(
  answer: Record<string, unknown>,
  docs: BulkDoc[],
  faults: (ItemFault | undefined)[],
): Record<string, unknown> {
  const forwarded = [...((answer.items as unknown[]) ?? [])];
  const items = docs.map((doc, position) => {
    const fault = faults[position];
    if (!fault) return forwarded.shift();
    const error = { type: fault.type, reason: fault.reason, ...fault.extra };
    return { [doc.action]: { _index: doc.index, _id: doc.id, status: fault.status, error } };
  });
  return { ...answer, errors: true, items };
}

/** `index/id` of the documents whose item (in request order) is a 2xx in a bulk answer. */
function createdKeys(answer: Buffer, sent: BulkDoc[]): string[] {
  let items: Record<string, { status?: number }>[];
  try {
    items = (JSON.parse(answer.toString('utf8')) as { items?: typeof items }).items ?? [];
  } catch {
    return [];
  }
  return sent
    .filter((_, position) => {
      const status = Object.values(items[position] ?? {})[0]?.status ?? 0;
      return status >= 200 && status < 300;
    })
    .map((doc) => `${doc.index}/${doc.id}`);
}
