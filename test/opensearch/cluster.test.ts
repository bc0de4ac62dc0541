import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import { createClient } from '../../src/opensearch/client.js';
import { detectCluster, parseClusterInfo, SERVERLESS_CLUSTER } from '../../src/opensearch/cluster.js';

function openSearchRoot(number: string, lucene: string, wire: string): unknown {
  return {
    name: 'node-1',
    cluster_name: 'docker-cluster',
    cluster_uuid: 'Xq2r6Q2bQe2Yt2o8lJm0xw',
    version: {
      distribution: 'opensearch',
      number,
      build_type: 'tar',
      build_hash: '0c3b3e2a0f3c1f6a3f3b5c0d9f1e2a3b4c5d6e7f',
      build_date: '2025-01-01T00:00:00.000000Z',
      build_snapshot: false,
      lucene_version: lucene,
      minimum_wire_compatibility_version: wire,
      minimum_index_compatibility_version: '7.0.0',
    },
    tagline: 'The OpenSearch Project: https://opensearch.org/',
  };
}

const ELASTICSEARCH_7_10 = {
  name: 'es-node',
  cluster_name: '123456789012:trail',
  cluster_uuid: 'aB3dE5fG7hI9jK1lM3nO5p',
  version: {
    number: '7.10.2',
    build_flavor: 'oss',
    build_type: 'tar',
    build_hash: 'unknown',
    build_date: '2021-01-01T00:00:00.000000Z',
    build_snapshot: false,
    lucene_version: '8.7.0',
    minimum_wire_compatibility_version: '6.8.0',
    minimum_index_compatibility_version: '6.0.0-beta1',
  },
  tagline: 'You Know, for Search',
};

describe('parseClusterInfo', () => {
  it('OpenSearch 1.3: no flat_object', () => {
    assert.deepEqual(parseClusterInfo(openSearchRoot('1.3.20', '8.10.1', '6.8.0'), false), {
      distribution: 'opensearch',
      version: '1.3.20',
      major: 1,
      minor: 3,
      serverless: false,
      supportsFlatObject: false,
    });
  });

  it('OpenSearch 2.19: flat_object', () => {
    assert.deepEqual(parseClusterInfo(openSearchRoot('2.19.1', '9.12.1', '7.10.0'), false), {
      distribution: 'opensearch',
      version: '2.19.1',
      major: 2,
      minor: 19,
      serverless: false,
      supportsFlatObject: true,
    });
  });

  it('OpenSearch 3.x (snapshot version string): flat_object', () => {
    assert.deepEqual(parseClusterInfo(openSearchRoot('3.1.0-SNAPSHOT', '10.2.1', '2.19.0'), false), {
      distribution: 'opensearch',
      version: '3.1.0-SNAPSHOT',
      major: 3,
      minor: 1,
      serverless: false,
      supportsFlatObject: true,
    });
  });

  it('flat_object starts at OpenSearch 2.7', () => {
    assert.equal(
      parseClusterInfo(openSearchRoot('2.6.0', '9.5.0', '7.10.0'), false).supportsFlatObject,
      false,
    );
    assert.equal(
      parseClusterInfo(openSearchRoot('2.7.0', '9.5.0', '7.10.0'), false).supportsFlatObject,
      true,
    );
  });

  it('Elasticsearch 7.10 (no version.distribution): never flat_object', () => {
    assert.deepEqual(parseClusterInfo(ELASTICSEARCH_7_10, false), {
      distribution: 'elasticsearch',
      version: '7.10.2',
      major: 7,
      minor: 10,
      serverless: false,
      supportsFlatObject: false,
    });
  });

  it('OpenSearch in Elasticsearch-compatibility mode (reports 7.10.2): no flat_object', () => {
    const info = parseClusterInfo(openSearchRoot('7.10.2', '9.12.1', '7.10.0'), false);
    assert.equal(info.distribution, 'opensearch');
    assert.equal(info.supportsFlatObject, false);
  });

  it('serverless: the fixed serverless description, whatever the body', () => {
    assert.deepEqual(parseClusterInfo(undefined, true), {
      distribution: 'opensearch',
      version: 'serverless',
      major: 2,
      minor: 0,
      serverless: true,
      supportsFlatObject: false,
    });
  });

  it('bodies that are not a cluster root are errors that show the body', () => {
    assert.throws(() => parseClusterInfo({ ok: true }, false), {
      message: 'GET / did not answer like OpenSearch or Elasticsearch (no version.number): {"ok":true}',
    });
    assert.throws(
      () => parseClusterInfo('<html>login</html>', false),
      /no version\.number\): <html>login<\/html>/,
    );
    assert.throws(() => parseClusterInfo({ version: { number: 'x' } }, false), /no version\.number/);
    assert.throws(() => parseClusterInfo({ version: { number: '1.0.0', distribution: 'other' } }, false), {
      message: 'GET / reports an unsupported distribution "other" (version 1.0.0)',
    });
  });
});

describe('detectCluster for Serverless', () => {
  /** A port nothing listens on: any request sent there fails with a connection error. */
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    assert.ok(address && typeof address === 'object');
    return address.port;
  }

  const credentials = async () => ({ accessKeyId: 'AKID', secretAccessKey: 'SECRET' });

  it('service aoss: answers without sending GET / (which Serverless does not have)', async () => {
    const client = createClient({
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      auth: 'sigv4',
      region: 'us-east-1',
      credentials,
    });
    try {
      assert.deepEqual(await detectCluster(client, 'aoss'), SERVERLESS_CLUSTER);
      // The same client does send GET / when asked for a managed domain, and fails: proof that the
      // serverless answer above did not come from the network.
      await assert.rejects(detectCluster(client, 'es'), /ECONNREFUSED|connect/i);
    } finally {
      await client.close();
    }
  });

  it('no service given: uses the service createClient resolved (aoss from the host)', async () => {
    const client = createClient({ endpoint: 'https://1a2b3c4d5e.us-east-1.aoss.amazonaws.com', credentials });
    try {
      assert.deepEqual(await detectCluster(client, undefined), SERVERLESS_CLUSTER);
    } finally {
      await client.close();
    }
  });
});
