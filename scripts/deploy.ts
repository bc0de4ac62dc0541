// npm run deploy -- --stack NAME --artifacts-bucket BUCKET [--region R] [--param K=V ...] [--skip-bundle] [--dry-run]
// Bundles the Lambdas, uploads dist/indexer.zip and dist/cleanup.zip under content-hash keys, and creates or
// updates the stack with `aws cloudformation deploy`. --dry-run prints the commands instead. See docs/deploy.md.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  planDeploy,
  parseDeployArgs,
  shellQuote,
  UsageError,
  USAGE,
  type Command,
} from '../src/infra/deploy-plan.js';
import { validateTemplates } from '../src/infra/validate.js';

const isWindows = process.platform === 'win32';

function run(command: Command): void {
  const result = spawnSync(command.program, command.args, { stdio: 'inherit', shell: isWindows });
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(`command failed (exit ${result.status ?? result.signal}): ${shellQuote(command)}`);
}

function requireAwsCli(): void {
  const probe = spawnSync('aws', ['--version'], { stdio: 'ignore', shell: isWindows });
  const notFound = (probe.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  if (notFound || probe.status !== 0) {
    const why = notFound
      ? 'was not found on PATH'
      : `does not run (aws --version exited with ${probe.status ?? probe.signal})`;
    throw new Error(
      `the AWS CLI (aws) ${why}. Install AWS CLI v2 (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html) and configure credentials, or use --dry-run to see the commands.`,
    );
  }
}

async function validate(template: string): Promise<void> {
  const report = validateTemplates([template]);
  const problems = report.templates.flatMap((t) => t.problems);
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem);
    throw new Error(`${template} has ${problems.length} problem(s); fix them or pass --skip-validate`);
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let options;
  try {
    options = parseDeployArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`deploy: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  try {
    if (!existsSync(options.template))
      throw new UsageError(`template ${options.template} not found (run from the project root)`);
    if (!options.dryRun) requireAwsCli();
    if (!options.skipValidate) await validate(options.template);
    const bundle: Command = { program: isWindows ? 'npm.cmd' : 'npm', args: ['run', 'bundle'] };
    if (options.dryRun) {
      console.log('# dry run: these commands would run');
      if (!options.skipBundle) console.log(shellQuote(bundle));
    } else if (!options.skipBundle) {
      run(bundle);
    }
    const plan = planDeploy(options);
    for (const command of plan.commands) {
      if (options.dryRun) console.log(shellQuote(command));
      else run(command);
    }
    if (!options.dryRun)
      console.log(`\nDeployed ${options.stack} (indexer ${plan.indexerKey}, cleanup ${plan.cleanupKey}).`);
    return 0;
  } catch (error) {
    console.error(`deploy: ${(error as Error).message}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
