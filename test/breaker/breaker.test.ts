/**
 * The storage circuit breaker Lambda, run through its handler and the real AWS SDK Lambda client against a
 * local stand-in of the Lambda API: the state it leaves behind (mapping enabled or not, reserved
 * concurrency) is what is checked.
 */
import assert from 'node:assert/strict';
import { handler } from '../../src/breaker/lambda.js';
import { LambdaApiStandIn } from './lambda-api-stand-in.js';

const UUID = '14e0db71-abcd-4eb5-b481-8945cf9d10c2';

function alarmEvent(state: string, alarmName = 'stack-StorageAlarm-ABC'): unknown {
  return {
    source: 'aws.cloudwatch',
    alarmArn: `arn:aws:cloudwatch:eu-west-1:111122223333:alarm:${alarmName}`,
    accountId: '111122223333',
    region: 'eu-west-1',
    time: '2026-01-01T00:00:00.000+0000',
    alarmData: {
      alarmName,
      state: {
        value: state,
        reason: 'Threshold Crossed: 1 datapoint [512.0] was less than the threshold (10240.0).',
      },
      previousState: { value: state === 'ALARM' ? 'OK' : 'ALARM', reason: '' },
      configuration: { metrics: [] },
    },
  };
}

describe('storage circuit breaker Lambda', function () {
  const api = new LambdaApiStandIn();
  const saved: Record<string, string | undefined> = {};
  const env = (values: Record<string, string | undefined>): void => {
    for (const [key, value] of Object.entries(values)) {
      if (!(key in saved)) saved[key] = process.env[key];
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };

  before(async () => {
    await api.start();
    env({
      AWS_ENDPOINT_URL_LAMBDA: api.url,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      LOG_LEVEL: 'ERROR',
    });
  });
  after(async () => {
    await api.stop();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  describe('queue modes (event source mapping)', function () {
    beforeEach(() => {
      api.mappings.set(UUID, true);
      env({
        EVENT_SOURCE_MAPPING_UUID: UUID,
        INDEXER_FUNCTION_NAME: undefined,
        INDEXER_RESERVED_CONCURRENCY: undefined,
      });
    });

    it('ALARM disables the mapping, a repeated ALARM keeps it disabled, OK enables it again', async function () {
      const paused = await handler(alarmEvent('ALARM'));
      assert.equal(paused.action, 'paused');
      assert.equal(api.mappings.get(UUID), false);
      await handler(alarmEvent('ALARM'));
      assert.equal(api.mappings.get(UUID), false);
      const resumed = await handler(alarmEvent('OK'));
      assert.equal(resumed.action, 'resumed');
      assert.equal(api.mappings.get(UUID), true);
    });

    it('INSUFFICIENT_DATA leaves ingestion as it is', async function () {
      api.mappings.set(UUID, false);
      const outcome = await handler(alarmEvent('INSUFFICIENT_DATA'));
      assert.equal(outcome.action, 'unchanged');
      assert.equal(api.mappings.get(UUID), false);
    });

    it('rides out Lambda API throttling (the SDK retries) and still pauses', async function () {
      api.failNext(2, { status: 429, type: 'TooManyRequestsException' });
      await handler(alarmEvent('ALARM'));
      assert.equal(api.mappings.get(UUID), false);
    });

    it("gives up before the invocation's time runs out when the Lambda API does not answer, and says so", async function () {
      // Without the bound the SDK would wait 10 s per attempt, 5 attempts, past a 2 s function timeout.
      api.stalling = true;
      const before = api.requests;
      const started = Date.now();
      const context = { getRemainingTimeInMillis: () => 2_000 - (Date.now() - started) };
      await assert
        .rejects(() => handler(alarmEvent('ALARM'), context), {
          name: 'OutOfTimeError',
          message: `Lambda API: switching event source mapping ${UUID} (disabled) did not finish before the invocation's time ran out`,
        })
        .finally(() => (api.stalling = false));
      const tookMs = Date.now() - started;
      assert.ok(tookMs < 2_000, `gave up after ${tookMs} ms, past the 2,000 ms left`);
      assert.ok(api.requests > before, 'the call was made');
      assert.equal(api.mappings.get(UUID), true, 'the mapping was not switched');
    });

    it('fails the invocation when the mapping cannot be switched, so Lambda retries it', async function () {
      api.failNext(1, { status: 409, type: 'ResourceInUseException' });
      await assert.rejects(() => handler(alarmEvent('ALARM')), { name: 'ResourceInUseException' });
      assert.equal(api.mappings.get(UUID), true, 'nothing changed');
    });
  });

  describe('push modes (reserved concurrency)', function () {
    beforeEach(() => {
      api.concurrency.set('stack-IndexerFunction-XYZ', 4);
      env({
        EVENT_SOURCE_MAPPING_UUID: undefined,
        INDEXER_FUNCTION_NAME: 'stack-IndexerFunction-XYZ',
        INDEXER_RESERVED_CONCURRENCY: '4',
      });
    });

    it('ALARM sets the indexer to 0 concurrent executions, OK restores the configured cap', async function () {
      await handler(alarmEvent('ALARM'));
      assert.equal(api.concurrency.get('stack-IndexerFunction-XYZ'), 0);
      await handler(alarmEvent('OK'));
      assert.equal(api.concurrency.get('stack-IndexerFunction-XYZ'), 4);
    });
  });

  describe('bad input', function () {
    it('names the field of an event that is not an alarm state change', async function () {
      env({ EVENT_SOURCE_MAPPING_UUID: UUID, INDEXER_FUNCTION_NAME: undefined });
      await assert.rejects(() => handler({ alarmData: { alarmName: 'a', state: { value: 'RED' } } }), {
        name: 'AlarmEventError',
        message: /alarmData\.state\.value is "RED"/,
      });
      await assert.rejects(() => handler({ detail: {} }), /alarm event: alarmData is not an object/);
    });

    it('names the variable when the configuration is wrong', async function () {
      env({
        EVENT_SOURCE_MAPPING_UUID: undefined,
        INDEXER_FUNCTION_NAME: 'fn',
        INDEXER_RESERVED_CONCURRENCY: '0',
      });
      await assert.rejects(
        () => handler(alarmEvent('ALARM')),
        /INDEXER_RESERVED_CONCURRENCY="0": expected a whole number of at least 1/,
      );
      env({ EVENT_SOURCE_MAPPING_UUID: UUID, INDEXER_FUNCTION_NAME: 'fn' });
      await assert.rejects(
        () => handler(alarmEvent('ALARM')),
        /set exactly one of EVENT_SOURCE_MAPPING_UUID/,
      );
    });
  });
});
