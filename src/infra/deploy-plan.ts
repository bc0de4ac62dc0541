// Argument parsing and command planning for scripts/deploy.ts, kept free of side effects except reading
// the zip files to hash them, so a dry run prints exactly what a real run executes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface DeployOptions {
  readonly stack: string;
  readonly region?: string;
  readonly profile?: string;
  readonly artifactsBucket: string;
  readonly keyPrefix: string;
  readonly template: string;
  readonly distDir: string;
  /** Stack parameters from --param, in the order given (ArtifactsBucket and the code keys excluded). */
  readonly params: ReadonlyArray<readonly [string, string]>;
  readonly skipBundle: boolean;
  readonly skipValidate: boolean;
  readonly dryRun: boolean;
}

export const USAGE = `usage: npm run deploy -- --stack NAME [options]

  --stack NAME              CloudFormation stack to create or update (required)
  --artifacts-bucket B      S3 bucket for the Lambda zips and the template (required; or --param ArtifactsBucket=B)
  --param KEY=VALUE         stack parameter (repeatable); parameters not given keep their current value
  --region R                AWS region (default: the AWS CLI's configuration)
  --profile P               AWS CLI profile
  --key-prefix P            S3 key prefix for uploads (default: cloudtrail-opensearch/)
  --template FILE           template (default: cloudformation.yml)
  --skip-bundle             do not run npm run bundle; upload the zips already in dist/
  --skip-validate           do not validate the template first
  --dry-run                 print the commands instead of running them`;

/** Parameters the script computes itself. */
const MANAGED_PARAMS = new Set(['IndexerCodeKey', 'CleanupCodeKey']);

export function parseDeployArgs(argv: readonly string[]): DeployOptions {
  const values = new Map<string, string>();
  const params: [string, string][] = [];
  const flags = new Set<string>();
  const withValue = new Set([
    '--stack',
    '--region',
    '--profile',
    '--artifacts-bucket',
    '--key-prefix',
    '--template',
    '--param',
  ]);
  const booleans = new Set(['--skip-bundle', '--skip-validate', '--dry-run']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (booleans.has(name) && eq < 0) {
      flags.add(name);
      continue;
    }
    if (!withValue.has(name)) throw new UsageError(`unknown argument "${arg}"`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${name} needs a value`);
    if (name === '--param') {
      const sep = value.indexOf('=');
      const key = sep > 0 ? value.slice(0, sep) : '';
      if (!/^[A-Za-z0-9]+$/.test(key))
        throw new UsageError(`--param takes KEY=VALUE with an alphanumeric KEY, got "${value}"`);
      if (MANAGED_PARAMS.has(key))
        throw new UsageError(`${key} is set by the deploy script from the zip's content hash`);
      params.push([key, value.slice(sep + 1)]);
    } else {
      values.set(name, value);
    }
  }
  const stack = values.get('--stack');
  if (stack === undefined) throw new UsageError('--stack NAME is required');
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stack)) throw new UsageError(`invalid stack name "${stack}"`);
  const bucketParam = params.find(([k]) => k === 'ArtifactsBucket')?.[1];
  const artifactsBucket = values.get('--artifacts-bucket') ?? bucketParam;
  if (artifactsBucket === undefined)
    throw new UsageError('--artifacts-bucket BUCKET (or --param ArtifactsBucket=BUCKET) is required');
  if (bucketParam !== undefined && bucketParam !== artifactsBucket) {
    throw new UsageError('--artifacts-bucket and --param ArtifactsBucket disagree');
  }
  let keyPrefix = values.get('--key-prefix') ?? 'cloudtrail-opensearch/';
  if (!keyPrefix.endsWith('/')) keyPrefix += '/';
  return {
    stack,
    region: values.get('--region'),
    profile: values.get('--profile'),
    artifactsBucket,
    keyPrefix,
    template: values.get('--template') ?? 'cloudformation.yml',
    distDir: 'dist',
    params: params.filter(([k]) => k !== 'ArtifactsBucket'),
    skipBundle: flags.has('--skip-bundle'),
    skipValidate: flags.has('--skip-validate'),
    dryRun: flags.has('--dry-run'),
  };
}

/** S3 key for a zip: changes whenever the zip's bytes change, so CloudFormation sees a new S3Key and
 * updates the function code. */
export function contentKey(prefix: string, name: string, content: Uint8Array): string {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
  return `${prefix}${name}-${hash}.zip`;
}

export interface Command {
  readonly program: string;
  readonly args: readonly string[];
}

export interface UploadPlan {
  readonly indexerKey: string;
  readonly cleanupKey: string;
  readonly commands: readonly Command[];
}

/** Commands after the bundle step: uploads, deploy, outputs. Reads (hashes) the two zips. */
export function planDeploy(
  options: DeployOptions,
  readZip: (path: string) => Uint8Array = (p) => readFileSync(p),
): UploadPlan {
  const common = [
    ...(options.region ? ['--region', options.region] : []),
    ...(options.profile ? ['--profile', options.profile] : []),
  ];
  const zips = (['indexer', 'cleanup'] as const).map((name) => {
    const file = `${options.distDir}/${name}.zip`;
    let content: Uint8Array;
    try {
      content = readZip(file);
    } catch {
      throw new UsageError(`${file} not found: run npm run bundle (or drop --skip-bundle)`);
    }
    return { file, key: contentKey(options.keyPrefix, name, content) };
  });
  const [indexer, cleanup] = zips as [(typeof zips)[0], (typeof zips)[0]];
  const aws = (...args: string[]): Command => ({ program: 'aws', args: [...args, ...common] });
  const commands: Command[] = [
    ...zips.map((z) =>
      aws('s3', 'cp', z.file, `s3://${options.artifactsBucket}/${z.key}`, '--only-show-errors'),
    ),
    aws(
      'cloudformation',
      'deploy',
      '--template-file',
      options.template,
      '--stack-name',
      options.stack,
      '--capabilities',
      'CAPABILITY_IAM',
      // Upload the template via S3: CloudFormation accepts at most 51,200 bytes inline.
      '--s3-bucket',
      options.artifactsBucket,
      '--s3-prefix',
      `${options.keyPrefix}templates`,
      '--no-fail-on-empty-changeset',
      '--parameter-overrides',
      `ArtifactsBucket=${options.artifactsBucket}`,
      `IndexerCodeKey=${indexer.key}`,
      `CleanupCodeKey=${cleanup.key}`,
      ...options.params.map(([k, v]) => `${k}=${v}`),
    ),
    aws(
      'cloudformation',
      'describe-stacks',
      '--stack-name',
      options.stack,
      '--query',
      'Stacks[0].Outputs',
      '--output',
      'table',
    ),
  ];
  return { indexerKey: indexer.key, cleanupKey: cleanup.key, commands };
}

/** POSIX-shell rendering of a command, for printing. */
export function shellQuote(command: Command): string {
  return [command.program, ...command.args]
    .map((arg) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}
