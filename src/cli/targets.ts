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
import { trailPrefixes, type TrailSelection } from '../source/trailPrefixes.js';
import { skipReason } from '../trigger/skip.js';
import type { ObjectRef, SkipReason } from '../types.js';
import { UsageError } from './options.js';

export const SKIP_EXPLANATIONS: Record<SkipReason, string> = {
  'test-event': 'an S3 test event',
  digest: 'a CloudTrail digest file (integrity hashes, no events)',
  insight: 'a CloudTrail Insights file (add --include-insights to index it)',
  'config-writability-check': "CloudTrail's bucket permission probe",
  'folder-marker': 'a folder marker',
  'empty-object': 'empty (0 bytes)',
  'not-a-log-file': 'not a .json.gz or .json file',
  'already-indexed': 'already indexed: its ledger entry is complete, with the same ETag (--resume)',
};

/** How `index s3://…` chooses what to list and what to leave out. */
export interface TargetOptions {
  includeInsights: boolean;
  /** Only these days, accounts and regions: only their CloudTrail date prefixes are listed. */
  selection?: Omit<TrailSelection, 'kind'>;
  /** The S3 objects of `refs` already indexed completely (same ETag), by key (`--resume`). */
  alreadyIndexed?: (refs: ObjectRef[]) => Promise<Set<string>>;
}

/** Objects looked up in the ledger at once when resuming. */
const RESUME_BATCH = 500;

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
  options: TargetOptions,
  events: TargetEvents,
): AsyncGenerator<FileTarget> {
  for (const target of targets) {
    let logFiles = 0;
    let skipped = 0;
    const s3Target = parseS3Url(target);
    let entries = s3Target
      ? s3Entries(s3!, target, s3Target.bucket, s3Target.prefix, options.selection)
      : localEntries(target);
    if (s3Target && options.alreadyIndexed) entries = withoutIndexed(entries, options.alreadyIndexed);
    for await (const entry of entries) {
      const reason = entry.skip ?? skipReason(entry.ref, options);
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
  ref: ObjectRef;
  skip?: SkipReason;
}

/** Marks the log files whose ledger entry says they are done, a batch of listed objects at a time. */
async function* withoutIndexed(
  entries: AsyncGenerator<Entry>,
  alreadyIndexed: (refs: ObjectRef[]) => Promise<Set<string>>,
): AsyncGenerator<Entry> {
  let batch: Entry[] = [];
  const settle = async function* () {
    const done = await alreadyIndexed(batch.map((entry) => entry.ref));
    for (const entry of batch)
      yield done.has(entry.ref.key) ? { ...entry, skip: 'already-indexed' as const } : entry;
    batch = [];
  };
  for await (const entry of entries) {
    batch.push(entry);
    if (batch.length >= RESUME_BATCH) yield* settle();
  }
  if (batch.length > 0) yield* settle();
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

async function* s3Entries(
  s3: S3Client,
  url: string,
  bucket: string,
  prefix: string,
  selection: TargetOptions['selection'],
): AsyncGenerator<Entry> {
  try {
    // With days, accounts or regions: only the matching CloudTrail date prefixes are listed.
    const prefixes = selection
      ? trailPrefixes(s3, bucket, prefix, { ...selection, kind: 'CloudTrail' })
      : [prefix];
    for await (const listed of prefixes) {
      for await (const ref of listS3Objects(s3, bucket, listed)) {
        yield { name: `s3://${bucket}/${ref.key}`, target: { kind: 's3', ref }, ref };
      }
    }
  } catch (error) {
    const described = describeError(error);
    if (described.fixedBy === 'configuration') throw new UsageError(`${url}: ${described.message}`);
    throw new Error(`listing ${url} failed: ${described.message}`, { cause: error });
  }
}
