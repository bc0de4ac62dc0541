/**
 * A minimal bulk sink for the benchmarks, run in its own process: it accepts `_bulk` requests over HTTP
 * and answers every item `201 created`, so the benchmark measures our pipeline, not a server.
 * Prints its URL on stdout, then serves until killed. `GET /_bench/cpu` answers its own CPU time
 * (`{"cpuMs":…}`), so a benchmark can tell the sink's share of the machine from the pipeline's.
 *
 * It reads only what the answer needs: each action line (to echo `_index`/`_id`), found by scanning
 * the body's bytes for newlines; the source lines are skipped, never decoded.
 */
import { createServer } from 'node:http';

const NEWLINE = 0x0a;

/**
 * The answer to one `_bulk` body. With `filter_path` (the pipeline asks for `took`, `errors` and each item's
 * `_id`, `status`, `error`) only those keys are sent back, as OpenSearch does; any other filter gets the
 * full answer (the sink is not a general implementation: the dev server is).
 */
function bulkAnswer(body: Buffer, filtered: boolean): string {
  const items: string[] = [];
  let at = 0;
  while (at < body.length) {
    const actionEnd = body.indexOf(NEWLINE, at);
    if (actionEnd < 0) break;
    const action = JSON.parse(body.toString('utf8', at, actionEnd)) as {
      create: { _index: string; _id: string };
    };
    items.push(
      filtered
        ? `{"create":{"_id":${JSON.stringify(action.create._id)},"status":201}}`
        : `{"create":{"_index":${JSON.stringify(action.create._index)},"_id":${JSON.stringify(action.create._id)},"_version":1,"result":"created","status":201}}`,
    );
    const sourceEnd = body.indexOf(NEWLINE, actionEnd + 1);
    at = sourceEnd < 0 ? body.length : sourceEnd + 1;
  }
  return `{"took":1,"errors":false,"items":[${items.join(',')}]}`;
}

const PIPELINE_FILTER = 'took,errors,items.*._id,items.*.status,items.*.error';

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    response.setHeader('content-type', 'application/json');
    if (request.url?.startsWith('/_bulk')) {
      const filter = new URL(request.url, 'http://sink').searchParams.get('filter_path');
      response.end(bulkAnswer(Buffer.concat(chunks), filter === PIPELINE_FILTER));
    } else if (request.url === '/_bench/cpu') {
      const { user, system } = process.cpuUsage();
      response.end(JSON.stringify({ cpuMs: (user + system) / 1000 }));
    } else {
      response.end(
        JSON.stringify({ version: { number: '2.19.0', distribution: 'opensearch' }, acknowledged: true }),
      );
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(`http://127.0.0.1:${address.port}\n`);
});
