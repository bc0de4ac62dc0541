/**
 * A local Slack incoming webhook: records every JSON body it is sent (with when it arrived), and can be
 * told to answer 429 with Retry-After, or 500, for the next requests or for all of them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  body: {
    text?: string;
    blocks?: {
      type: string;
      text?: { text?: string };
      fields?: { text: string }[];
      elements?: { text: string }[];
    }[];
  };
  atMs: number;
}

export type Answer = { status: 200 } | { status: 429; retryAfterSeconds: number } | { status: 500 };

export class WebhookReceiver {
  /** Messages answered 200 (the ones Slack would show). */
  readonly accepted: Received[] = [];
  /** Every request, whatever the answer. */
  readonly requests: Received[] = [];
  /** Answers for the next requests, in order; then `always`. */
  readonly next: Answer[] = [];
  always: Answer = { status: 200 };
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    // The server's handler needs the instance, which needs the server's port.
    const made: { receiver?: WebhookReceiver } = {};
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const received = {
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'],
          atMs: performance.now(),
        };
        made.receiver!.requests.push(received);
        const answer = made.receiver!.next.shift() ?? made.receiver!.always;
        if (answer.status === 200) made.receiver!.accepted.push(received);
        const headers: Record<string, string> = { 'content-type': 'text/plain' };
        if (answer.status === 429) headers['retry-after'] = String(answer.retryAfterSeconds);
        response
          .writeHead(answer.status, headers)
          .end(answer.status === 200 ? 'ok' : answer.status === 429 ? 'rate_limited' : 'internal_error');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    made.receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}/services/T000/B000/XXXXSECRETPART`);
    return made.receiver;
  }

  reset(): void {
    this.accepted.length = 0;
    this.requests.length = 0;
    this.next.length = 0;
    this.always = { status: 200 };
  }

  /** The header texts of the accepted messages, e.g. `CRITICAL: Root user activity`. */
  headers(): string[] {
    return this.accepted.map((m) => m.body.blocks?.find((b) => b.type === 'header')?.text?.text ?? '');
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
