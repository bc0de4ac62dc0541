/**
 * A tiny `_bulk` endpoint for the sender's tests: `create` semantics over an in-memory id set (201 new,
 * 409 existing), strict framing (trailing newline, content type), and scripted faults per request and per item.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDoc {
  index: string;
  id: string;
  source: string;
}

export interface ReceivedRequest {
  /** 1-based arrival order. */
  number: number;
  bytes: number;
  docs: ReceivedDoc[];
}

export type RequestFault =
  /** Answer with this status and body without processing anything. */
  | { kind: 'status'; status: number; body?: unknown; text?: string }
  /** Drop the connection without processing. */
  | { kind: 'reset-before' }
  /** Process (store) the documents, then drop the connection: the client never learns they were stored. */
  | { kind: 'reset-after' }
  /** Process, then answer only after `delayMs` (longer than the client's timeout). */
  | { kind: 'slow'; delayMs: number }
  /** Answer with the items' `_id`s rotated by one: a protocol violation. */
  | { kind: 'wrong-ids' };

export interface ItemFault {
  status: number;
  type: string;
  reason: string;
  extra?: Record<string, unknown>;
}

export interface FakeServerOptions {
  requestFault?: (request: ReceivedRequest) => RequestFault | undefined;
  /** `seen` counts earlier sightings of the same index/_id, so a fault can apply to the first attempt only. */
  itemFault?: (doc: ReceivedDoc, seen: number) => ItemFault | undefined;
  /** Bodies above this get AWS's 413. */
  maxBodyBytes?: number;
  /** Every answer waits this long, so overlapping requests are observable. */
  responseDelayMs?: number;
}

export class FakeBulkServer {
  /** index/_id → the stored source; and how many times each key was stored (must end at 1). */
  readonly stored = new Map<string, string>();
  readonly storeCount = new Map<string, number>();
  /** index/_id → number of the request that stored it. */
  readonly storedBy = new Map<string, number>();
  /** Requests refused with 413. */
  tooLarge = 0;
  readonly requests: ReceivedRequest[] = [];
  /** Sizes of bodies that were processed (not refused with 413). */
  readonly acceptedBodySizes: number[] = [];
  maxInFlight = 0;
  /** Documents in requests the server has finished answering (or dropping). */
  docsAnswered = 0;
  url = '';
  /** The last request as it arrived, for framing and signing checks. */
  lastRaw?: { url: string; headers: IncomingMessage['headers']; body: Buffer };

  private inFlight = 0;
  private readonly seen = new Map<string, number>();
  private readonly server: Server;

  constructor(private readonly options: FakeServerOptions = {}) {
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let done = false;
    let docCount = 0;
    const finish = () => {
      if (done) return;
      done = true;
      this.inFlight -= 1;
      this.docsAnswered += docCount;
    };
    response.on('close', finish);
    try {
      const body = await readBody(request);
      this.lastRaw = { url: request.url ?? '', headers: request.headers, body };
      const answer = this.process(request, body);
      docCount = answer.docs;
      if (answer.kind === 'reset') {
        finish();
        request.socket.destroy();
        return;
      }
      const delay = answer.delayMs + (this.options.responseDelayMs ?? 0);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      if (response.destroyed) return;
      finish();
      response.writeHead(answer.status, { 'content-type': answer.contentType });
      response.end(answer.text);
    } catch (error) {
      finish();
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(String(error));
    }
  }

  private process(
    request: IncomingMessage,
    body: Buffer,
  ):
    | { kind: 'reset'; docs: number }
    | { kind: 'answer'; docs: number; status: number; text: string; contentType: string; delayMs: number } {
    const json = (status: number, value: unknown, delayMs = 0, docs = 0) => ({
      kind: 'answer' as const,
      docs,
      status,
      text: JSON.stringify(value),
      contentType: 'application/json; charset=UTF-8',
      delayMs,
    });
    if (request.method !== 'POST' || request.url?.split('?')[0] !== '/_bulk') {
      return json(
        404,
        errorBody('illegal_argument_exception', `no handler for ${request.method} ${request.url}`),
      );
    }
    const contentType = request.headers['content-type'] ?? '';
    if (!/^application\/(x-ndjson|json)/.test(contentType)) {
      return json(406, { error: `Content-Type header [${contentType}] is not supported`, status: 406 });
    }
    if (this.options.maxBodyBytes !== undefined && body.length > this.options.maxBodyBytes) {
      this.tooLarge += 1;
      return json(413, { Message: `Request size exceeded ${this.options.maxBodyBytes} bytes` });
    }
    const text = body.toString('utf8');
    if (!text.endsWith('\n')) {
      return json(
        400,
        errorBody('illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]'),
      );
    }
    const docs = parseCreates(text);
    if (typeof docs === 'string') return json(400, errorBody('illegal_argument_exception', docs));

    const received: ReceivedRequest = { number: this.requests.length + 1, bytes: body.length, docs };
    this.requests.push(received);
    const fault = this.options.requestFault?.(received);
    if (fault?.kind === 'status') {
      if (fault.text !== undefined) {
        return {
          kind: 'answer',
          docs: 0,
          status: fault.status,
          text: fault.text,
          contentType: 'text/plain',
          delayMs: 0,
        };
      }
      return fault.body === undefined
        ? { kind: 'answer', docs: 0, status: fault.status, text: '', contentType: 'text/plain', delayMs: 0 }
        : json(fault.status, fault.body);
    }
    if (fault?.kind === 'reset-before') return { kind: 'reset', docs: 0 };

    this.acceptedBodySizes.push(body.length);
    const items = docs.map((doc) => this.createOne(doc, received.number));
    if (fault?.kind === 'reset-after') return { kind: 'reset', docs: docs.length };
    if (fault?.kind === 'wrong-ids') {
      const ids = items.map((item) => item.create._id);
      items.forEach((item, i) => (item.create._id = ids[(i + 1) % ids.length] as string));
    }
    const errors = items.some((item) => item.create.status >= 300);
    const delayMs = fault?.kind === 'slow' ? fault.delayMs : 0;
    return json(200, { took: 1, errors, items }, delayMs, docs.length);
  }

  private createOne(
    doc: ReceivedDoc,
    requestNumber: number,
  ): { create: Record<string, unknown> & { _id: string; status: number } } {
    const key = `${doc.index}/${doc.id}`;
    const seen = this.seen.get(key) ?? 0;
    this.seen.set(key, seen + 1);
    const base = { _index: doc.index, _id: doc.id };
    const fault = this.options.itemFault?.(doc, seen);
    if (fault) {
      const error = { type: fault.type, reason: fault.reason, ...fault.extra };
      return { create: { ...base, status: fault.status, error } };
    }
    if (this.stored.has(key)) {
      const reason = `[${doc.id}]: version conflict, document already exists (current version [1])`;
      const error = { type: 'version_conflict_engine_exception', reason, index: doc.index, shard: '0' };
      return { create: { ...base, status: 409, error } };
    }
    this.stored.set(key, doc.source);
    this.storedBy.set(key, requestNumber);
    this.storeCount.set(key, (this.storeCount.get(key) ?? 0) + 1);
    return { create: { ...base, _version: 1, result: 'created', _seq_no: 0, _primary_term: 1, status: 201 } };
  }
}

export function errorBody(type: string, reason: string, status = 400): unknown {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}

/** Parses `create` action + source pairs; returns an error text for anything a real server would refuse. */
function parseCreates(text: string): ReceivedDoc[] | string {
  const lines = text.split('\n').slice(0, -1);
  const docs: ReceivedDoc[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    let action: unknown;
    try {
      action = JSON.parse(lines[i] as string);
    } catch {
      return `Malformed action/metadata line [${i + 1}]`;
    }
    const create = (action as { create?: { _index?: unknown; _id?: unknown } }).create;
    if (typeof create?._index !== 'string' || typeof create._id !== 'string') {
      return `Malformed action/metadata line [${i + 1}], expected a create with _index and _id`;
    }
    const source = lines[i + 1];
    if (source === undefined) return `action line [${i + 1}] has no source line`;
    docs.push({ index: create._index, id: create._id, source });
  }
  if (docs.length === 0) return 'Validation Failed: 1: no requests added;';
  return docs;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
