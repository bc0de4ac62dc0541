// The AWS CLI commands scripts/deploy.ts runs, built without side effects (except reading the zips and the
// template to hash them), so a dry run prints exactly what a real run executes. docs/deploy.md lists
// the sequences for a create, an update, no change and a failed change set.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError, type DeployOptions } from './deploy-args.js';

export interface Command {
  readonly program: string;
  readonly args: readonly string[];
}

/** The bundles the stack deploys, and the template parameter that names each one's S3 key. */
export const BUNDLES = [
  { name: 'indexer', param: 'IndexerCodeKey' },
  { name: 'cleanup', param: 'CleanupCodeKey' },
  { name: 'breaker', param: 'BreakerCodeKey' },
  { name: 'audit', param: 'AuditCodeKey' },
  { name: 'query-api', param: 'QueryApiCodeKey' },
] as const;

export interface Upload {
  readonly file: string;
  readonly key: string;
}

export interface Artifacts {
  readonly zips: readonly (Upload & { readonly param: string })[];
  readonly template: Upload & { readonly url: string };
}

/** S3 key that changes whenever the content changes, so CloudFormation sees a new key and updates the code. */
export function contentKey(prefix: string, name: string, content: Uint8Array, extension = 'zip'): string {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
  return `${prefix}${name}-${hash}.${extension}`;
}

/**
 * Where each zip and the template go. When the zips are not built yet (a dry run that would bundle first),
 * their keys are shown as placeholders.
 */
export function planArtifacts(
  options: DeployOptions,
  read: (path: string) => Uint8Array = (p) => readFileSync(p),
): Artifacts {
  const zips = BUNDLES.map(({ name, param }) => {
    const file = `${options.distDir}/${name}.zip`;
    let key: string;
    try {
      key = contentKey(options.keyPrefix, name, read(file));
    } catch {
      if (!(options.dryRun && !options.skipBundle))
        throw new UsageError(`${file} not found: run npm run bundle (or drop --skip-bundle)`);
      key = `${options.keyPrefix}${name}-<sha256 of ${file} after bundling>.zip`;
    }
    return { file, key, param };
  });
  const templateKey = contentKey(
    `${options.keyPrefix}templates/`,
    'cloudformation',
    read(options.template),
    'yml',
  );
  const url = `https://${options.artifactsBucket}.s3.${options.region}.amazonaws.com/${templateKey}`;
  return { zips, template: { file: options.template, key: templateKey, url } };
}

export type ChangeSetParameter =
  | { readonly ParameterKey: string; readonly ParameterValue: string }
  | { readonly ParameterKey: string; readonly UsePreviousValue: true };

/**
 * The change set's parameters: the bucket and code keys, every --param, and on an update
 * UsePreviousValue for each parameter the stack has, the template still has and the command line does
 * not set (new parameters take their defaults).
 */
export function changeSetParameters(
  options: DeployOptions,
  artifacts: Artifacts,
  templateParameters: ReadonlySet<string>,
  stackParameters: readonly string[] = [],
): ChangeSetParameter[] {
  const given: ChangeSetParameter[] = [
    { ParameterKey: 'ArtifactsBucket', ParameterValue: options.artifactsBucket },
    ...artifacts.zips.map((z) => ({ ParameterKey: z.param, ParameterValue: z.key })),
    ...options.params.map(([key, value]) => ({ ParameterKey: key, ParameterValue: value })),
  ];
  const unknown = given.filter((p) => !templateParameters.has(p.ParameterKey)).map((p) => p.ParameterKey);
  if (unknown.length > 0) throw new UsageError(`${options.template} has no parameter ${unknown.join(', ')}`);
  const names = new Set(given.map((p) => p.ParameterKey));
  const kept = stackParameters
    .filter((key) => templateParameters.has(key) && !names.has(key))
    .map((key): ChangeSetParameter => ({ ParameterKey: key, UsePreviousValue: true }));
  return [...given, ...kept];
}

/** Every AWS CLI call of a deploy; each carries the region (and profile) and asks for JSON. */
export class AwsCommands {
  constructor(private readonly options: DeployOptions) {}

  private aws(...args: string[]): Command {
    const { region, profile } = this.options;
    return {
      program: 'aws',
      args: [...args, '--region', region, ...(profile ? ['--profile', profile] : [])],
    };
  }

  private stack(operation: string, ...args: string[]): Command {
    return this.aws(
      'cloudformation',
      operation,
      '--stack-name',
      this.options.stack,
      ...args,
      '--output',
      'json',
    );
  }

  version(): Command {
    return { program: 'aws', args: ['--version'] };
  }

  describeStacks(): Command {
    return this.stack('describe-stacks');
  }

  describeStackEvents(): Command {
    return this.stack('describe-stack-events', '--max-items', '100');
  }

  deleteStack(): Command {
    return this.stack('delete-stack');
  }

  waitStackDeleted(): Command {
    return this.aws('cloudformation', 'wait', 'stack-delete-complete', '--stack-name', this.options.stack);
  }

  upload(upload: Upload): Command {
    return this.aws(
      's3',
      'cp',
      upload.file,
      `s3://${this.options.artifactsBucket}/${upload.key}`,
      '--only-show-errors',
    );
  }

  createChangeSet(
    name: string,
    type: string,
    templateUrl: string,
    parameters: readonly ChangeSetParameter[] | string,
  ): Command {
    const tags = this.options.tags.map(([Key, Value]) => ({ Key, Value }));
    return this.stack(
      'create-change-set',
      '--change-set-name',
      name,
      '--change-set-type',
      type,
      '--template-url',
      templateUrl,
      '--capabilities',
      'CAPABILITY_IAM',
      '--parameters',
      typeof parameters === 'string' ? parameters : JSON.stringify(parameters),
      ...(tags.length > 0 ? ['--tags', JSON.stringify(tags)] : []),
    );
  }

  describeChangeSet(name: string): Command {
    return this.stack('describe-change-set', '--change-set-name', name);
  }

  executeChangeSet(name: string): Command {
    return this.stack('execute-change-set', '--change-set-name', name);
  }

  deleteChangeSet(name: string): Command {
    return this.stack('delete-change-set', '--change-set-name', name);
  }
}

/** Change set names are unique per run: deploy-YYYYMMDDTHHMMSSZ (UTC). */
export function changeSetName(now: Date): string {
  return `deploy-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

/** POSIX-shell rendering of a command, for printing. */
export function shellQuote(command: Command): string {
  return [command.program, ...command.args]
    .map((arg) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}
