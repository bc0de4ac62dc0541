/** The `cloudtrail-opensearch` command line: thin commands over the same library the Lambdas use. */
import { ConfigError } from '../config.js';
import { UsageError } from './args.js';
import { cleanupCommand, ismCommand } from './cleanupCommand.js';
import { demoCommand } from './demoCommand.js';
import { devServerCommand } from './devServerCommand.js';
import { generateCommand } from './generateCommand.js';
import { INDEX_USAGE, indexCommand } from './indexCommand.js';
import { redriveCommand } from './redriveCommand.js';

const USAGE = `usage: cloudtrail-opensearch <command> [options]

commands:
  index <path|s3://bucket/prefix>... --endpoint URL   index CloudTrail files (directories recurse)
  cleanup --endpoint URL --keep-days N [--dry-run]     delete daily indices older than N days
  install-ism --endpoint URL --keep-days N             install the equivalent in-cluster ISM policy
  dev-server [--port 9200] [--host 127.0.0.1]          run the local OpenSearch-compatible server
  redrive --endpoint URL --from index:NAME|s3://bucket/prefix [--delete-after]
                                                       re-send dead-lettered documents after fixing the cause
  demo                                                 index the bundled samples into a local dev server
  generate --out DIR --records N [--per-file 500] [--days 1] [--seed S]
                                                       write realistic CloudTrail files (from the samples)

${INDEX_USAGE}`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  index: indexCommand,
  cleanup: cleanupCommand,
  'install-ism': ismCommand,
  'dev-server': devServerCommand,
  demo: demoCommand,
  generate: generateCommand,
  redrive: redriveCommand,
};

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`cloudtrail-opensearch: unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`cloudtrail-opensearch ${name}: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(
      `cloudtrail-opensearch ${name}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}
