/** The variables the indexer reads for alerts (src/config.ts lists them with its own; README "Alerts"). */
export const ALERT_ENV_VARS: readonly string[] = [
  'ALERT_RULES',
  'ALERT_SLACK_WEBHOOK_SECRET',
  'ALERT_SNS_TOPIC_ARN',
  'ALERT_MAX_MESSAGES',
];
