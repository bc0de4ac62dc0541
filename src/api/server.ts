/**
 * The query API over local HTTP (`cloudtrail-opensearch serve`): each GET goes to QueryApi; a failure
 * to reach the cluster is a 502 that says why. Requests carry no body (anything sent is not read).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorAnswer, type ApiResponse, type QueryApi } from './queryApi.js';

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

/** How a failed call to the cluster reads in a 502; the default is the error's own message. */
export type FailureDescriber = (error: unknown) => string;

export async function startApiServer(
  api: QueryApi,
  port: number,
  host: string,
  describeFailure: FailureDescriber = (error) => (error as Error).message,
): Promise<ApiServer> {
  const server: Server = createServer((request, response) => {
    void answer(api, request, response, describeFailure);
  });
  // A slow or idle client must not hold a socket for ever.
  server.requestTimeout = 60_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(
  api: QueryApi,
  request: IncomingMessage,
  response: ServerResponse,
  describeFailure: FailureDescriber,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  let answer: ApiResponse;
  try {
    answer = await api.handle({
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
    });
  } catch (error) {
    answer = errorAnswer(502, `the cluster did not answer the query: ${describeFailure(error)}`);
  }
  const { status, body } = answer;
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}
