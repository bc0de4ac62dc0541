/**
 * The command tree of `cloudtrail-opensearch`. Each command lives in its own module as a function that
 * builds its commander `Command`; adding a command is one new module and one line in COMMANDS.
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { alertsCommand } from './alertsCommand.js';
import { activityCommand } from './activityCommand.js';
import { actorsCommand } from './actorsCommand.js';
import { auditCommand } from './auditCommand.js';
import { cleanupCommand } from './cleanupCommand.js';
import { dashboardsCommand } from './dashboardsCommand.js';
import { demoCommand } from './demoCommand.js';
import { devServerCommand } from './devServerCommand.js';
import { EXIT_CODES_HELP } from './exitCodes.js';
import { generateCommand } from './generateCommand.js';
import { indexCommand } from './indexCommand.js';
import type { Invocation } from './invocation.js';
import { ismCommand } from './ismCommand.js';
import { redriveCommand } from './redriveCommand.js';
import { serveCommand } from './serveCommand.js';
import { servicesCommand } from './servicesCommand.js';
import { topCommand } from './topCommand.js';

export const PROGRAM = 'cloudtrail-opensearch';

/** In the order `--help` lists them. */
const COMMANDS: ((invocation: Invocation) => Command)[] = [
  indexCommand,
  cleanupCommand,
  ismCommand,
  redriveCommand,
  devServerCommand,
  demoCommand,
  generateCommand,
  activityCommand,
  actorsCommand,
  servicesCommand,
  topCommand,
  serveCommand,
  auditCommand,
  alertsCommand,
  dashboardsCommand,
];

export function buildProgram(invocation: Invocation): Command {
  const program = new Command(PROGRAM)
    .description(
      'Index AWS CloudTrail logs into OpenSearch daily indices, keep them, and try it all locally.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .addHelpText(
      'after',
      `
Run '${PROGRAM} <command> --help' for a command's options and their defaults.

Environment: OPENSEARCH_URL (the default --endpoint), OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD
(basic auth), INDEX_PREFIX, AWS_REGION and the usual AWS credential variables (SigV4), S3_ENDPOINT.

${EXIT_CODES_HELP}`,
    )
    .hook('preAction', (_program, action) => {
      invocation.commandName = action.name();
    });
  for (const build of COMMANDS) program.addCommand(build(invocation));
  for (const command of [program, ...program.commands]) {
    command
      .exitOverride()
      .helpOption('-h, --help', 'show help')
      .showHelpAfterError(
        `(run '${command === program ? PROGRAM : `${PROGRAM} ${command.name()}`} --help' for usage)`,
      );
  }
  return program;
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}
