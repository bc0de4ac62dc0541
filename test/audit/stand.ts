/**
 * What the audit's end-to-end suites run against: the dev server, s3rver and a local CloudTrail that
 * answers ListPublicKeys with the keys of the trails a suite made. `auditStand()` starts them before
 * the suite and closes them after it; each test makes a trail in a bucket of its own.
 */
import { strict as assert } from 'node:assert';
import { startDevServer, type DevServer } from '../../devserver/index.js';
import { cliWithEnv } from '../helpers/cli.js';
import { startS3, type TestS3 } from '../helpers/s3server.js';
import { standardTrail, startCloudTrail, type Trail } from './trail.js';

interface Servers {
  server: DevServer;
  s3: TestS3;
  cloudTrail: { url: string; close(): Promise<void> };
}

export class AuditStand {
  private readonly trails: Trail[] = [];
  private servers: Servers | undefined;
  private trailNumber = 0;

  get server(): DevServer {
    return this.started().server;
  }

  get s3(): TestS3 {
    return this.started().s3;
  }

  get cloudTrail(): { url: string } {
    return this.started().cloudTrail;
  }

  async start(): Promise<void> {
    const server = await startDevServer({ port: 0 });
    const s3 = await startS3();
    const cloudTrail = await startCloudTrail(() => this.trails);
    this.servers = { server, s3, cloudTrail };
  }

  async close(): Promise<void> {
    await this.servers?.server.close();
    await this.servers?.s3.close();
    await this.servers?.cloudTrail.close();
  }

  /** A trail (log files and signed digests, not uploaded yet) for a new bucket, and an index prefix of its own. */
  async newTrail(name: string): Promise<{ bucket: string; prefix: string; trail: Trail }> {
    const number = ++this.trailNumber;
    const bucket = `${name}-${number}`;
    await this.s3.createBucket(bucket);
    const trail = standardTrail(bucket);
    this.trails.push(trail);
    return { bucket, prefix: `${name}-${number}-`, trail };
  }

  /** `cloudtrail-opensearch index s3://BUCKET/AWSLogs/` as a child process; it must succeed. */
  async indexWithCli(bucket: string, prefix: string): Promise<void> {
    const result = await cliWithEnv(
      { INDEX_PREFIX: prefix, S3_ENDPOINT: this.s3.endpoint },
      'index',
      `s3://${bucket}/AWSLogs/`,
      '--endpoint',
      this.server.url,
      '--quiet',
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
  }

  private started(): Servers {
    if (this.servers === undefined) throw new Error('the audit stand is used before its suite started it');
    return this.servers;
  }
}

/** The stand of the calling `describe`: started before its tests, closed after them. */
export function auditStand(): AuditStand {
  const stand = new AuditStand();
  before(() => stand.start());
  after(() => stand.close());
  return stand;
}
