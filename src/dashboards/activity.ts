/** The "Activity" dashboard: who did what, where and when, over every event of the daily indices. */
import { dashboard, type Panel } from './dashboard.js';
import { allOf, exists, is, not } from './dql.js';
import type { SavedObject } from './savedObjects.js';
import type { VisualizationFactory } from './visualizations.js';

/**
 * The field that names the principal in charts and tables: `ct.actor`, derived at index time (an
 * assumed role by its role ARN, all its sessions together; root; the AWS service; ...). Events indexed
 * before the derived fields existed lack it (docs/dashboards.md).
 */
export const ACTOR_FIELD = 'ct.actor';

/** Calls that failed: CloudTrail sometimes writes an empty errorCode, which is no error. */
export const ANY_ERROR = allOf(exists('errorCode'), not(is('errorCode', '')));

/** The columns of an event table: what happened, by whom, from where, and whether it failed. */
export const EVENT_COLUMNS = [
  'eventName',
  'eventSource',
  ACTOR_FIELD,
  'sourceIPAddress',
  'awsRegion',
  'recipientAccountId',
  'errorCode',
];

/** The dashboard's panel objects, then the dashboard itself; the writes table is the saved search given. */
export function activityDashboard(
  factory: VisualizationFactory,
  id: string,
  title: string,
  writesSearch: SavedObject,
): SavedObject[] {
  const panels: Panel[] = [
    {
      width: 'full',
      object: factory.visualization({
        kind: 'timeline',
        name: 'events-by-service',
        title: 'Events over time by service',
        dql: '',
        splitBy: 'eventSource',
      }),
    },
    {
      width: 'half',
      object: factory.visualization({
        kind: 'bars',
        name: 'top-actors',
        title: 'Top actors',
        dql: '',
        field: ACTOR_FIELD,
        size: 15,
      }),
    },
    {
      width: 'half',
      object: factory.visualization({
        kind: 'bars',
        name: 'top-event-names',
        title: 'Top event names',
        dql: '',
        field: 'eventName',
        size: 15,
      }),
    },
    {
      width: 'full',
      object: factory.visualization({
        kind: 'timeline',
        name: 'errors-over-time',
        title: 'Errors over time by error code',
        dql: ANY_ERROR,
        splitBy: 'errorCode',
      }),
    },
    {
      width: 'half',
      object: factory.visualization({
        kind: 'table',
        name: 'principals',
        title: 'Principals seen, by type',
        dql: '',
        fields: ['ct.actorType', ACTOR_FIELD],
        size: 20,
      }),
    },
    {
      width: 'half',
      object: factory.visualization({
        kind: 'table',
        name: 'services',
        title: 'Services called',
        dql: '',
        fields: ['eventSource'],
        size: 50,
      }),
    },
    {
      width: 'half',
      object: factory.visualization({
        kind: 'table',
        name: 'accounts-regions',
        title: 'Events by account and region',
        dql: '',
        fields: ['recipientAccountId', 'awsRegion'],
        size: 20,
      }),
    },
    {
      width: 'half',
      object: factory.visualization({
        kind: 'table',
        name: 'source-ips',
        title: 'Source IP addresses',
        dql: '',
        fields: ['sourceIPAddress'],
        size: 20,
      }),
    },
    { width: 'full', object: writesSearch },
  ];
  const board = dashboard({
    id,
    title,
    description: 'CloudTrail activity: services, actors, event names, errors, accounts, regions, writes.',
    panels,
    timeFrom: 'now-7d',
  });
  // The writes search is already in the export (it answers an investigator question too).
  return [...panels.map((panel) => panel.object).filter((object) => object !== writesSearch), board];
}
