/**
 * Which Kinesis data stream the records go to, from KINESIS_STREAM / --kinesis-stream: a stream name (in the
 * function's own account and region) or a stream ARN (`arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`, which
 * also names the region to call).
 */

/** Kinesis stream names: 1 to 128 of letters, digits, `_`, `-` and `.`. */
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const STREAM_ARN = /^arn:(aws[a-zA-Z-]*):kinesis:([a-z0-9-]+):(\d{12}):stream\/([a-zA-Z0-9_.-]{1,128})$/;

export interface KinesisStreamTarget {
  /** As configured: what messages name. */
  readonly text: string;
  readonly name: string;
  /** Set when configured as an ARN: PutRecords is then addressed by ARN. */
  readonly arn?: string;
  /** The ARN's region, when configured as an ARN. */
  readonly region?: string;
}

/** The target, or a message saying what is wrong with the value (without the setting's name). */
export function parseStreamTarget(value: string): KinesisStreamTarget | string {
  const text = value.trim();
  const arn = STREAM_ARN.exec(text);
  if (arn) return { text, name: arn[4] as string, arn: text, region: arn[2] as string };
  if (text.startsWith('arn:'))
    return 'expected a Kinesis stream ARN of the form arn:aws:kinesis:REGION:ACCOUNT:stream/NAME';
  if (STREAM_NAME.test(text)) return { text, name: text };
  return 'expected a Kinesis stream name (1 to 128 letters, digits, "_", "-" or ".") or a stream ARN';
}
