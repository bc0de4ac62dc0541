/**
 * A local SQS endpoint answering SendMessageBatch in the AWS JSON 1.0 protocol the real SDK client
 * speaks (`X-Amz-Target: AmazonSQS.SendMessageBatch`), with the MD5 of each body the client checks.
 * It keeps what it accepted, and can refuse entries: a transient refusal (SenderFault false) of a
 * body's first `transientRefusals` attempts, a permanent one (SenderFault true) of bodies matching
 * `rejectBodies`; an unknown queue path is refused as QueueDoesNotExist.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestQueue {
  url: string;
  /** A queue URL on this server that does not exist. */
  missingUrl: string;
  /** Bodies accepted, in order. */
  received: string[];
  /** SendMessageBatch calls answered. */
  calls: number;
  transientRefusals: number;
  rejectBodies?: RegExp;
  close(): Promise<void>;
}

interface Entry {
  Id: string;
  MessageBody: string;
}

const QUEUE_PATH = '/000000000000/indexer-queue';

export async function startQueue(): Promise<TestQueue> {
  const attempts = new Map<string, number>();
  const queue: TestQueue = {
    url: '',
    missingUrl: '',
    received: [],
    calls: 0,
    transientRefusals: 0,
    close: async () => {},
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.setHeader('content-type', 'application/x-amz-json-1.0');
      const target = String(request.headers['x-amz-target'] ?? '');
      const input = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
        QueueUrl?: string;
        Entries?: Entry[];
      };
      const refuse = (type: string, message: string) => {
        response.statusCode = 400;
        response.end(JSON.stringify({ __type: `com.amazonaws.sqs#${type}`, message }));
      };
      if (target !== 'AmazonSQS.SendMessageBatch') return refuse('InvalidAction', target);
      if (!input.QueueUrl?.endsWith(QUEUE_PATH))
        return refuse('QueueDoesNotExist', 'The specified queue does not exist.');
      queue.calls++;
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const entry of input.Entries ?? []) {
        const attempt = (attempts.get(entry.MessageBody) ?? 0) + 1;
        attempts.set(entry.MessageBody, attempt);
        if (queue.rejectBodies?.test(entry.MessageBody)) {
          Failed.push({
            Id: entry.Id,
            SenderFault: true,
            Code: 'InvalidMessageContents',
            Message: 'refused',
          });
        } else if (attempt <= queue.transientRefusals) {
          Failed.push({ Id: entry.Id, SenderFault: false, Code: 'InternalError', Message: 'try again' });
        } else {
          queue.received.push(entry.MessageBody);
          Successful.push({
            Id: entry.Id,
            MessageId: randomUUID(),
            MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex'),
          });
        }
      }
      response.end(JSON.stringify({ Successful, Failed }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  queue.url = `http://127.0.0.1:${port}${QUEUE_PATH}`;
  queue.missingUrl = `http://127.0.0.1:${port}/000000000000/no-such-queue`;
  queue.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return queue;
}

/** The SQS event the queue's event source mapping would hand the indexer Lambda for these bodies. */
export function sqsEvent(bodies: string[]) {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `message-${index}`,
      receiptHandle: `receipt-${index}`,
      body,
      attributes: {},
      messageAttributes: {},
      md5OfBody: createHash('md5').update(body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:indexer-queue',
      awsRegion: 'us-east-1',
    })),
  };
}
