/**
 * `index s3://bucket/prefix` for a bucket in another region than the one the CLI starts from. A regional
 * front in front of s3rver answers as S3 does to a request signed for the wrong region (301 with
 * x-amz-bucket-region) and passes the rest through; the CLI runs as a child process with the real AWS
 * SDK. Also the region the S3 client starts from: --region, $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1.
 */
import { strict as assert } from 'node:assert';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { s3Client } from '../../src/source/s3.js';
import { cliWithEnv, summaryNumber } from '../helpers/cli.js';
import { SAMPLES_DIR } from '../helpers/samples.js';
import { startS3, type TestS3 } from '../helpers/s3server.js';

const BUCKET_REGION = 'eu-west-1';

/** S3 as seen from outside the bucket's region: wrong-region requests are redirected, the rest served. */
class RegionalFront {
  /** The region each request was signed for, in arrival order. */
  readonly signedFor: string[] = [];
  private server: Server | undefined;
  url = '';

  constructor(private readonly backend: string) {}

  async start(): Promise<void> {
    const backend = new URL(this.backend);
    this.server = createServer((req, res) => {
      const region =
        /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
      this.signedFor.push(region);
      if (region !== BUCKET_REGION) {
        req.resume();
        res.writeHead(301, { 'content-type': 'application/xml', 'x-amz-bucket-region': BUCKET_REGION });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>The bucket ' +
            'you are attempting to access must be addressed using the specified endpoint.</Message></Error>',
        );
        return;
      }
      // The signature covers the host header: it is passed on unchanged, as are the path and body.
      const forward = request(
        {
          host: backend.hostname,
          port: backend.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

describe('S3 region: where the client starts, and a bucket in another region (s3rver behind a regional front)', function () {
  this.timeout(180_000);
  let server: DevServer;
  let s3: TestS3;
  let front: RegionalFront;

  before(async () => {
    server = await startDevServer({ port: 0 });
    s3 = await startS3();
    await s3.createBucket('trail');
    await s3.uploadTree('trail', SAMPLES_DIR);
    front = new RegionalFront(s3.endpoint);
    await front.start();
  });
  after(async () => {
    await front?.stop();
    await server?.close();
    await s3?.close();
  });

  it('starts from --region, else $AWS_REGION, else $AWS_DEFAULT_REGION, else us-east-1', async () => {
    const regionOf = (region: string | undefined, env: NodeJS.ProcessEnv) =>
      s3Client({ region }, env).config.region();
    const both = { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-central-1' };
    assert.equal(await regionOf('ap-south-1', both), 'ap-south-1');
    assert.equal(await regionOf(undefined, both), 'eu-west-1');
    assert.equal(await regionOf(undefined, { AWS_DEFAULT_REGION: 'eu-central-1' }), 'eu-central-1');
    assert.equal(
      await regionOf(undefined, { AWS_REGION: '', AWS_DEFAULT_REGION: 'eu-central-1' }),
      'eu-central-1',
    );
    assert.equal(await regionOf(undefined, {}), 'us-east-1');
  });

  it('a backfill from the wrong region follows the redirect and indexes everything; the right one needs none', async () => {
    const args = ['index', 's3://trail/AWSLogs/', '--endpoint', server.url, '--s3-endpoint', front.url];
    const noRegion = { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined };
    const redirected = await cliWithEnv(noRegion, ...args, '--threads', '1');
    assert.equal(redirected.code, 0, redirected.stderr + redirected.stdout);
    const indexed = summaryNumber(redirected.stdout, 'indexed');
    assert.ok(indexed > 1000, `the samples were indexed: ${indexed}`);
    assert.ok(front.signedFor.includes('us-east-1'), 'the CLI started from us-east-1 and was redirected');
    assert.ok(front.signedFor.includes(BUCKET_REGION), 'and then signed for the bucket region');

    front.signedFor.length = 0;
    const fromDefault = await cliWithEnv(
      { AWS_REGION: undefined, AWS_DEFAULT_REGION: BUCKET_REGION },
      ...args,
      '--threads',
      '1',
    );
    assert.equal(fromDefault.code, 0, fromDefault.stderr + fromDefault.stdout);
    assert.equal(summaryNumber(fromDefault.stdout, 'duplicates'), indexed);
    assert.deepEqual(
      [...new Set(front.signedFor)],
      [BUCKET_REGION],
      '$AWS_DEFAULT_REGION names the bucket region: no redirect',
    );
  });
});
