/**
 * Both Lambdas explain a refused or unusable cluster in the same words as the CLI (the one
 * error-description module), never as the client's bare `Response Error`, and name the variable to
 * change (OPENSEARCH_ENDPOINT) rather than a CLI option.
 */
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { handler as cleanupHandler } from '../../cleanup/index.js';
import { handler as indexerHandler, resetForTests } from '../../index.js';
import { startDevServer, type DevServer } from '../../devserver/index.js';

const VARIABLES = ['OPENSEARCH_ENDPOINT', 'KEEP_DAYS', 'LOG_LEVEL', 'AWS_REGION', 'S3_ENDPOINT'];

function context(): Context {
  return { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'test', functionName: 'x' } as Context;
}

const s3Event = {
  Records: [
    {
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      s3: {
        bucket: { name: 'trail' },
        object: {
          key: 'AWSLogs/1/CloudTrail/us-east-1/2024/05/01/1_CloudTrail_us-east-1_20240501T1000Z_a.json.gz',
          size: 10,
        },
      },
    },
  ],
};

/** A web server that answers every request with a 404 HTML page: something that is not OpenSearch. */
async function startWebPage(): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(404, { 'content-type': 'text/html' });
    response.end('<html><body>Not Found</body></html>');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('Lambda errors: described like the CLI', function () {
  this.timeout(60_000);
  let server: DevServer;
  const saved = new Map<string, string | undefined>();

  before(async () => {
    server = await startDevServer({ port: 0 });
    for (const name of VARIABLES) saved.set(name, process.env[name]);
  });
  after(async () => {
    await server?.close();
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetForTests();
  });
  afterEach(() => server.faults.clear());

  it('cleanup: a 403 from fine-grained access control names the role and how to map it', async () => {
    Object.assign(process.env, { OPENSEARCH_ENDPOINT: server.url, KEEP_DAYS: '30', LOG_LEVEL: 'ERROR' });
    const role = 'arn:aws:iam::111122223333:role/cleanup';
    server.faults.add({ fault: { kind: 'forbidden', user: role }, path: '/_cat/*' });
    await assert.rejects(cleanupHandler(), (error: Error) => {
      assert.ok(
        error.message.includes(`${server.url} refused the request (HTTP 403, auth none)`),
        error.message,
      );
      assert.ok(error.message.includes(`the IAM role ${role} is not mapped`), error.message);
      return true;
    });
  });

  it('cleanup: nothing listening names OPENSEARCH_ENDPOINT', async () => {
    Object.assign(process.env, {
      OPENSEARCH_ENDPOINT: 'http://127.0.0.1:1',
      KEEP_DAYS: '30',
      LOG_LEVEL: 'ERROR',
    });
    await assert.rejects(
      cleanupHandler(),
      /cannot connect to 127\.0\.0\.1:1: connection refused .*OPENSEARCH_ENDPOINT/,
    );
  });

  it('cleanup: an endpoint that is not OpenSearch says so and names OPENSEARCH_ENDPOINT', async () => {
    const web = await startWebPage();
    try {
      Object.assign(process.env, { OPENSEARCH_ENDPOINT: web.url, KEEP_DAYS: '30', LOG_LEVEL: 'ERROR' });
      await assert.rejects(cleanupHandler(), (error: Error) => {
        assert.ok(
          error.message.includes(`${web.url} does not look like OpenSearch or Elasticsearch`),
          error.message,
        );
        assert.match(error.message, /Check OPENSEARCH_ENDPOINT is the cluster's REST endpoint/);
        assert.ok(!error.message.includes('Response Error'), error.message);
        return true;
      });
    } finally {
      web.server.close();
    }
  });

  it('indexer: an endpoint that is not OpenSearch says so and names OPENSEARCH_ENDPOINT', async () => {
    const web = await startWebPage();
    try {
      const url = web.url;
      Object.assign(process.env, { OPENSEARCH_ENDPOINT: url, LOG_LEVEL: 'ERROR', AWS_REGION: 'us-east-1' });
      resetForTests();
      await assert.rejects(indexerHandler(s3Event, context()), (error: Error) => {
        assert.ok(
          error.message.includes(`${url} does not look like OpenSearch or Elasticsearch`),
          error.message,
        );
        assert.match(error.message, /Check OPENSEARCH_ENDPOINT is the cluster's REST endpoint/);
        return true;
      });
    } finally {
      web.server.close();
      resetForTests();
    }
  });
});
