/**
 * The whole export: the index pattern on the daily indices, the investigator saved searches, and the
 * Activity and Security dashboards with their visualizations, in the order the import API wants them
 * (an object's references come before it). Ids are derived from the index prefix only, so they are
 * the same on every run and a re-install overwrites the previous objects instead of adding copies.
 */
import { indexPattern, templateName } from '../template/template.js';
import { activityDashboard } from './activity.js';
import { FieldCatalogue, indexPatternFields } from './fields.js';
import { QUESTION_SEARCHES } from './questions.js';
import { savedObject, toNdjson, type SavedObject } from './savedObjects.js';
import { securityDashboard } from './security.js';
import { VisualizationFactory } from './visualizations.js';

export const DEFAULT_INDEX_PREFIX = 'cloudtrail-';

export interface ExportOptions {
  indexPrefix: string;
}

export function buildSavedObjects(options: ExportOptions): SavedObject[] {
  const catalogue = new FieldCatalogue();
  const base = templateName(options.indexPrefix);
  const idOf = (kind: string, name: string) => `${base}-${kind}-${name}`;
  // A second prefix installed next to the default one gets its own objects, told apart by title.
  const suffix =
    options.indexPrefix === DEFAULT_INDEX_PREFIX ? '' : ` (${indexPattern(options.indexPrefix)})`;
  const indexPatternObject = savedObject('index-pattern', `${base}-index-pattern`, {
    title: indexPattern(options.indexPrefix),
    timeFieldName: catalogue.field('@timestamp'),
    fields: JSON.stringify(indexPatternFields(catalogue)),
  });
  const factory = new VisualizationFactory(catalogue, indexPatternObject.id, idOf);
  const searches = QUESTION_SEARCHES.map((spec) => factory.search({ ...spec, title: spec.title + suffix }));
  const writes = searches[QUESTION_SEARCHES.findIndex((spec) => spec.name === 'writes')];
  if (!writes)
    throw new Error('the investigator searches have no "writes" search for the Activity dashboard');
  return [
    indexPatternObject,
    ...searches,
    ...activityDashboard(factory, idOf('dashboard', 'activity'), `CloudTrail activity${suffix}`, writes),
    ...securityDashboard(factory, catalogue, idOf('dashboard', 'security'), `CloudTrail security${suffix}`),
  ];
}

/** The export as the NDJSON file the saved-objects import API (and Dashboards' Import button) takes. */
export function exportNdjson(options: ExportOptions): string {
  return toNdjson(buildSavedObjects(options));
}
