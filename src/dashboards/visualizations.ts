/**
 * Visualizations and saved searches as saved objects. Only the aggregation-based ("legacy") types every
 * target has are used: `histogram`, `horizontal_bar` and `table` exist with the same `visState` in
 * Kibana 7.10 and OpenSearch Dashboards 1.x and 2.x (Lens and the newer editors do not). Every field
 * goes through the field catalogue, so a chart can only aggregate on a field the template maps as
 * aggregatable.
 */
import type { FieldCatalogue } from './fields.js';
import { indexReference, savedObject, searchSourceMeta, type SavedObject } from './savedObjects.js';

/** A chart or table over the events a DQL query selects (empty query: every event). */
export type VisSpec =
  | { kind: 'timeline'; name: string; title: string; dql: string; splitBy?: string; size?: number }
  | { kind: 'bars'; name: string; title: string; dql: string; field: string; size?: number }
  | { kind: 'table'; name: string; title: string; dql: string; fields: string[]; size?: number };

/** A saved search: the matching events as rows with these columns, newest first. */
export interface SearchSpec {
  name: string;
  title: string;
  description: string;
  dql: string;
  columns: string[];
}

const DEFAULT_SIZE = 10;
const COUNT = { id: '1', enabled: true, type: 'count', schema: 'metric', params: {} };

function termsAgg(id: string, schema: string, field: string, size: number) {
  return {
    id,
    enabled: true,
    type: 'terms',
    schema,
    params: {
      field,
      size,
      order: 'desc',
      orderBy: '1',
      otherBucket: false,
      otherBucketLabel: 'Other',
      missingBucket: false,
      missingBucketLabel: 'Missing',
    },
  };
}

const dateHistogramAgg = (field: string) => ({
  id: '2',
  enabled: true,
  type: 'date_histogram',
  schema: 'segment',
  params: { field, interval: 'auto', min_doc_count: 1, extended_bounds: {} },
});

/** The vislib parameters of a bar chart, vertical (time on the x axis) or horizontal. */
function barParams(type: 'histogram' | 'horizontal_bar') {
  const horizontal = type === 'horizontal_bar';
  return {
    type,
    grid: { categoryLines: false },
    categoryAxes: [
      {
        id: 'CategoryAxis-1',
        type: 'category',
        position: horizontal ? 'left' : 'bottom',
        show: true,
        style: {},
        scale: { type: 'linear' },
        labels: { show: true, filter: !horizontal, truncate: horizontal ? 200 : 100 },
        title: {},
      },
    ],
    valueAxes: [
      {
        id: 'ValueAxis-1',
        name: horizontal ? 'BottomAxis-1' : 'LeftAxis-1',
        type: 'value',
        position: horizontal ? 'bottom' : 'left',
        show: true,
        style: {},
        scale: { type: 'linear', mode: 'normal' },
        labels: { show: true, rotate: 0, filter: horizontal, truncate: 100 },
        title: { text: 'Count' },
      },
    ],
    seriesParams: [
      {
        show: true,
        type: 'histogram',
        mode: 'stacked',
        data: { label: 'Count', id: '1' },
        valueAxis: 'ValueAxis-1',
        drawLinesBetweenPoints: true,
        lineWidth: 2,
        showCircles: true,
      },
    ],
    addTooltip: true,
    addLegend: true,
    legendPosition: 'right',
    times: [],
    addTimeMarker: false,
    labels: { show: false },
  };
}

const TABLE_PARAMS = {
  perPage: 10,
  showPartialRows: false,
  showMetricsAtAllLevels: false,
  sort: { columnIndex: null, direction: null },
  showTotal: false,
  totalFunc: 'sum',
  percentageCol: '',
};

/** Builds the saved objects of one export: every object points at the same index pattern. */
export class VisualizationFactory {
  constructor(
    private readonly catalogue: FieldCatalogue,
    private readonly indexPatternId: string,
    private readonly idOf: (kind: string, name: string) => string,
  ) {}

  visualization(spec: VisSpec): SavedObject {
    const visState = { title: spec.title, ...this.chart(spec) };
    return savedObject(
      'visualization',
      this.idOf('vis', spec.name),
      {
        title: spec.title,
        visState: JSON.stringify(visState),
        uiStateJSON: '{}',
        description: '',
        version: 1,
        kibanaSavedObjectMeta: searchSourceMeta(spec.dql),
      },
      [indexReference(this.indexPatternId)],
    );
  }

  search(spec: SearchSpec): SavedObject {
    const timestamp = this.catalogue.field('@timestamp');
    return savedObject(
      'search',
      this.idOf('search', spec.name),
      {
        title: spec.title,
        description: spec.description,
        hits: 0,
        columns: spec.columns.map((name) => this.catalogue.field(name)),
        sort: [[timestamp, 'desc']],
        version: 1,
        kibanaSavedObjectMeta: searchSourceMeta(spec.dql),
      },
      [indexReference(this.indexPatternId)],
    );
  }

  private chart(spec: VisSpec): { type: string; params: unknown; aggs: unknown[] } {
    const size = spec.size ?? DEFAULT_SIZE;
    const agg = (name: string) => this.catalogue.aggregatableField(name);
    switch (spec.kind) {
      case 'timeline': {
        const aggs: unknown[] = [COUNT, dateHistogramAgg(agg('@timestamp'))];
        if (spec.splitBy !== undefined) aggs.push(termsAgg('3', 'group', agg(spec.splitBy), size));
        return { type: 'histogram', params: barParams('histogram'), aggs };
      }
      case 'bars':
        return {
          type: 'horizontal_bar',
          params: barParams('horizontal_bar'),
          aggs: [COUNT, termsAgg('2', 'segment', agg(spec.field), size)],
        };
      case 'table':
        return {
          type: 'table',
          params: TABLE_PARAMS,
          aggs: [COUNT, ...spec.fields.map((name, i) => termsAgg(String(i + 2), 'bucket', agg(name), size))],
        };
    }
  }
}
