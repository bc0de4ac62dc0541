/**
 * A minimal bulk sink for the benchmarks, run in its own process: it accepts `_bulk` requests over HTTP
 * and answers every item `201 created`, so the benchmark measures our pipeline, not a server.
 * Prints its URL on stdout, then serves until killed. `GET /_bench/cpu` answers its own CPU time
 * (`{"cpuMs":…}`, with the count of single documents written, `documents`), so a benchmark can tell the sink's share of the machine from the pipeline's.
 *
 * It stands in for a cluster on other machines, so it does as little as it can: it finds each
 * action line by scanning for newlines and echoes its `_id` bytes as they are (no JSON parsing
 * unless an action line has an unexpected shape); the source lines are skipped, never decoded.
 */
import { createServer } from 'node:http';
import { SinkDocuments } from './bench-sink-documents.js';

const NEWLINE = 0x0a;
const ID_KEY = Buffer.from('"_id":');
const ITEM_HEAD = Buffer.from('{"create":{"_id":');
const ITEM_TAIL_FILTERED = Buffer.from(',"status":201}}');
const COMMA = Buffer.from(',');

/** The raw JSON string of the action's `_id` (quotes included), read without parsing the line. */
function idBytes(body: Buffer, start: number, end: number): Buffer {
  const key = body.indexOf(ID_KEY, start);
  if (key >= 0 && key < end) {
    const valueStart = key + ID_KEY.length;
    // Our sender writes `_id` last: `…,"_id":"<id>"}}`.
    if (
      body[valueStart] === 0x22 &&
      body[end - 1] === 0x7d &&
      body[end - 2] === 0x7d &&
      body[end - 3] === 0x22
    )
      return body.subarray(valueStart, end - 2);
  }
  const action = JSON.parse(body.toString('utf8', start, end)) as Record<string, { _id?: string }>;
  const meta = Object.values(action)[0];
  return Buffer.from(JSON.stringify(meta?._id ?? null));
}

/**
 * The answer to one `_bulk` body. With the pipeline's `filter_path` (`took`, `errors` and each item's
 * `_id`, `status`, `error`) only those keys are sent back, as OpenSearch does; any other request gets the
 * full answer (the sink is not a general implementation: the dev server is).
 */
function bulkAnswer(body: Buffer, filtered: boolean): Buffer {
  const parts: Buffer[] = [Buffer.from('{"took":1,"errors":false,"items":[')];
  const tail = filtered ? ITEM_TAIL_FILTERED : Buffer.from(',"_version":1,"result":"created","status":201}}');
  let at = 0;
  let first = true;
  while (at < body.length) {
    const actionEnd = body.indexOf(NEWLINE, at);
    if (actionEnd < 0) break;
    if (!first) parts.push(COMMA);
    first = false;
    parts.push(ITEM_HEAD, idBytes(body, at, actionEnd), tail);
    const sourceEnd = body.indexOf(NEWLINE, actionEnd + 1);
    at = sourceEnd < 0 ? body.length : sourceEnd + 1;
  }
  parts.push(Buffer.from(']}'));
  return Buffer.concat(parts);
}

const PIPELINE_FILTER = 'took,errors,items.*._id,items.*.status,items.*.error';

const documents = new SinkDocuments();
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    response.setHeader('content-type', 'application/json');
    if (request.url?.startsWith('/_bulk')) {
      const filter = new URL(request.url, 'http://sink').searchParams.get('filter_path');
      response.end(bulkAnswer(Buffer.concat(chunks), filter === PIPELINE_FILTER));
      return;
    }
    // The ledger's requests (npm run bench -- --ledger), answered as a cluster does.
    const single = documents.answer(request.method ?? 'GET', request.url ?? '/', Buffer.concat(chunks));
    if (single) {
      response.statusCode = single.status;
      response.end(single.body);
    } else if (request.url === '/_bench/cpu') {
      const { user, system } = process.cpuUsage();
      response.end(JSON.stringify({ cpuMs: (user + system) / 1000, documents: documents.count }));
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
