/**
 * Trigger normalisation: whatever invoked us (S3, SNS, SQS, EventBridge, an operator) becomes a list of
 * TriggerUnits, each naming the S3 objects to index and the ones skipped with a reason.
 *
 * Units: an SQS batch gives one unit per message (carrying its messageId) so a failure can be reported
 * for that message alone; every other shape gives exactly one unit.
 *
 * Errors: a malformed non-SQS event throws TriggerError (the whole invocation is unusable). Inside an
 * SQS batch a malformed message must not sink its neighbours, so its unit carries `error` instead and
 * names nothing. What to do with it is the handler's call; the intended use is to log it at ERROR and
 * report it in `batchItemFailures`, so the queue's redrive policy moves it to the SQS dead-letter queue
 * after maxReceiveCount (kept for inspection, bounded retries) rather than deleting it silently.
 *
 * Events that name no new log file (ObjectRemoved:*, EventBridge "Object Deleted", SNS subscription
 * confirmations) add nothing to the unit: they are not skips of a log file, just not our business.
 */
import type { ObjectRef, SkippedObject, TriggerUnit } from '../types.js';
import type { NormaliseOptions } from './options.js';
import { parseNested, readPayload, type Found } from './payload.js';
import { skipReason } from './skip.js';
import { childPath, expected, isPlainObject, itemPath, ownField, TriggerError } from './triggerError.js';

export type { NormaliseOptions } from './options.js';
export { TriggerError } from './triggerError.js';

/** A unit plus, for an SQS message that could not be read, why (then objects and skipped are empty). */
export type NormalisedUnit = TriggerUnit & { error?: string };

export function normaliseEvent(event: unknown, options: NormaliseOptions = {}): NormalisedUnit[] {
  const sqsRecords = sqsBatchRecords(event);
  if (sqsRecords) return sqsRecords.map((record, index) => sqsUnit(record, index, options));
  return [buildUnit(readPayload(event, '', 0), options)];
}

/** The records of an SQS batch, or undefined when the event is not one (Lambda never mixes sources). */
function sqsBatchRecords(event: unknown): unknown[] | undefined {
  if (!isPlainObject(event)) return undefined;
  const records = ownField(event, 'Records');
  if (!Array.isArray(records)) return undefined;
  const isSqs = records.some(
    (record) => isPlainObject(record) && ownField(record, 'eventSource') === 'aws:sqs',
  );
  return isSqs ? records : undefined;
}

function sqsUnit(record: unknown, index: number, options: NormaliseOptions): NormalisedUnit {
  const path = itemPath('Records', index);
  const messageId = isPlainObject(record) ? ownField(record, 'messageId') : undefined;
  const id = typeof messageId === 'string' && messageId !== '' ? { messageId } : {};
  try {
    if (!isPlainObject(record)) throw expected(path, 'an SQS record object', record);
    const source = ownField(record, 'eventSource');
    if (source !== 'aws:sqs') throw expected(childPath(path, 'eventSource'), '"aws:sqs"', source);
    // Without a messageId the handler could not report this message, so it cannot be processed safely.
    if (!('messageId' in id)) throw expected(childPath(path, 'messageId'), 'a non-empty string', messageId);
    return {
      ...id,
      ...buildUnit(parseNested(ownField(record, 'body'), childPath(path, 'body'), 1), options),
    };
  } catch (err) {
    if (!(err instanceof TriggerError)) throw err;
    return { ...id, objects: [], skipped: [], error: err.message };
  }
}

/** Applies the skip rules and drops repeats (a notification may name the same object twice). */
function buildUnit(found: Found, options: NormaliseOptions): NormalisedUnit {
  const objects: ObjectRef[] = [];
  const skipped: SkippedObject[] = [...found.skipped];
  const seen = new Set<string>();
  for (const ref of found.refs) {
    const identity = `${ref.bucket}\u0000${ref.key}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    const reason = skipReason(ref, options);
    if (reason) skipped.push({ bucket: ref.bucket, key: ref.key, reason });
    else objects.push(ref);
  }
  return { objects, skipped };
}
