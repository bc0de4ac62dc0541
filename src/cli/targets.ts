/**
 * What `index` is pointed at → the log files to index. Local paths are checked before anything
 * starts (a missing path is a usage error, not a failed run); directories recurse; `s3://` URLs are
 * listed page by page while files are already being indexed. Everything found that is not a log
 * file is reported with the reason it is skipped.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { stat } from 'node:fs/promises';
import { describeError } from '../opensearch/errors.js';
import type { FileTarget } from '../pipeline/runner.js';
import { walkFiles } from '../source/local.js';
import { listS3Objects, parseS3Url } from '../source/s3.js';
import { skipReason } from '../trigger/skip.js';
import type { SkipReason } from '../types.js';
import { UsageError } from './options.js';

export const SKIP_EXPLANATIONS: Record<SkipReason, string> = {
  'test-event': 'an S3 test event',
  digest: 'a CloudTrail digest file (integrity hashes, no events)',
  insight: 'a CloudTrail Insights file (add --include-insights to index it)',
  'config-writability-check': "CloudTrail's bucket permission probe",
  'folder-marker': 'a folder marker',
  'empty-object': 'empty (0 bytes)',
  'not-a-log-file': 'not a .json.gz or .json file',
};

export interface TargetEvents {
  /** A log file to index, with its size when known. */
  found(target: FileTarget, bytes: number | undefined): void;
  skipped(name: string, reason: SkipReason): void;
  /** One of the command's paths or URLs has been listed to its end. */
  listed(target: string, logFiles: number, skipped: number): void;
}

/** Refuses the command before it starts when a local path does not exist or an s3:// URL has no bucket. */
export async function checkTargets(targets: string[]): Promise<void> {
  for (const target of targets) {
    if (target.startsWith('s3://')) {
      if (!parseS3Url(target)) throw new UsageError(`${target}: expected s3://bucket/prefix`);
      continue;
    }
    try {
      await stat(target);
    } catch (error) {
      throw new UsageError(describeError(error).message);
    }
  }
}

/** The log files the targets name, in listing order. */
export async function* fileTargets(
  targets: string[],
  s3: S3Client | undefined,
  options: { includeInsights: boolean },
  events: TargetEvents,
): AsyncGenerator<FileTarget> {
  for (const target of targets) {
    let logFiles = 0;
    let skipped = 0;
    const s3Target = parseS3Url(target);
    const entries = s3Target
      ? s3Entries(s3!, target, s3Target.bucket, s3Target.prefix)
      : localEntries(target);
    for await (const entry of entries) {
      const reason = skipReason(entry.ref, options);
      if (reason) {
        skipped++;
        events.skipped(entry.name, reason);
      } else {
        logFiles++;
        events.found(entry.target, entry.ref.size);
        yield entry.target;
      }
    }
    events.listed(target, logFiles, skipped);
  }
}

interface Entry {
  name: string;
  target: FileTarget;
  ref: { bucket: string; key: string; size?: number };
}

async function* localEntries(path: string): AsyncGenerator<Entry> {
  for await (const file of walkFiles([path])) {
    yield {
      name: file.path,
      target: { kind: 'local', path: file.path },
      ref: { bucket: '', key: file.path, size: file.size },
    };
  }
}

async function* s3Entries(s3: S3Client, url: string, bucket: string, prefix: string): AsyncGenerator<Entry> {
  try {
    for await (const ref of listS3Objects(s3, bucket, prefix)) {
      yield { name: `s3://${bucket}/${ref.key}`, target: { kind: 's3', ref }, ref };
    }
  } catch (error) {
    const described = describeError(error);
    if (described.fixedBy === 'configuration') throw new UsageError(`${url}: ${described.message}`);
    throw new Error(`listing ${url} failed: ${described.message}`, { cause: error });
  }
}
