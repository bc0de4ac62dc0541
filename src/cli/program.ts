/**
 * The command tree of `cloudtrail-opensearch`. Each command lives in its own module as a function that
 * builds its commander `Command` (its options, defaults and help); what it does lives in a `*Action.ts`
 * module that the action imports only when the command runs, so `--help` and a usage error load
 * commander and the option definitions, not the cluster client, the AWS SDK or the pipeline. Adding a
 * command is those two modules and one line in COMMANDS.
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
    .addHelpText(
      'after',
      `
Run '${PROGRAM} <command> --help' for a command's options and their defaults.

Environment (the defaults each command's --help names):
  cluster     OPENSEARCH_URL, else OPENSEARCH_ENDPOINT (--endpoint); OPENSEARCH_USERNAME and
              OPENSEARCH_PASSWORD (basic auth); INDEX_PREFIX
  AWS         AWS_REGION (for SigV4 and S3, else AWS_DEFAULT_REGION) and the usual credential
              variables; S3_ENDPOINT, KINESIS_ENDPOINT, CLOUDTRAIL_ENDPOINT (compatible endpoints)
  dashboards  DASHBOARDS_URL
  alerts      ALERT_SLACK_WEBHOOK_SECRET, ALERT_SNS_TOPIC_ARN, ALERT_RULES, ALERT_MAX_MESSAGES
              (index and alerts send-test; README "Alerts")

${EXIT_CODES_HELP}`,
    )
    .hook('preAction', (_program, action) => {
      invocation.commandName = wordsOf(action).join(' ');
    });
  for (const build of COMMANDS) program.addCommand(build(invocation));
  // Every level, subcommands included (`alerts test`): commander's own defaults would exit 1 on a
  // usage error there, and print help under another name.
  for (const { command, path } of everyCommand(program)) {
    command
      .exitOverride()
      .helpOption('-h, --help', 'show help')
      .showHelpAfterError(`(run '${path.join(' ')} --help' for usage)`);
    if (command.commands.length > 0) command.helpCommand('help [command]', 'show help for a command');
  }
  return program;
}

/** A command of the tree and the words that run it, e.g. `['cloudtrail-opensearch', 'alerts', 'test']`. */
export interface CommandAt {
  command: Command;
  path: string[];
}

/** The program and every command and subcommand under it, parents before their children. */
export function everyCommand(program: Command): CommandAt[] {
  const found: CommandAt[] = [];
  const visit = (command: Command, path: string[]) => {
    found.push({ command, path });
    for (const child of command.commands) visit(child, [...path, child.name()]);
  };
  visit(program, [program.name()]);
  return found;
}

/** The words after the program's name that run `command`, e.g. `['alerts', 'test']`. */
function wordsOf(command: Command): string[] {
  const words: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) words.unshift(at.name());
  return words;
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}
