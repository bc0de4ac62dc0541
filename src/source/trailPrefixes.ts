/**
 * The S3 prefixes of a trail's files for a date range, found by listing one level at a time
 * (`Delimiter: '/'`) instead of listing the whole bucket: `[prefix/]AWSLogs/[o-org/]ACCOUNT/KIND/REGION/
 * YYYY/MM/DD/`, where KIND is `CloudTrail` (log files) or `CloudTrail-Digest`. Segments the caller's
 * URL already names (`AWSLogs/123456789012/CloudTrail/eu-west-1/`) are used as given.
 */
import { ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';

export type TrailFileKind = 'CloudTrail' | 'CloudTrail-Digest';

export interface TrailSelection {
  kind: TrailFileKind;
  /** Inclusive `YYYY-MM-DD` bounds; both or neither. */
  from?: string;
  to?: string;
  accounts?: readonly string[];
  regions?: readonly string[];
}

const ACCOUNT = /^\d{12}$/;
const ORGANIZATION = /^o-[a-z0-9]+$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Day folders listed for one range at most: ten years. */
const MAX_DAYS = 3660;

/** Every day from `from` to `to` inclusive, as `YYYY/MM/DD`. */
export function daysBetween(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (!DAY.test(from) || !DAY.test(to) || Number.isNaN(start) || Number.isNaN(end))
    throw new Error(`expected dates as YYYY-MM-DD, got ${from} and ${to}`);
  if (end < start) throw new Error(`the range ends (${to}) before it starts (${from})`);
  const days: string[] = [];
  for (let ms = start; ms <= end; ms += 86_400_000) {
    if (days.length >= MAX_DAYS) throw new Error(`${from} to ${to} is more than ${MAX_DAYS} days`);
    days.push(new Date(ms).toISOString().slice(0, 10).replace(/-/g, '/'));
  }
  return days;
}

/** The prefixes to list for `selection` under `s3://bucket/base`, in order. */
export async function* trailPrefixes(
  s3: S3Client,
  bucket: string,
  base: string,
  selection: TrailSelection,
): AsyncGenerator<string> {
  const found = base.startsWith('AWSLogs/')
    ? 0
    : base.includes('/AWSLogs/')
      ? base.indexOf('/AWSLogs/') + 1
      : -1;
  const root = found >= 0 ? base.slice(0, found + 'AWSLogs/'.length) : joinPrefix(base, 'AWSLogs/');
  const given = found >= 0 ? base.slice(root.length).split('/').filter(Boolean) : [];
  const days = selection.from && selection.to ? daysBetween(selection.from, selection.to) : undefined;
  const children = (prefix: string) => listChildren(s3, bucket, prefix);

  for await (const { prefix: accountPrefix, account, rest } of accountPrefixes(root, given, children)) {
    if (selection.accounts && !selection.accounts.includes(account)) continue;
    if (rest[0] !== undefined && rest[0] !== selection.kind) continue;
    const kindPrefix = `${accountPrefix}${selection.kind}/`;
    const regions = rest[1] !== undefined ? [rest[1]] : await children(kindPrefix);
    for (const region of regions) {
      if (selection.regions && !selection.regions.includes(region)) continue;
      const regionPrefix = `${kindPrefix}${region}/`;
      const dated = rest.slice(2);
      if (dated.length > 0) yield `${regionPrefix}${dated.join('/')}/`;
      else if (days) for (const day of days) yield `${regionPrefix}${day}/`;
      else yield regionPrefix;
    }
  }
}

interface AccountPrefix {
  prefix: string;
  account: string;
  /** What the caller's URL names below the account. */
  rest: string[];
}

async function* accountPrefixes(
  root: string,
  given: string[],
  children: (prefix: string) => Promise<string[]>,
): AsyncGenerator<AccountPrefix> {
  const tops = given[0] !== undefined ? [given[0]] : await children(root);
  for (const top of tops) {
    if (ACCOUNT.test(top)) {
      yield { prefix: `${root}${top}/`, account: top, rest: given.slice(1) };
    } else if (ORGANIZATION.test(top)) {
      const accounts = given[1] !== undefined ? [given[1]] : await children(`${root}${top}/`);
      for (const account of accounts) {
        if (ACCOUNT.test(account))
          yield { prefix: `${root}${top}/${account}/`, account, rest: given.slice(2) };
      }
    }
  }
}

/**
 * The names of the "folders" right under `prefix`, one request per folder: list one key, take its
 * folder, and continue after everything in that folder (`Marker: prefix + name + "0"`, as "0"
 * sorts right after "/"). A trail has few accounts and regions, so this costs a handful of requests,
 * and unlike a `Delimiter` listing it finds folders on every S3-compatible store (some only return
 * common prefixes one level down).
 */
async function listChildren(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const names: string[] = [];
  // ListObjects (v1) with a Marker: one key per request, and no continuation token to carry (some
  // S3-compatible stores fail to make one).
  let startAfter: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, MaxKeys: 1, Marker: startAfter }),
    );
    const key = page.Contents?.[0]?.Key;
    if (key === undefined || !key.startsWith(prefix)) return names;
    const slash = key.indexOf('/', prefix.length);
    if (slash === -1) {
      startAfter = key; // an object right under the prefix, not a folder
      continue;
    }
    const name = key.slice(prefix.length, slash);
    if (names.length >= MAX_CHILDREN) throw new Error(`more than ${MAX_CHILDREN} folders under ${prefix}`);
    names.push(name);
    startAfter = `${prefix}${name}0`;
  }
}

/** Accounts of an organization, or regions of an account, listed at most. */
const MAX_CHILDREN = 10_000;

function joinPrefix(base: string, name: string): string {
  return base === '' || base.endsWith('/') ? `${base}${name}` : `${base}/${name}`;
}
