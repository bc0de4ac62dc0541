import { strict as assert } from 'node:assert';
import {
  CLEANUP_ENV_VARS,
  ConfigError,
  INDEXER_ENV_VARS,
  LAMBDA_RESERVED_ENV_VARS,
  loadCleanupConfig,
  loadIndexerConfig,
} from '../../src/config.js';

type Env = Record<string, string | undefined>;
const BASE: Env = { OPENSEARCH_ENDPOINT: 'http://localhost:9200' };
const MANAGED = 'https://search-trails-abc123xyz.eu-west-1.es.amazonaws.com';

/** The problems a loader reports for `env`, asserting it throws a ConfigError whose lines match them. */
function problemsOf(load: (env: Env) => unknown, env: Env): readonly string[] {
  try {
    load(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.message, err.problems.join('\n'));
    return err.problems;
  }
  assert.fail(`expected a ConfigError for ${JSON.stringify(env)}`);
}

const indexerProblems = (extra: Env) => problemsOf(loadIndexerConfig, { ...BASE, ...extra });
const cleanupProblems = (extra: Env) => problemsOf(loadCleanupConfig, { ...BASE, KEEP_DAYS: '30', ...extra });

describe('loadIndexerConfig', () => {
  it('applies the documented defaults', () => {
    assert.deepEqual(loadIndexerConfig(BASE), {
      endpoint: 'http://localhost:9200',
      indexPrefix: 'cloudtrail-',
      logLevel: 'INFO',
      bulkMaxBytes: 5_242_880,
      bulkMaxDocs: 5000,
      bulkConcurrency: 2,
      maxDecompressedBytes: 2_147_483_648,
      maxRecordBytes: 1_048_576,
      includeInsights: false,
      requestTimeoutMs: 30_000,
    });
  });

  it('reads every variable when all are set', () => {
    const config = loadIndexerConfig({
      OPENSEARCH_ENDPOINT: 'https://opensearch.internal.example:9443/proxy/',
      INDEX_PREFIX: 'org.audit-ct-',
      OPENSEARCH_SERVICE: 'es',
      AWS_REGION: 'us-gov-west-1',
      BULK_MAX_BYTES: '10485760',
      BULK_MAX_DOCS: '20000',
      BULK_CONCURRENCY: '16',
      DEAD_LETTER: 's3://trail-dead-letters/cloudtrail/failed/',
      MAX_DECOMPRESSED_BYTES: '1048576',
      MAX_RECORD_BYTES: '262144',
      INCLUDE_INSIGHTS: 'TRUE',
      LOG_LEVEL: 'debug',
      REQUEST_TIMEOUT_MS: '120000',
    });
    assert.deepEqual(config, {
      endpoint: 'https://opensearch.internal.example:9443/proxy',
      indexPrefix: 'org.audit-ct-',
      service: 'es',
      region: 'us-gov-west-1',
      logLevel: 'DEBUG',
      bulkMaxBytes: 10_485_760,
      bulkMaxDocs: 20_000,
      bulkConcurrency: 16,
      deadLetter: { kind: 's3', bucket: 'trail-dead-letters', prefix: 'cloudtrail/failed/' },
      maxDecompressedBytes: 1_048_576,
      maxRecordBytes: 262_144,
      includeInsights: true,
      requestTimeoutMs: 120_000,
    });
  });

  it('trims values and treats empty ones as unset (CloudFormation passes "" for blanks)', () => {
    const config = loadIndexerConfig({
      OPENSEARCH_ENDPOINT: '  http://localhost:9200/ ',
      INDEX_PREFIX: '',
      BULK_MAX_BYTES: ' 2048 ',
      DEAD_LETTER: '   ',
    });
    assert.equal(config.endpoint, 'http://localhost:9200');
    assert.equal(config.indexPrefix, 'cloudtrail-');
    assert.equal(config.bulkMaxBytes, 2048);
    assert.equal(config.maxRecordBytes, 2048);
    assert.equal(config.deadLetter, undefined);
  });

  describe('OPENSEARCH_ENDPOINT', () => {
    it('infers service and region from an AWS-hosted endpoint; explicit values win', () => {
      const es = loadIndexerConfig({ OPENSEARCH_ENDPOINT: MANAGED });
      assert.deepEqual([es.endpoint, es.service, es.region], [MANAGED, 'es', 'eu-west-1']);
      const aoss = loadIndexerConfig({
        OPENSEARCH_ENDPOINT: 'https://0a1b2c3d4e5f.us-east-2.aoss.amazonaws.com',
      });
      assert.deepEqual([aoss.service, aoss.region], ['aoss', 'us-east-2']);
      const explicit = loadIndexerConfig({
        OPENSEARCH_ENDPOINT: MANAGED,
        OPENSEARCH_SERVICE: 'aoss',
        AWS_REGION: 'eu-west-2',
      });
      assert.deepEqual([explicit.service, explicit.region], ['aoss', 'eu-west-2']);
      const local = loadIndexerConfig(BASE);
      assert.deepEqual([local.service, local.region], [undefined, undefined]);
    });

    it('is required and must be an http(s) URL', () => {
      const expectation =
        'expected an http(s) URL such as https://search-mydomain-abc123.us-east-1.es.amazonaws.com';
      assert.deepEqual(problemsOf(loadIndexerConfig, {}), [`OPENSEARCH_ENDPOINT is not set: ${expectation}`]);
      assert.deepEqual(problemsOf(loadIndexerConfig, { OPENSEARCH_ENDPOINT: '' }), [
        `OPENSEARCH_ENDPOINT is not set: ${expectation}`,
      ]);
      for (const bad of ['search-x.es.amazonaws.com', 'ftp://host/x', 'not a url', 'localhost:9200']) {
        assert.deepEqual(indexerProblems({ OPENSEARCH_ENDPOINT: bad }), [
          `OPENSEARCH_ENDPOINT=${JSON.stringify(bad)}: ${expectation}`,
        ]);
      }
    });

    it('refuses embedded credentials without echoing the password', () => {
      const problems = indexerProblems({ OPENSEARCH_ENDPOINT: 'https://admin:S3cret!@localhost:9200/' });
      assert.deepEqual(problems, [
        'OPENSEARCH_ENDPOINT="https://***@localhost:9200/": expected a URL without credentials (use OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD)',
      ]);
    });

    it('never echoes a password, even from a value that is not a URL', () => {
      for (const endpoint of [
        'http://admin:S3cretPw@127.0.0.1:999999',
        'http://admin:S3cretPw@exa mple.com',
        'ftp://admin:S3cretPw@example.com',
        'http://admin:S3cretPw@example.com/?pretty',
      ]) {
        for (const load of [indexerProblems, cleanupProblems]) {
          const problems = load({ OPENSEARCH_ENDPOINT: endpoint });
          assert.equal(problems.length, 1, endpoint);
          assert.ok(problems[0]!.startsWith('OPENSEARCH_ENDPOINT="'), problems[0]);
          assert.ok(!problems.join('\n').includes('S3cretPw'), problems[0]);
          assert.match(problems[0]!, /\*\*\*@/);
        }
      }
    });

    it('refuses a query string or fragment', () => {
      assert.deepEqual(indexerProblems({ OPENSEARCH_ENDPOINT: 'http://localhost:9200/?pretty' }), [
        'OPENSEARCH_ENDPOINT="http://localhost:9200/?pretty": expected a URL without a query string or fragment',
      ]);
    });
  });

  describe('INDEX_PREFIX', () => {
    it('accepts valid lower-case prefixes', () => {
      for (const prefix of ['ct-', 'audit_trail.', 'x', 'a'.repeat(245)]) {
        assert.equal(loadIndexerConfig({ ...BASE, INDEX_PREFIX: prefix }).indexPrefix, prefix);
      }
    });

    it('rejects what OpenSearch would reject, naming the rule', () => {
      const cases: [string, string][] = [
        ['CloudTrail-', 'lower case only'],
        ['cloud trail-', 'must not contain " "'],
        ['ct*', 'must not contain "*"'],
        ['a/b:c', 'must not contain "/" ":"'],
        ['ct\\', 'must not contain "\\\\"'],
        ['_ct', 'must not start with _, - or +'],
        ['-ct', 'must not start with _, - or +'],
        ['+ct', 'must not start with _, - or +'],
        ['.ct', 'must not start with . (hidden and system indices)'],
        ['a'.repeat(246), 'at most 245 bytes'],
      ];
      for (const [prefix, rule] of cases) {
        assert.deepEqual(indexerProblems({ INDEX_PREFIX: prefix }), [
          `INDEX_PREFIX=${JSON.stringify(prefix.length > 200 ? `${prefix.slice(0, 200)}…` : prefix)}: expected a valid index name prefix: ${rule}`,
        ]);
      }
    });
  });

  describe('OPENSEARCH_SERVICE and AWS_REGION', () => {
    it('accepts es and aoss in any case', () => {
      assert.equal(
        loadIndexerConfig({ ...BASE, OPENSEARCH_SERVICE: 'AOSS', AWS_REGION: 'us-east-1' }).service,
        'aoss',
      );
    });

    it('rejects other services', () => {
      assert.deepEqual(indexerProblems({ OPENSEARCH_SERVICE: 'opensearch', AWS_REGION: 'us-east-1' }), [
        'OPENSEARCH_SERVICE="opensearch": expected one of es, aoss',
      ]);
    });

    it('rejects a malformed region', () => {
      assert.deepEqual(indexerProblems({ AWS_REGION: 'US-EAST-1' }), [
        'AWS_REGION="US-EAST-1": expected an AWS region code such as us-east-1',
      ]);
      assert.equal(loadIndexerConfig({ ...BASE, AWS_REGION: 'cn-northwest-1' }).region, 'cn-northwest-1');
    });

    it('needs a region to sign for a service when the endpoint does not name one', () => {
      assert.deepEqual(
        indexerProblems({ OPENSEARCH_ENDPOINT: 'https://search.example.com', OPENSEARCH_SERVICE: 'es' }),
        [
          'AWS_REGION is not set: expected an AWS region code such as us-east-1, to sign requests for service "es"',
        ],
      );
    });
  });

  describe('numeric limits', () => {
    const cases: [string, string, string][] = [
      ['BULK_MAX_BYTES', 'bytes', 'between 1024 and 104857600'],
      ['BULK_MAX_DOCS', 'documents', 'between 1 and 100000'],
      ['MAX_DECOMPRESSED_BYTES', 'bytes', 'between 1048576 and 68719476736'],
      ['MAX_RECORD_BYTES', 'bytes', 'between 1024 and 104857600'],
      ['REQUEST_TIMEOUT_MS', 'milliseconds', 'between 100 and 900000'],
    ];
    for (const [name, unit, range] of cases) {
      it(`${name}: whole ${unit} ${range}`, () => {
        const [low, high] = range.replace('between ', '').split(' and ').map(Number) as [number, number];
        for (const good of [low, high]) {
          const env = {
            [name]: String(good),
            ...(name === 'MAX_RECORD_BYTES' ? { BULK_MAX_BYTES: '104857600' } : {}),
          };
          assert.doesNotThrow(() => loadIndexerConfig({ ...BASE, ...env }), `${name}=${good}`);
        }
        for (const bad of [String(low - 1), String(high + 1), '12MB', '1e6', '5.5', '-1', '0x400', 'lots']) {
          assert.deepEqual(indexerProblems({ [name]: bad }), [
            `${name}=${JSON.stringify(bad)}: expected a whole number of ${unit} ${range}`,
          ]);
        }
      });
    }

    it('BULK_MAX_BYTES gives the exact message from the runbook', () => {
      assert.deepEqual(indexerProblems({ BULK_MAX_BYTES: '12MB' }), [
        'BULK_MAX_BYTES="12MB": expected a whole number of bytes between 1024 and 104857600',
      ]);
    });

    it('BULK_CONCURRENCY: 1 to 16', () => {
      assert.equal(loadIndexerConfig({ ...BASE, BULK_CONCURRENCY: '1' }).bulkConcurrency, 1);
      for (const bad of ['0', '17', 'two']) {
        assert.deepEqual(indexerProblems({ BULK_CONCURRENCY: bad }), [
          `BULK_CONCURRENCY=${JSON.stringify(bad)}: expected a whole number between 1 and 16`,
        ]);
      }
    });

    it('MAX_RECORD_BYTES may not exceed BULK_MAX_BYTES', () => {
      assert.deepEqual(indexerProblems({ BULK_MAX_BYTES: '65536', MAX_RECORD_BYTES: '65537' }), [
        'MAX_RECORD_BYTES="65537": expected at most BULK_MAX_BYTES (65536), so any accepted record fits in one bulk request',
      ]);
      // Left unset, the record cap shrinks to fit a small batch instead of failing.
      assert.equal(loadIndexerConfig({ ...BASE, BULK_MAX_BYTES: '4096' }).maxRecordBytes, 4096);
    });
  });

  describe('DEAD_LETTER', () => {
    it('accepts s3://bucket/prefix, s3://bucket and index:NAME', () => {
      assert.deepEqual(loadIndexerConfig({ ...BASE, DEAD_LETTER: 's3://my.dlq-bucket/ct/' }).deadLetter, {
        kind: 's3',
        bucket: 'my.dlq-bucket',
        prefix: 'ct/',
      });
      assert.deepEqual(loadIndexerConfig({ ...BASE, DEAD_LETTER: 's3://my-dlq' }).deadLetter, {
        kind: 's3',
        bucket: 'my-dlq',
        prefix: '',
      });
      assert.deepEqual(
        loadIndexerConfig({ ...BASE, DEAD_LETTER: 'index:cloudtrail-deadletter' }).deadLetter,
        {
          kind: 'index',
          index: 'cloudtrail-deadletter',
        },
      );
    });

    it('rejects invalid bucket names', () => {
      const cases: [string, string][] = [
        ['s3://My_Bucket/x', 'only lower-case letters, digits, "." and "-"'],
        ['s3://ab/x', '3 to 63 characters'],
        [`s3://${'b'.repeat(64)}`, '3 to 63 characters'],
        ['s3://-bucket', 'must start and end with a letter or digit'],
        ['s3://a..b', 'no two adjacent periods'],
        ['s3://192.168.10.20/x', 'must not be formatted as an IP address'],
        ['s3://xn--bucket', 'must not start with a reserved prefix (xn--, sthree-)'],
        ['s3://mybucket-s3alias', 'must not end with a reserved suffix'],
        ['s3:///prefix', '3 to 63 characters'],
      ];
      for (const [value, rule] of cases) {
        assert.deepEqual(indexerProblems({ DEAD_LETTER: value }), [
          `DEAD_LETTER=${JSON.stringify(value)}: expected s3://BUCKET/PREFIX with a valid bucket name: ${rule}`,
        ]);
      }
    });

    it('rejects invalid index names, including one cleanup would take for a daily index', () => {
      const cases: [string, string][] = [
        ['index:DeadLetter', 'lower case only'],
        ['index:', 'the name is empty'],
        ['index:_dlq', 'must not start with _, - or +'],
        ['index:cloudtrail-2024-01-31', 'must not look like a daily index (cloudtrail-YYYY-MM-DD)'],
      ];
      for (const [value, rule] of cases) {
        assert.deepEqual(indexerProblems({ DEAD_LETTER: value }), [
          `DEAD_LETTER=${JSON.stringify(value)}: expected index:NAME with a valid index name: ${rule}`,
        ]);
      }
    });

    it('rejects other forms', () => {
      for (const value of ['sqs://queue', 'my-bucket/prefix', 'INDEX:dlq']) {
        assert.deepEqual(indexerProblems({ DEAD_LETTER: value }), [
          `DEAD_LETTER=${JSON.stringify(value)}: expected s3://BUCKET/PREFIX or index:NAME`,
        ]);
      }
    });
  });

  it('INCLUDE_INSIGHTS: true or false in any case', () => {
    assert.equal(loadIndexerConfig({ ...BASE, INCLUDE_INSIGHTS: 'True' }).includeInsights, true);
    assert.equal(loadIndexerConfig({ ...BASE, INCLUDE_INSIGHTS: 'false' }).includeInsights, false);
    assert.deepEqual(indexerProblems({ INCLUDE_INSIGHTS: 'yes' }), [
      'INCLUDE_INSIGHTS="yes": expected true or false',
    ]);
  });

  it('LOG_LEVEL: DEBUG, INFO, WARN, ERROR in any case', () => {
    for (const [value, level] of [
      ['warn', 'WARN'],
      ['Error', 'ERROR'],
      ['INFO', 'INFO'],
    ]) {
      assert.equal(loadIndexerConfig({ ...BASE, LOG_LEVEL: value }).logLevel, level);
    }
    assert.deepEqual(indexerProblems({ LOG_LEVEL: 'verbose' }), [
      'LOG_LEVEL="verbose": expected one of DEBUG, INFO, WARN, ERROR',
    ]);
  });

  it('reports every problem at once, one line each, in a stable order', () => {
    const problems = problemsOf(loadIndexerConfig, {
      INDEX_PREFIX: 'Bad Prefix',
      BULK_MAX_BYTES: '12MB',
      BULK_CONCURRENCY: '64',
      DEAD_LETTER: 'nowhere',
      LOG_LEVEL: 'loud',
      INCLUDE_INSIGHTS: 'maybe',
    });
    assert.deepEqual(problems, [
      'OPENSEARCH_ENDPOINT is not set: expected an http(s) URL such as https://search-mydomain-abc123.us-east-1.es.amazonaws.com',
      'INDEX_PREFIX="Bad Prefix": expected a valid index name prefix: lower case only',
      'LOG_LEVEL="loud": expected one of DEBUG, INFO, WARN, ERROR',
      'BULK_MAX_BYTES="12MB": expected a whole number of bytes between 1024 and 104857600',
      'BULK_CONCURRENCY="64": expected a whole number between 1 and 16',
      'DEAD_LETTER="nowhere": expected s3://BUCKET/PREFIX or index:NAME',
      'INCLUDE_INSIGHTS="maybe": expected true or false',
    ]);
  });

  it('keeps each problem on one line even when the value holds a newline', () => {
    const [line] = indexerProblems({ BULK_MAX_DOCS: '10\n20' });
    assert.equal(line, 'BULK_MAX_DOCS="10\\n20": expected a whole number of documents between 1 and 100000');
  });
});

describe('loadCleanupConfig', () => {
  it('applies defaults', () => {
    assert.deepEqual(loadCleanupConfig({ ...BASE, KEEP_DAYS: '90' }), {
      endpoint: 'http://localhost:9200',
      indexPrefix: 'cloudtrail-',
      logLevel: 'INFO',
      keepDays: 90,
      maxDeletions: 30,
      dryRun: false,
      requestTimeoutMs: 30_000,
    });
  });

  it('reads every variable', () => {
    assert.deepEqual(
      loadCleanupConfig({
        OPENSEARCH_ENDPOINT: MANAGED,
        INDEX_PREFIX: 'ct-',
        AWS_REGION: 'eu-west-1',
        KEEP_DAYS: '1',
        MAX_DELETIONS: '500',
        DRY_RUN: 'true',
        LOG_LEVEL: 'warn',
        REQUEST_TIMEOUT_MS: '5000',
      }),
      {
        endpoint: MANAGED,
        indexPrefix: 'ct-',
        service: 'es',
        region: 'eu-west-1',
        logLevel: 'WARN',
        keepDays: 1,
        maxDeletions: 500,
        dryRun: true,
        requestTimeoutMs: 5000,
      },
    );
  });

  it('KEEP_DAYS is required, a whole number of at least 1', () => {
    assert.deepEqual(problemsOf(loadCleanupConfig, BASE), [
      'KEEP_DAYS is not set: expected a whole number of days between 1 and 36500',
    ]);
    for (const bad of ['0', '-7', '7d', '1.5', '36501']) {
      assert.deepEqual(cleanupProblems({ KEEP_DAYS: bad }), [
        `KEEP_DAYS=${JSON.stringify(bad)}: expected a whole number of days between 1 and 36500`,
      ]);
    }
  });

  it('MAX_DELETIONS and DRY_RUN are validated', () => {
    assert.deepEqual(cleanupProblems({ MAX_DELETIONS: '0', DRY_RUN: 'no' }), [
      'MAX_DELETIONS="0": expected a whole number of indices between 1 and 10000',
      'DRY_RUN="no": expected true or false',
    ]);
  });

  it('shares the connection checks with the indexer', () => {
    assert.deepEqual(problemsOf(loadCleanupConfig, { KEEP_DAYS: '3', INDEX_PREFIX: '*' }), [
      'OPENSEARCH_ENDPOINT is not set: expected an http(s) URL such as https://search-mydomain-abc123.us-east-1.es.amazonaws.com',
      'INDEX_PREFIX="*": expected a valid index name prefix: must not contain "*"',
    ]);
  });
});

describe('environment variable lists', () => {
  /** Runs `load` against a proxy env and returns every variable name it looked up. */
  function namesRead(load: (env: Env) => unknown, env: Env): Set<string> {
    const seen = new Set<string>();
    const proxy = new Proxy(env, {
      get(target, name) {
        if (typeof name === 'string') seen.add(name);
        return typeof name === 'string' ? target[name] : undefined;
      },
    });
    try {
      load(proxy);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
    }
    return seen;
  }

  it('INDEXER_ENV_VARS is exactly what loadIndexerConfig reads', () => {
    const full = { ...BASE, DEAD_LETTER: 'index:dlq', OPENSEARCH_SERVICE: 'es', AWS_REGION: 'us-east-1' };
    assert.deepEqual([...namesRead(loadIndexerConfig, full)].sort(), [...INDEXER_ENV_VARS].sort());
    assert.deepEqual([...namesRead(loadIndexerConfig, {})].sort(), [...INDEXER_ENV_VARS].sort());
  });

  it('CLEANUP_ENV_VARS is exactly what loadCleanupConfig reads', () => {
    assert.deepEqual(
      [...namesRead(loadCleanupConfig, { ...BASE, KEEP_DAYS: '1' })].sort(),
      [...CLEANUP_ENV_VARS].sort(),
    );
    assert.deepEqual([...namesRead(loadCleanupConfig, {})].sort(), [...CLEANUP_ENV_VARS].sort());
  });

  it('lists have no duplicates and flag AWS_REGION as set by the Lambda runtime', () => {
    assert.equal(new Set(INDEXER_ENV_VARS).size, INDEXER_ENV_VARS.length);
    assert.equal(new Set(CLEANUP_ENV_VARS).size, CLEANUP_ENV_VARS.length);
    assert.deepEqual(LAMBDA_RESERVED_ENV_VARS, ['AWS_REGION']);
    assert.ok(LAMBDA_RESERVED_ENV_VARS.every((name) => INDEXER_ENV_VARS.includes(name)));
  });
});
