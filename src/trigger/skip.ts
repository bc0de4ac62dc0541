import type { ObjectRef, SkipReason } from '../types.js';
import type { NormaliseOptions } from './options.js';

/**
 * Why an object named by a trigger should not be indexed, or undefined when it should.
 *
 * Rules follow CloudTrail's documented layout,
 * `[prefix/]AWSLogs/[o-org/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_STAMP_RANDOM.json.gz`,
 * where digests live under `CloudTrail-Digest/` and Insights under `CloudTrail-Insight/`. Directory
 * names are matched as whole path segments so a user prefix such as `my-CloudTrail-Digest-copy/` is
 * not mistaken for one.
 *
 * `'test-event'` is never returned here: a test event names no object, so normalisation reports it.
 */
export function skipReason(ref: ObjectRef, options: NormaliseOptions = {}): SkipReason | undefined {
  const { key } = ref;
  // Console "Create folder" writes `name/`; old tools wrote `name_$folder$`.
  if (key.endsWith('/') || key.endsWith('_$folder$')) return 'folder-marker';

  const segments = key.split('/');
  const fileName = segments[segments.length - 1] ?? '';
  // CloudTrail (and AWS Config) write this probe when a trail is created, to test bucket permissions.
  if (fileName.startsWith('ConfigWritabilityCheckFile')) return 'config-writability-check';
  if (segments.includes('CloudTrail-Digest') || fileName.includes('_CloudTrail-Digest_')) return 'digest';
  if (
    !options.includeInsights &&
    (segments.includes('CloudTrail-Insight') || fileName.includes('_CloudTrail-Insight_'))
  ) {
    return 'insight';
  }
  // CloudTrail writes lower-case extensions; anything else was put there by someone else.
  if (!fileName.endsWith('.json.gz') && !fileName.endsWith('.json')) return 'not-a-log-file';
  if (ref.size === 0) return 'empty-object';
  return undefined;
}
