/**
 * `cloudtrail-opensearch alerts test [--rules FILE] PATH...`: which events of these log files match which
 * rules (for rule authors; nothing is indexed or sent). `alerts send-test`: one sample message to the
 * configured destinations, to check the webhook or topic.
 */
import { Command, Option } from 'commander';
import type { Invocation } from './invocation.js';

export function alertsCommand(invocation: Invocation): Command {
  const command = new Command('alerts').summary('try alert rules on log files, or send a test alert');
  command
    .command('test')
    .summary('print which events in these log files match which rules')
    .argument('<paths...>', 'local files or directories, and s3://bucket/prefix URLs')
    .addOption(new Option('--rules <file>', 'a rules file (YAML or JSON); default: the built-in pack'))
    .addOption(
      new Option(
        '--region <region>',
        "AWS region for s3:// paths (default: $AWS_REGION, else $AWS_DEFAULT_REGION, else us-east-1, then the bucket's own)",
      ),
    )
    .addOption(
      new Option(
        '--s3-endpoint <url>',
        'an S3-compatible endpoint instead of AWS S3, path-style (default: $S3_ENDPOINT, else AWS S3)',
      ),
    )
    .addHelpText(
      'after',
      `
Prints one line per match: rule id, eventID, eventName, and the file and record it came from; then
how many events matched each rule. A rules file with a mistake is refused (exit 2) with the rule and
field named.`,
    )
    .action(async (paths: string[], flags: { rules?: string; region?: string; s3Endpoint?: string }) => {
      const { runTest } = await import('./alertsAction.js');
      invocation.exitCode = await runTest(paths, flags);
    });
  command
    .command('send-test')
    .summary('send one sample alert to the configured Slack webhook and SNS topic')
    .addOption(new Option('--region <region>', 'AWS region of the secret and topic (default: $AWS_REGION)'))
    .addHelpText(
      'after',
      `
Reads ALERT_SLACK_WEBHOOK_SECRET (a Secrets Manager secret or SSM SecureString holding the webhook URL)
and ALERT_SNS_TOPIC_ARN, as the indexer does. Exit 0 when every destination took the message.`,
    )
    .action(async (flags: { region?: string }) => {
      const { runSendTest } = await import('./alertsAction.js');
      invocation.exitCode = await runSendTest(flags);
    });
  return command;
}
