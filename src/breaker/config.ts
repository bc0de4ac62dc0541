/**
 * Configuration of the storage circuit breaker Lambda (src/breaker/lambda.ts), from environment
 * variables set by cloudformation.yml. It pauses one of two things, whichever the trigger mode has:
 * the SQS event source mapping (queue modes: messages wait in the queue) or the indexer's reserved
 * concurrency (push modes: Lambda keeps throttled asynchronous events and retries them).
 */

export type PauseTarget =
  | { readonly kind: 'event-source-mapping'; readonly uuid: string }
  | { readonly kind: 'reserved-concurrency'; readonly functionName: string; readonly concurrency: number };

export interface BreakerConfig {
  readonly target: PauseTarget;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** Every variable loadBreakerConfig reads (the template check compares the template to this). */
export const BREAKER_ENV_VARS: readonly string[] = [
  'EVENT_SOURCE_MAPPING_UUID',
  'INDEXER_FUNCTION_NAME',
  'INDEXER_RESERVED_CONCURRENCY',
  'LOG_LEVEL',
];

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

export class BreakerConfigError extends Error {
  override readonly name = 'BreakerConfigError';
}

export function loadBreakerConfig(env: Record<string, string | undefined>): BreakerConfig {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const logLevel = (read('LOG_LEVEL') ?? 'INFO').toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    throw new BreakerConfigError(`LOG_LEVEL="${env['LOG_LEVEL']}": expected one of ${LOG_LEVELS.join(', ')}`);
  const uuid = read('EVENT_SOURCE_MAPPING_UUID');
  const functionName = read('INDEXER_FUNCTION_NAME');
  if ((uuid === undefined) === (functionName === undefined)) {
    throw new BreakerConfigError(
      'set exactly one of EVENT_SOURCE_MAPPING_UUID (queue trigger modes) and INDEXER_FUNCTION_NAME (push modes)',
    );
  }
  const level = logLevel as BreakerConfig['logLevel'];
  if (uuid !== undefined) {
    if (!/^[0-9a-f-]{36}$/i.test(uuid))
      throw new BreakerConfigError(`EVENT_SOURCE_MAPPING_UUID="${uuid}": expected a mapping UUID`);
    return { target: { kind: 'event-source-mapping', uuid }, logLevel: level };
  }
  const raw = read('INDEXER_RESERVED_CONCURRENCY');
  const concurrency = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || concurrency < 1) {
    throw new BreakerConfigError(
      `INDEXER_RESERVED_CONCURRENCY="${raw ?? ''}": expected a whole number of at least 1 (the indexer's cap, restored on resume)`,
    );
  }
  return {
    target: { kind: 'reserved-concurrency', functionName: functionName!, concurrency },
    logLevel: level,
  };
}
