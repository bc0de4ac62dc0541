/**
 * Logs and metrics, behind one small interface so the pipeline does not care whether it runs in a
 * Lambda (Powertools: JSON logs, CloudWatch metrics in Embedded Metric Format) or in the CLI (quiet
 * logs on stderr, counters summed for the final summary).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** The metric names this product emits (the CloudFormation alarms and README refer to them). */
export type MetricName =
  | 'RecordsRead'
  | 'RecordsIndexed'
  | 'RecordsDuplicate'
  | 'RecordsHealed'
  | 'RecordsDeadLettered'
  | 'RecordsUndelivered'
  | 'FilesIndexed'
  | 'FilesSkipped'
  | 'FilesFailed'
  | 'BulkRetries'
  | 'IndexingLagSeconds'
  | 'IndicesDeleted'
  | 'IndicesKept'
  | 'IndicesSkipped'
  | 'DeleteFailures'
  | 'ShardBudgetWarning'
  | 'KinesisRecordsPut'
  | 'KinesisRecordsFailed'
  | 'KinesisRecordsDeadLettered'
  | 'KinesisThrottles'
  | 'AuditMissingFiles'
  | 'AuditHashMismatches'
  | 'AuditChainGaps'
  | 'AuditFindings'
  | 'AlertsMatched'
  | 'AlertsSent'
  | 'AlertsFailed'
  | 'QueryApiRequests'
  | 'QueryApiRefused'
  | 'QueryApiFailed';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export type LogData = Record<string, unknown>;

export interface Log {
  debug(message: string, data?: LogData): void;
  info(message: string, data?: LogData): void;
  warn(message: string, data?: LogData): void;
  error(message: string, data?: LogData): void;
}

export interface Telemetry {
  log: Log;
  /** Adds to a counter (unit Count) or records a value (unit Seconds). */
  metric(name: MetricName, value: number, unit?: 'Count' | 'Seconds'): void;
  /** Writes the metrics gathered since the last flush (EMF in Lambda; no-op in the CLI). */
  flush(): void;
}

/**
 * Lambda telemetry: Powertools Logger (structured JSON) and Metrics (EMF on stdout). The service name
 * is POWERTOOLS_SERVICE_NAME when the function sets it, else `defaultServiceName`.
 */
export function lambdaTelemetry(
  defaultServiceName: string,
  logLevel: LogLevel,
): Telemetry & { logger: Logger } {
  const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? defaultServiceName;
  const logger = new Logger({ serviceName, logLevel });
  const metrics = new Metrics({
    serviceName,
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CloudTrailOpenSearch',
  });
  // Gauges like IndexingLagSeconds are recorded once per file; the rest are summed per invocation so
  // one EMF line carries them all (cheaper than one line per file).
  const sums = new Map<MetricName, number>();
  return {
    logger,
    log: {
      debug: (message, data) => logger.debug(message, data ?? {}),
      info: (message, data) => logger.info(message, data ?? {}),
      warn: (message, data) => logger.warn(message, data ?? {}),
      error: (message, data) => logger.error(message, data ?? {}),
    },
    metric(name, value, unit = 'Count') {
      if (unit === 'Seconds') metrics.addMetric(name, MetricUnit.Seconds, value);
      else sums.set(name, (sums.get(name) ?? 0) + value);
    },
    flush() {
      for (const [name, value] of sums) metrics.addMetric(name, MetricUnit.Count, value);
      sums.clear();
      metrics.publishStoredMetrics();
    },
  };
}

/**
 * CLI telemetry: counters kept in memory for the summary; log lines at or above `level` go to `writeLine`
 * (default stderr; the CLI passes its progress display so a live progress line is not garbled).
 */
export function cliTelemetry(
  level: LogLevel = 'WARN',
  writeLine: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Telemetry & { counters: Map<MetricName, number> } {
  const order: LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];
  const threshold = order.indexOf(level);
  const counters = new Map<MetricName, number>();
  const write = (lineLevel: LogLevel) => (message: string, data?: LogData) => {
    if (order.indexOf(lineLevel) < threshold) return;
    const details = data && Object.keys(data).length ? ' ' + JSON.stringify(data) : '';
    writeLine(`${lineLevel.toLowerCase()}: ${message}${details}`);
  };
  return {
    counters,
    log: { debug: write('DEBUG'), info: write('INFO'), warn: write('WARN'), error: write('ERROR') },
    metric(name, value, unit = 'Count') {
      if (unit === 'Count') counters.set(name, (counters.get(name) ?? 0) + value);
    },
    flush() {},
  };
}

/** Telemetry that records nothing (tests that only look at outcomes). */
export function silentTelemetry(): Telemetry {
  const noop = () => {};
  return { log: { debug: noop, info: noop, warn: noop, error: noop }, metric: noop, flush: noop };
}
