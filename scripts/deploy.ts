// npm run deploy -- --stack NAME --artifacts-bucket BUCKET --region R [--param K=V ...] [--tags K=V ...]
//   [--skip-bundle] [--skip-validate] [--dry-run]
// Validates the template, bundles the Lambdas, uploads the zips (content-hashed keys) and the template, and
// creates or updates the stack through a change set (src/infra/deployer.ts). --dry-run prints the commands
// instead. The AWS CLI calls of each case are listed in docs/deploy.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseCfnYaml } from '../src/infra/cfn-yaml.js';
import { parseDeployArgs, UsageError, USAGE, type DeployOptions } from '../src/infra/deploy-args.js';
import { planArtifacts, shellQuote, type Command } from '../src/infra/deploy-plan.js';
import { DeployFailure, Deployer, type CliResult } from '../src/infra/deployer.js';
import { validateTemplates } from '../src/infra/validate.js';

const isWindows = process.platform === 'win32';
/** Deadline of one AWS CLI call; waiting for a stack deletion can take most of an hour. */
const CALL_TIMEOUT_MS = 70 * 60_000;
/** Largest output read from one call (describe-stack-events pages are a few hundred KB at most). */
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

function runAws(command: Command): CliResult {
  const result = spawnSync(command.program, command.args, {
    encoding: 'utf8',
    shell: isWindows,
    timeout: CALL_TIMEOUT_MS,
    maxBuffer: MAX_OUTPUT_BYTES,
    env: { ...process.env, AWS_PAGER: '' },
  });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new DeployFailure(
      'the AWS CLI (aws) was not found on PATH. Install AWS CLI v2 (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html) and configure credentials, or use --dry-run to see the commands.',
    );
  }
  if (result.error) throw new DeployFailure(`${shellQuote(command)} did not finish: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function validate(template: string): void {
  const report = validateTemplates([template]);
  if (!report.lint.ran) console.warn(`deploy: cfn-lint skipped: ${report.lint.reason}`);
  const problems = report.templates.flatMap((t) => t.problems);
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem);
    throw new DeployFailure(
      `${template} has ${problems.length} problem(s); fix them or pass --skip-validate`,
    );
  }
}

function templateParameters(template: string): Set<string> {
  const parsed = parseCfnYaml(readFileSync(template, 'utf8')) as { Parameters?: Record<string, unknown> };
  return new Set(Object.keys(parsed.Parameters ?? {}));
}

async function deploy(options: DeployOptions): Promise<number> {
  if (!existsSync(options.template))
    throw new UsageError(`template ${options.template} not found (run from the project root)`);
  if (!options.skipValidate) validate(options.template);
  const bundle: Command = { program: isWindows ? 'npm.cmd' : 'npm', args: ['run', 'bundle'] };
  const io = {
    run: runAws,
    out: (line: string) => console.log(line),
    err: (line: string) => console.error(line),
    sleep: (ms: number) => sleep(ms),
    now: () => new Date(),
  };
  if (options.dryRun) {
    const deployer = new Deployer(options, planArtifacts(options), templateParameters(options.template), io);
    const [version, ...rest] = deployer.dryRunCommands();
    console.log('# dry run: nothing runs. A real run:');
    console.log(shellQuote(version!));
    if (!options.skipBundle) console.log(shellQuote(bundle));
    for (const command of rest) console.log(shellQuote(command));
    console.log('# On an update, every stack parameter not given keeps its value (UsePreviousValue).');
    return 0;
  }
  const version = runAws({ program: 'aws', args: ['--version'] });
  if (version.status !== 0)
    throw new DeployFailure(`aws --version exited with ${version.status}: ${version.stderr.trim()}`);
  if (!options.skipBundle) {
    const result = spawnSync(bundle.program, bundle.args, { stdio: 'inherit', shell: isWindows });
    if (result.status !== 0)
      throw new DeployFailure(`npm run bundle failed (exit ${result.status ?? result.signal})`);
  }
  const deployer = new Deployer(options, planArtifacts(options), templateParameters(options.template), io);
  await deployer.deploy();
  return 0;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  try {
    return await deploy(parseDeployArgs(argv));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`deploy: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof DeployFailure) {
      console.error(`deploy: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
