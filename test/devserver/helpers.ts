/** HTTP helpers for the dev server conformance tests: real requests over fetch, parsed replies. */
import { startDevServer, type DevServer, type DevServerOptions } from '../../devserver/index.js';

export interface Answer {
  status: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** Sends a request; objects are sent as JSON, strings as given (NDJSON for `_bulk` paths). */
export async function call(
  server: DevServer,
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    headers['content-type'] =
      contentType ?? (path.includes('_bulk') ? 'application/x-ndjson' : 'application/json');
  }
  const response = await fetch(server.url + path, { method, headers, body: payload });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined; // not JSON (HTML gateway pages, text tables)
  }
  return { status: response.status, text, body: parsed };
}

/** NDJSON with the mandatory trailing newline. */
export function ndjson(...lines: unknown[]): string {
  return lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n';
}

/** Bulk-indexes documents into `index` with ids d0, d1, ... and refreshes. */
export async function seed(server: DevServer, index: string, docs: unknown[]): Promise<Answer> {
  const lines = docs.flatMap((doc, i) => [{ index: { _index: index, _id: `d${i}` } }, doc]);
  return call(server, 'POST', '/_bulk?refresh=true', ndjson(...lines));
}

/** Starts a server on a free port for one describe block. */
export function useServer(options: DevServerOptions = {}): () => DevServer {
  let server: DevServer | undefined;
  before(async () => {
    server = await startDevServer({ port: 0, ...options });
  });
  after(async () => {
    await server?.close();
  });
  return () => server!;
}
