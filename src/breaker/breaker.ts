/**
 * The storage circuit breaker: CloudWatch invokes it with the storage alarm's state changes. ALARM (the
 * domain's free storage fell under the threshold) pauses ingestion, OK resumes it, anything else leaves
 * it as it is. Pausing never drops a log file: a disabled event source mapping leaves the messages in
 * the queue, and a function at reserved concurrency 0 makes Lambda keep and retry the pushed events.
 * Both actions are idempotent, so a repeated or retried invocation is harmless.
 */
import {
  LambdaClient,
  PutFunctionConcurrencyCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { OutOfTimeError } from '../http/retry.js';
import type { PauseTarget } from './config.js';

export type AlarmStateValue = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

export interface AlarmChange {
  readonly alarmName: string;
  readonly state: AlarmStateValue;
  readonly reason: string;
}

export type BreakerAction = 'paused' | 'resumed' | 'unchanged';

export interface BreakerOutcome {
  readonly action: BreakerAction;
  readonly alarm: AlarmChange;
  /** What was switched, e.g. "event source mapping 1f2e..." or "reserved concurrency of fn (0)". */
  readonly target: string;
}

export class AlarmEventError extends Error {
  override readonly name = 'AlarmEventError';
}

/** Reads the CloudWatch alarm state-change event a Lambda alarm action delivers. */
export function readAlarmChange(event: unknown): AlarmChange {
  const field = (value: unknown, key: string, where: string): unknown => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new AlarmEventError(`alarm event: ${where} is not an object`);
    return (value as Record<string, unknown>)[key];
  };
  const data = field(event, 'alarmData', 'the event');
  const alarmName = field(data, 'alarmName', 'alarmData');
  const stateValue = field(field(data, 'state', 'alarmData'), 'value', 'alarmData.state');
  const reason = field(field(data, 'state', 'alarmData'), 'reason', 'alarmData.state');
  if (typeof alarmName !== 'string' || alarmName === '')
    throw new AlarmEventError('alarm event: alarmData.alarmName is missing');
  if (stateValue !== 'ALARM' && stateValue !== 'OK' && stateValue !== 'INSUFFICIENT_DATA') {
    throw new AlarmEventError(
      `alarm event: alarmData.state.value is ${JSON.stringify(stateValue)}, expected ALARM, OK or INSUFFICIENT_DATA`,
    );
  }
  return { alarmName, state: stateValue, reason: typeof reason === 'string' ? reason : '' };
}

/** Switches ingestion on and off through the Lambda API. */
export class IngestionSwitch {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly target: PauseTarget,
  ) {}

  describe(paused: boolean): string {
    return this.target.kind === 'event-source-mapping'
      ? `event source mapping ${this.target.uuid} (${paused ? 'disabled' : 'enabled'})`
      : `reserved concurrency of ${this.target.functionName} (${paused ? 0 : this.target.concurrency})`;
  }

  /**
   * `abortSignal` ends the call (and the SDK's retries) when the invocation's time is about to run out, so
   * the failure is logged and the invocation retried instead of Lambda killing it mid-call without a word.
   */
  async set(paused: boolean, abortSignal?: AbortSignal): Promise<void> {
    const options = abortSignal ? { abortSignal } : {};
    try {
      if (this.target.kind === 'event-source-mapping') {
        await this.lambda.send(
          new UpdateEventSourceMappingCommand({ UUID: this.target.uuid, Enabled: !paused }),
          options,
        );
      } else {
        await this.lambda.send(
          new PutFunctionConcurrencyCommand({
            FunctionName: this.target.functionName,
            ReservedConcurrentExecutions: paused ? 0 : this.target.concurrency,
          }),
          options,
        );
      }
    } catch (error) {
      if (abortSignal?.aborted) {
        throw new OutOfTimeError(
          `Lambda API: switching ${this.describe(paused)} did not finish before the invocation's time ran out`,
        );
      }
      throw error;
    }
  }
}

/** Applies one alarm state change. Errors propagate, so Lambda retries the invocation. */
export async function applyAlarmChange(
  event: unknown,
  ingestion: IngestionSwitch,
  abortSignal?: AbortSignal,
): Promise<BreakerOutcome> {
  const alarm = readAlarmChange(event);
  if (alarm.state === 'INSUFFICIENT_DATA') return { action: 'unchanged', alarm, target: 'nothing' };
  const paused = alarm.state === 'ALARM';
  await ingestion.set(paused, abortSignal);
  return { action: paused ? 'paused' : 'resumed', alarm, target: ingestion.describe(paused) };
}
