/**
 * A real Kinesis-compatible server (kinesalite, in memory) on a random loopback port, read back through the
 * AWS SDK like a consumer would; and a proxy in front of it that throttles chosen records of PutRecords
 * calls the way Kinesis does (the record is not stored, its result carries the error code).
 */
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import kinesalite from 'kinesalite';

export interface StoredRecord {
  data: Buffer;
  partitionKey: string;
}

export interface LocalKinesis {
  endpoint: string;
  client: KinesisClient;
  createStream(name: string, shards?: number): Promise<void>;
  /** Every record in the stream, shard by shard, as a consumer reading from the start gets them. */
  readAll(name: string): Promise<StoredRecord[]>;
  close(): Promise<void>;
}

export async function startKinesis(): Promise<LocalKinesis> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 });
  const endpoint = await listen(server);
  // The consumer's own client: GetRecords answers are far larger than the producer's bound on PutRecords'.
  const client = new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
  return {
    endpoint,
    client,
    async createStream(name, shards = 2) {
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
      for (;;) {
        const described = await client.send(new DescribeStreamCommand({ StreamName: name }));
        if (described.StreamDescription?.StreamStatus === 'ACTIVE') return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async readAll(name) {
      const described = await client.send(new DescribeStreamCommand({ StreamName: name }));
      const records: StoredRecord[] = [];
      for (const shard of described.StreamDescription?.Shards ?? []) {
        const start = await client.send(
          new GetShardIteratorCommand({
            StreamName: name,
            ShardId: shard.ShardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        );
        let iterator = start.ShardIterator;
        while (iterator) {
          const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
          for (const record of page.Records ?? [])
            records.push({
              data: Buffer.from(record.Data ?? new Uint8Array()),
              partitionKey: record.PartitionKey ?? '',
            });
          if ((page.Records ?? []).length === 0) break;
          iterator = page.NextShardIterator;
        }
      }
      return records;
    },
    async close() {
      client.destroy();
      await closeServer(server);
    },
  };
}

export interface ThrottlingProxy {
  endpoint: string;
  /** Records refused with ProvisionedThroughputExceededException so far. */
  readonly throttled: number;
  /** PutRecords calls answered with a 400 ProvisionedThroughputExceededException as a whole so far. */
  readonly throttledCalls: number;
  close(): Promise<void>;
}

interface PutRecordsBody {
  Records: unknown[];
}

/**
 * Forwards everything to `target`. In a PutRecords call, each record is refused with probability
 * `recordShare` (drawn from `random`): it is taken out of the forwarded call and its result becomes
 * `ProvisionedThroughputExceededException`, as Kinesis answers. The first `callsToRefuse` calls are
 * refused whole. Every PutRecords call is held `delayMs` first (a slow stream).
 */
export async function startThrottlingProxy(
  target: string,
  options: { random: () => number; recordShare: number; callsToRefuse?: number; delayMs?: number },
): Promise<ThrottlingProxy> {
  let throttled = 0;
  let throttledCalls = 0;
  // Calls being handled: close() waits for them, since a call forwarded for a client that has died
  // (killed mid-run) still stores its records.
  const handling = new Set<Promise<void>>();
  const server = createServer((incoming, outgoing) => {
    const handled = (async () => {
      const body = await readBody(incoming);
      const operation = String(incoming.headers['x-amz-target'] ?? '');
      if (!operation.endsWith('.PutRecords')) {
        const answer = await forward(target, incoming, body);
        outgoing.writeHead(answer.status, answer.headers).end(answer.body);
        return;
      }
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      if (throttledCalls < (options.callsToRefuse ?? 0)) {
        throttledCalls++;
        outgoing.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end(
          JSON.stringify({
            __type: 'ProvisionedThroughputExceededException',
            message: 'Rate exceeded for stream',
          }),
        );
        return;
      }
      const call = JSON.parse(body.toString('utf8')) as PutRecordsBody;
      const refused = call.Records.map(() => options.random() < options.recordShare);
      const kept = call.Records.filter((_, position) => !refused[position]);
      let results: unknown[] = [];
      if (kept.length > 0) {
        const answer = await forward(
          target,
          incoming,
          Buffer.from(JSON.stringify({ ...call, Records: kept })),
        );
        if (answer.status !== 200) {
          outgoing.writeHead(answer.status, answer.headers).end(answer.body);
          return;
        }
        results = (JSON.parse(answer.body.toString('utf8')) as { Records: unknown[] }).Records;
      }
      let next = 0;
      let failed = 0;
      const merged = refused.map((isRefused) => {
        if (!isRefused) return results[next++];
        failed++;
        return {
          ErrorCode: 'ProvisionedThroughputExceededException',
          ErrorMessage: 'Rate exceeded for shard shardId-000000000000 in stream under account 000000000000.',
        };
      });
      throttled += failed;
      outgoing
        .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
        .end(JSON.stringify({ FailedRecordCount: failed, Records: merged }));
    })().catch((error: unknown) => void outgoing.destroy(error as Error));
    handling.add(handled);
    void handled.finally(() => handling.delete(handled));
  });
  const endpoint = await listen(server);
  return {
    endpoint,
    get throttled() {
      return throttled;
    },
    get throttledCalls() {
      return throttledCalls;
    },
    async close() {
      await Promise.allSettled([...handling]);
      await closeServer(server);
    },
  };
}

async function readBody(message: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function forward(
  target: string,
  incoming: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const url = new URL(incoming.url ?? '/', target);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (typeof value === 'string' && name !== 'content-length' && name !== 'host') headers[name] = value;
  }
  headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: incoming.method, headers }, (answer) => {
      readBody(answer).then(
        (answerBody) =>
          resolve({
            status: answer.statusCode ?? 502,
            headers: { 'content-type': String(answer.headers['content-type'] ?? 'application/json') },
            body: answerBody,
          }),
        reject,
      );
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}
