// The command line of scripts/deploy.ts: parsed and checked here, before anything runs.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface DeployOptions {
  readonly stack: string;
  readonly region: string;
  readonly profile?: string;
  readonly artifactsBucket: string;
  readonly keyPrefix: string;
  readonly template: string;
  readonly distDir: string;
  /** Stack parameters from --param, in the order given (ArtifactsBucket and the code keys excluded). */
  readonly params: ReadonlyArray<readonly [string, string]>;
  /** Stack tags from --tags, in the order given; none = an update keeps the stack's tags. */
  readonly tags: ReadonlyArray<readonly [string, string]>;
  readonly skipBundle: boolean;
  readonly skipValidate: boolean;
  readonly dryRun: boolean;
}

export const USAGE = `usage: npm run deploy -- --stack NAME --artifacts-bucket BUCKET [options]

  --stack NAME              CloudFormation stack to create or update (required)
  --artifacts-bucket B      S3 bucket for the Lambda zips and the template, in the stack's region (required;
                            or --param ArtifactsBucket=B)
  --region R                the stack's region (default: AWS_REGION, else AWS_DEFAULT_REGION)
  --param KEY=VALUE         stack parameter (repeatable); on an update, parameters not given keep their values
  --tags KEY=VALUE          stack tag, applied to every resource that takes tags (repeatable); on an update,
                            no --tags keeps the stack's tags
  --profile P               AWS CLI profile
  --key-prefix P            S3 key prefix for uploads (default: cloudtrail-opensearch/)
  --template FILE           template (default: cloudformation.yml)
  --skip-bundle             do not run npm run bundle; upload the zips already in dist/
  --skip-validate           do not validate the template first (cfn-lint and the product rules)
  --dry-run                 print the commands instead of running them (runs nothing, needs no AWS access)`;

/** Parameters the script sets itself: the artifacts bucket and each zip's content-hashed key. */
export const MANAGED_PARAMS: ReadonlySet<string> = new Set([
  'IndexerCodeKey',
  'CleanupCodeKey',
  'BreakerCodeKey',
  'AuditCodeKey',
  'QueryApiCodeKey',
]);

const WITH_VALUE = new Set([
  '--stack',
  '--region',
  '--profile',
  '--artifacts-bucket',
  '--key-prefix',
  '--template',
  '--param',
  '--tags',
]);
const BOOLEANS = new Set(['--skip-bundle', '--skip-validate', '--dry-run']);

export function parseDeployArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): DeployOptions {
  const values = new Map<string, string>();
  const params: [string, string][] = [];
  const tags: [string, string][] = [];
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (BOOLEANS.has(name) && eq < 0) {
      flags.add(name);
      continue;
    }
    if (!WITH_VALUE.has(name)) throw new UsageError(`unknown argument "${arg}"`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${name} needs a value`);
    if (name === '--param') params.push(keyValue(name, value, /^[A-Za-z0-9]+$/, 'an alphanumeric KEY'));
    else if (name === '--tags') tags.push(keyValue(name, value, /^[\w.:/=+@ -]{1,128}$/, 'a tag KEY'));
    else values.set(name, value);
  }
  for (const [key] of params) {
    if (MANAGED_PARAMS.has(key))
      throw new UsageError(`${key} is set by the deploy script from the zip's content hash`);
  }
  const stack = values.get('--stack');
  if (stack === undefined) throw new UsageError('--stack NAME is required');
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stack)) throw new UsageError(`invalid stack name "${stack}"`);
  const bucketParam = params.find(([k]) => k === 'ArtifactsBucket')?.[1];
  const artifactsBucket = values.get('--artifacts-bucket') ?? bucketParam;
  if (artifactsBucket === undefined)
    throw new UsageError('--artifacts-bucket BUCKET (or --param ArtifactsBucket=BUCKET) is required');
  if (bucketParam !== undefined && bucketParam !== artifactsBucket)
    throw new UsageError('--artifacts-bucket and --param ArtifactsBucket disagree');
  const region = values.get('--region') ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
  if (region === undefined || region === '')
    throw new UsageError(
      '--region REGION is required (or set AWS_REGION): the stack and the template URL need it',
    );
  let keyPrefix = values.get('--key-prefix') ?? 'cloudtrail-opensearch/';
  if (!keyPrefix.endsWith('/')) keyPrefix += '/';
  return {
    stack,
    region,
    profile: values.get('--profile'),
    artifactsBucket,
    keyPrefix,
    template: values.get('--template') ?? 'cloudformation.yml',
    distDir: 'dist',
    params: params.filter(([k]) => k !== 'ArtifactsBucket'),
    tags,
    skipBundle: flags.has('--skip-bundle'),
    skipValidate: flags.has('--skip-validate'),
    dryRun: flags.has('--dry-run'),
  };
}

function keyValue(option: string, value: string, keyPattern: RegExp, what: string): [string, string] {
  const sep = value.indexOf('=');
  const key = sep > 0 ? value.slice(0, sep) : '';
  if (!keyPattern.test(key)) throw new UsageError(`${option} takes KEY=VALUE with ${what}, got "${value}"`);
  return [key, value.slice(sep + 1)];
}
