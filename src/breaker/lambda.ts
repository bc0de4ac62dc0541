/**
 * Storage circuit breaker Lambda entry point (bundled as dist/breaker.zip, handler `index.handler`).
 * The storage alarm of cloudformation.yml invokes it on every state change; see breaker.ts.
 * Everything is built per invocation: the function runs a few times a month, and nothing is kept.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { BoundedAnswerHandler } from '../http/awsAnswer.js';
import { outOfTimeSignal } from '../http/retry.js';
import { applyAlarmChange, IngestionSwitch, type BreakerOutcome } from './breaker.js';
import { loadBreakerConfig } from './config.js';

/** Each Lambda API attempt gets this long (connect + whole answer); the SDK retries throttling and 5xx. */
const REQUEST_TIMEOUT_MS = 10_000;

export async function handler(
  event: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<BreakerOutcome> {
  const config = loadBreakerConfig(process.env);
  const logger = new Logger({
    serviceName: process.env['POWERTOOLS_SERVICE_NAME'] ?? 'cloudtrail-breaker',
    logLevel: config.logLevel,
  });
  const lambda = new LambdaClient({
    maxAttempts: 5,
    requestHandler: new BoundedAnswerHandler({ service: 'Lambda', timeoutMs: REQUEST_TIMEOUT_MS }),
  });
  try {
    // The SDK's attempts (10 s each, up to 5) could outlast the function's timeout; they stop in time to log.
    const outOfTime = context
      ? outOfTimeSignal({ remainingTimeMs: () => context.getRemainingTimeInMillis() })
      : undefined;
    const outcome = await applyAlarmChange(event, new IngestionSwitch(lambda, config.target), outOfTime);
    const message =
      outcome.action === 'paused'
        ? 'ingestion paused: the domain is short of storage'
        : outcome.action === 'resumed'
          ? 'ingestion resumed: the domain has free storage again'
          : 'alarm has insufficient data: ingestion left as it is';
    logger[outcome.action === 'paused' ? 'warn' : 'info'](message, {
      alarm: outcome.alarm.alarmName,
      state: outcome.alarm.state,
      reason: outcome.alarm.reason,
      target: outcome.target,
    });
    return outcome;
  } catch (error) {
    logger.error('circuit breaker failed; Lambda retries the invocation', {
      error: (error as Error).message,
    });
    throw error;
  } finally {
    lambda.destroy();
  }
}
