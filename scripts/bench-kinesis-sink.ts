/**
 * The benchmark's Kinesis sink (`--kinesis null`): answers every PutRecords call with success for each
 * of its records, keeps nothing, and prints its URL. It stands for a stream with enough shards, so the
 * bench measures what the pipeline spends on the second destination (framing, base64, the calls), not
 * a local server's storage. Run as its own process (bench.ts starts it) so its CPU is not the pipeline's.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let records = 0;
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Records?: unknown[] };
    const count = call.Records?.length ?? 0;
    records += count;
    const results = Array.from({ length: count }, (_, position) => ({
      SequenceNumber: String(records - count + position),
      ShardId: 'shardId-000000000000',
    }));
    response
      .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
      .end(JSON.stringify({ FailedRecordCount: 0, Records: results }));
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
