/** Runs Lambda handlers in-process with their environment set, and leaves the environment as it was. */
import type { Context } from 'aws-lambda';
import { resetForTests } from '../../index.js';

export function lambdaContext(remainingMs = 300_000): Context {
  return {
    getRemainingTimeInMillis: () => remainingMs,
    awsRequestId: 'test',
    functionName: 'test-function',
  } as Context;
}

export async function withLambdaEnv<T>(env: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, { LOG_LEVEL: 'ERROR', POWERTOOLS_METRICS_DISABLED: 'true', ...env });
  resetForTests();
  try {
    return await work();
  } finally {
    // Other test files' Lambdas read the same environment: leave it as it was.
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    resetForTests();
  }
}
