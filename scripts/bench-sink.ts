/**
 * A minimal bulk sink for the benchmark, run in its own process: it accepts `_bulk` requests over HTTP
 * and answers every item `201 created`, so the benchmark measures our pipeline, not a server.
 * Prints its URL on stdout, then serves until killed.
 */
import { createServer } from 'node:http';

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    response.setHeader('content-type', 'application/json');
    if (request.url?.startsWith('/_bulk')) {
      const lines = Buffer.concat(chunks).toString('utf8').split('\n');
      const items: unknown[] = [];
      // Action lines are the even ones; each names the index and id the answer must echo.
      for (let i = 0; i + 1 < lines.length; i += 2) {
        const action = JSON.parse(lines[i]!) as { create: { _index: string; _id: string } };
        items.push({
          create: {
            _index: action.create._index,
            _id: action.create._id,
            _version: 1,
            result: 'created',
            status: 201,
          },
        });
      }
      response.end(JSON.stringify({ took: 1, errors: false, items }));
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
