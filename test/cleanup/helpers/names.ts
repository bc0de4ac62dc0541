/** Test data: runs of daily index names and the look-alikes the cleanup must never touch. */

const DAY_MS = 86_400_000;

/** `count` consecutive daily names starting at `firstDay` (`YYYY-MM-DD`). */
export function dailyNames(prefix: string, firstDay: string, count: number): string[] {
  const start = Date.parse(`${firstDay}T00:00:00Z`);
  return Array.from(
    { length: count },
    (_, i) => prefix + new Date(start + i * DAY_MS).toISOString().slice(0, 10),
  );
}

/** Names that look close to `cloudtrail-YYYY-MM-DD` but are not daily indices of that prefix. */
export const DISTRACTORS = [
  '.kibana_1',
  '.opendistro-ism-config',
  '.opensearch-observability',
  '.ds-logs-000001',
  '.ds-cloudtrail-2020-01-01-000001',
  'cloudtrail-deadletter',
  'cloudtrail-2024-01-01-restored',
  'cloudtrail-2020-01-01.bak',
  'cloudtrail-2024-13-45',
  'cloudtrail-2023-02-29',
  'cloudtrail-1900-02-29',
  'cloudtrail-2020-04-31',
  'cloudtrail-2020-01-00',
  'cloudtrail-0000-01-01',
  'cloudtrail-2020-1-01',
  'cloudtrail-20240101',
  'cloudtrail-',
  'cloudtrail-2020',
  'cloudtrail-old',
  'Cloudtrail-2020-01-01',
  'xcloudtrail-2020-01-01',
  'other-2020-01-01',
  'cloudtrail2020-01-01',
];
