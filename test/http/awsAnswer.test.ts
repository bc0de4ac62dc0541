/**
 * What the product's AWS SDK clients read is bounded in time and size (src/http/awsAnswer.ts), through
 * the real clients the product builds (SQS, Kinesis, S3) against a local HTTP server that plays a
 * hostile endpoint: an answer whose body trickles after its headers, a body that is too large, a
 * connection reset half-way through a body.
 */
import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { readAtMost } from '../../src/http/awsAnswer.js';
import { makeKinesisClient } from '../../src/kinesis/client.js';
import { MAX_ANSWER_BYTES as MAX_KINESIS_ANSWER_BYTES } from '../../src/kinesis/limits.js';
import { makeQueueClient } from '../../src/queue/client.js';
import { s3Client } from '../../src/source/s3.js';
import { MAX_S3_ANSWER_BYTES } from '../../src/http/s3Handler.js';

const MIB = 1024 * 1024;

/** How the fake endpoint answers every request. */
type Behaviour = 'trickle' | 'huge' | 'reset' | 'object';

interface FakeEndpoint {
  url: string;
  requests: number;
  behaviour: Behaviour;
  close(): Promise<void>;
}

async function startFakeEndpoint(): Promise<FakeEndpoint> {
  const sockets = new Set<Socket>();
  const endpoint: FakeEndpoint = { url: '', requests: 0, behaviour: 'huge', close: async () => {} };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      endpoint.requests++;
      const json = request.headers['x-amz-target'] !== undefined;
      response.setHeader('content-type', json ? 'application/x-amz-json-1.1' : 'application/xml');
      switch (endpoint.behaviour) {
        case 'trickle': {
          // Headers at once, then a byte every 200 ms: never idle, never done.
          response.writeHead(200);
          const timer = setInterval(() => response.write(' '), 200);
          response.on('close', () => clearInterval(timer));
          return;
        }
        case 'huge': {
          // A valid start, then 20 MiB of padding, sent as fast as the socket takes it.
          response.writeHead(200);
          response.write(json ? '{"Records":[' : '<?xml version="1.0"?><ListBucketResult>');
          response.end(Buffer.alloc(20 * MIB, 0x20));
          return;
        }
        case 'reset': {
          response.writeHead(200, { 'content-length': '1000' });
          response.write(json ? '{"Records":[' : '<ListBucketResult>');
          setTimeout(() => request.socket.destroy(), 100);
          return;
        }
        case 'object': {
          // An object body larger than any bound on answers: an object is streamed, not bounded here.
          response.writeHead(200, {
            'content-type': 'application/octet-stream',
            'content-length': String(20 * MIB),
          });
          response.end(Buffer.alloc(20 * MIB, 0x61));
          return;
        }
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  endpoint.close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return endpoint;
}

describe('AWS answers: deadline and size bound on every attempt (real SDK clients, hostile endpoint)', function () {
  this.timeout(60_000);
  let endpoint: FakeEndpoint;
  // Read when the tests start, not when the file loads: a file loaded after this one (the s3rver helper)
  // may set the credentials in between, and deleting them afterwards would break its tests.
  const saved: { id?: string; secret?: string } = {};

  before(async () => {
    saved.id = process.env.AWS_ACCESS_KEY_ID;
    saved.secret = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    endpoint = await startFakeEndpoint();
  });
  after(async () => {
    await endpoint?.close();
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  });
  beforeEach(() => {
    endpoint.requests = 0;
  });

  const queue = () =>
    makeQueueClient({ queueUrl: `${endpoint.url}/000000000000/q`, requestTimeoutMs: 1_000 });
  const sendBatch = () =>
    new SendMessageBatchCommand({
      QueueUrl: `${endpoint.url}/000000000000/q`,
      Entries: [{ Id: '1', MessageBody: 'x' }],
    });
  const kinesis = () =>
    makeKinesisClient({ endpoint: endpoint.url, region: 'us-east-1', requestTimeoutMs: 1_000 });
  const putRecords = () =>
    new PutRecordsCommand({ StreamName: 's', Records: [{ Data: Buffer.from('x'), PartitionKey: 'k' }] });

  it('SQS: a body trickled after its headers fails each attempt at its deadline (retried, then given up)', async () => {
    endpoint.behaviour = 'trickle';
    const client = queue();
    try {
      await assert.rejects(client.send(sendBatch()), (error: Error) => {
        assert.equal(error.name, 'TimeoutError', error.message);
        assert.match(error.message, /SQS (answer not complete before the deadline|did not answer within)/);
        return true;
      });
      assert.equal(endpoint.requests, 6, 'every attempt of the SDK was cut at its deadline');
    } finally {
      client.destroy();
    }
  });

  it('SQS and Kinesis: an answer over the bound fails at once, and is not asked for again', async () => {
    endpoint.behaviour = 'huge';
    const sqs = queue();
    const stream = kinesis();
    try {
      await assert.rejects(sqs.send(sendBatch()), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERESPONSETOOLARGE', error.message);
        assert.match(error.message, /^SQS answer larger than 1048576 bytes/);
        return true;
      });
      assert.equal(endpoint.requests, 1);
      await assert.rejects(stream.send(putRecords()), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERESPONSETOOLARGE', error.message);
        assert.match(
          error.message,
          new RegExp(`^Kinesis answer larger than ${MAX_KINESIS_ANSWER_BYTES} bytes`),
        );
        return true;
      });
      assert.equal(endpoint.requests, 2);
    } finally {
      sqs.destroy();
      stream.destroy();
    }
  });

  it('Kinesis: a connection reset half-way through the body fails the call instead of leaving it waiting', async () => {
    endpoint.behaviour = 'reset';
    // A deadline far beyond the test's own: only the reset itself can end this call in time.
    const stream = makeKinesisClient({
      endpoint: endpoint.url,
      region: 'us-east-1',
      requestTimeoutMs: 600_000,
    });
    try {
      await assert.rejects(stream.send(putRecords()));
      assert.equal(endpoint.requests, 1);
    } finally {
      stream.destroy();
    }
  });

  it('S3: a ListObjectsV2 page over the bound fails; an object body as large is streamed whole', async () => {
    const s3 = s3Client({ endpoint: endpoint.url, requestTimeoutMs: 5_000 });
    try {
      endpoint.behaviour = 'huge';
      await assert.rejects(
        s3.send(new ListObjectsV2Command({ Bucket: 'b' })),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'ERESPONSETOOLARGE', error.message);
          assert.match(error.message, new RegExp(`^S3 answer larger than ${MAX_S3_ANSWER_BYTES} bytes`));
          return true;
        },
      );
      assert.equal(endpoint.requests, 1, 'not retried');

      endpoint.behaviour = 'object';
      const object = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k.json.gz' }));
      let bytes = 0;
      for await (const chunk of object.Body as Readable) bytes += (chunk as Buffer).length;
      assert.equal(bytes, 20 * MIB);

      // Code that holds a whole object reads it within its own bound, and stops there.
      const again = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k.json.gz' }));
      await assert.rejects(readAtMost(again.Body as Readable, MIB, 's3://b/k.json.gz'), (error: Error) => {
        assert.equal(error.message, 's3://b/k.json.gz: more than 1048576 bytes');
        return true;
      });
    } finally {
      s3.destroy();
    }
  });
});
