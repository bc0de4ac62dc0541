/**
 * Small local stand-ins for the three AWS APIs alerts call, spoken to by the real SDK clients (pointed
 * here with AWS_ENDPOINT_URL_SNS / _SECRETS_MANAGER / _SSM): SNS Publish (query protocol, XML answer),
 * Secrets Manager GetSecretValue and SSM GetParameter (JSON protocol). They keep what was published.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Published {
  topicArn: string;
  subject: string;
  message: string;
}

export class AwsStandIns {
  readonly published: Published[] = [];
  /** Secret values by id or name, and SSM parameters by name. */
  readonly secrets = new Map<string, string>();
  readonly parameters = new Map<string, string>();
  /** How many times a secret or parameter was read (the webhook URL is read once per container). */
  secretReads = 0;
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<AwsStandIns> {
    // The server's handler needs the instance, which needs the server's port.
    const made: { self?: AwsStandIns } = {};
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const target = request.headers['x-amz-target'];
        const json = (status: number, value: unknown) =>
          response
            .writeHead(status, { 'content-type': 'application/x-amz-json-1.1' })
            .end(JSON.stringify(value));
        if (target === 'secretsmanager.GetSecretValue') {
          made.self!.secretReads++;
          const id = (JSON.parse(body) as { SecretId: string }).SecretId;
          const value = made.self!.secrets.get(id);
          if (value === undefined)
            return json(400, {
              __type: 'ResourceNotFoundException',
              message: `Secrets Manager can't find the specified secret.`,
            });
          return json(200, { ARN: id, Name: id, SecretString: value, VersionId: 'v1' });
        }
        if (target === 'AmazonSSM.GetParameter') {
          made.self!.secretReads++;
          const name = (JSON.parse(body) as { Name: string }).Name;
          const value = made.self!.parameters.get(name);
          if (value === undefined) return json(400, { __type: 'ParameterNotFound', message: '' });
          return json(200, { Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1 } });
        }
        const form = new URLSearchParams(body);
        if (form.get('Action') === 'Publish') {
          made.self!.published.push({
            topicArn: form.get('TopicArn') ?? '',
            subject: form.get('Subject') ?? '',
            message: form.get('Message') ?? '',
          });
          const id = `msg-${made.self!.published.length}`;
          response
            .writeHead(200, { 'content-type': 'text/xml' })
            .end(
              `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${id}</MessageId></PublishResult><ResponseMetadata><RequestId>r-${id}</RequestId></ResponseMetadata></PublishResponse>`,
            );
          return;
        }
        response.writeHead(400).end('unknown call');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    made.self = new AwsStandIns(server, `http://127.0.0.1:${port}`);
    return made.self;
  }

  /** Environment that points the SDK clients here (credentials: any, e.g. test/helpers/s3server.ts's). */
  env(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_SNS: this.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: this.url,
      AWS_ENDPOINT_URL_SSM: this.url,
    };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
