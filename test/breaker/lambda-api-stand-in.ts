/**
 * A local stand-in for the parts of the AWS Lambda API the circuit breaker calls (REST-JSON, as the real
 * service answers them): UpdateEventSourceMapping and PutFunctionConcurrency, holding the state they
 * change so tests can check the outcome. `failNext` makes the next requests fail with a Lambda error,
 * `stalling` makes every request wait without an answer (until the client gives up or the stand-in stops).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LambdaError {
  readonly status: number;
  /** The x-amzn-ErrorType the SDK maps to an exception, e.g. TooManyRequestsException. */
  readonly type: string;
}

export class LambdaApiStandIn {
  /** Event source mapping UUID -> enabled. */
  readonly mappings = new Map<string, boolean>();
  /** Function name -> reserved concurrency. */
  readonly concurrency = new Map<string, number>();
  private readonly failures: LambdaError[] = [];
  stalling = false;
  /** Requests that arrived, answered or not. */
  requests = 0;
  private server: Server | undefined;
  url = '';

  failNext(count: number, error: LambdaError): void {
    for (let i = 0; i < count; i++) this.failures.push(error);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body =
      chunks.length > 0
        ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
        : {};
    this.requests++;
    if (this.stalling) return;
    const failure = this.failures.shift();
    if (failure) return send(res, failure.status, { message: `stand-in ${failure.type}` }, failure.type);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const mapping = /^\/2015-03-31\/event-source-mappings\/([^/]+)$/.exec(url.pathname);
    if (mapping && req.method === 'PUT') {
      const uuid = decodeURIComponent(mapping[1]!);
      if (!this.mappings.has(uuid))
        return send(
          res,
          404,
          { message: `Event source mapping ${uuid} not found` },
          'ResourceNotFoundException',
        );
      const enabled = body['Enabled'] === true;
      this.mappings.set(uuid, enabled);
      return send(res, 202, { UUID: uuid, State: enabled ? 'Enabling' : 'Disabling' });
    }
    const fn = /^\/2017-10-31\/functions\/([^/]+)\/concurrency$/.exec(url.pathname);
    if (fn && req.method === 'PUT') {
      const value = body['ReservedConcurrentExecutions'];
      if (typeof value !== 'number')
        return send(res, 400, { message: 'bad request' }, 'InvalidParameterValueException');
      this.concurrency.set(decodeURIComponent(fn[1]!), value);
      return send(res, 200, { ReservedConcurrentExecutions: value });
    }
    send(res, 404, { message: `no route ${req.method} ${url.pathname}` }, 'ResourceNotFoundException');
  }
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(text);
}
