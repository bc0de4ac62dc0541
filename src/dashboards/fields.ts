/**
 * The fields of the index template as Dashboards sees them, read from the template's own mappings so
 * a saved object can only name a field the daily indices really map. Every saved object builder goes
 * through `field()`/`aggregatableField()`: a name the template does not map (or maps as text where an
 * aggregation needs a keyword) stops the export with an error instead of shipping an empty chart.
 */
import { indexMappings } from '../template/mappings.js';

/** One mapped field: its dotted name and OpenSearch type (`keyword`, `text`, `date`, `ip`, ...). */
export interface TemplateField {
  name: string;
  esType: string;
  /** Set on a multi-field (`errorMessage.keyword`): the field it belongs to. */
  parent?: string;
}

/** Field types whose values Dashboards can aggregate on (doc values); `text` is not one of them. */
const AGGREGATABLE_TYPES: ReadonlySet<string> = new Set(['keyword', 'date', 'boolean', 'ip', 'long']);

/** Dashboards' own type names for the OpenSearch types the template uses. */
const DASHBOARDS_TYPES: Record<string, string> = {
  keyword: 'string',
  text: 'string',
  date: 'date',
  boolean: 'boolean',
  ip: 'ip',
  long: 'number',
};

interface MappingNode {
  type?: string;
  properties?: Record<string, MappingNode>;
  fields?: Record<string, MappingNode>;
}

/** Every leaf field of the template (objects left out), multi-fields included, sorted by name. */
export function templateFields(): TemplateField[] {
  const out: TemplateField[] = [];
  const visit = (properties: Record<string, MappingNode>, path: string) => {
    for (const [name, node] of Object.entries(properties)) {
      const full = path === '' ? name : `${path}.${name}`;
      if (node.properties) visit(node.properties, full);
      if (node.type === undefined) continue;
      out.push({ name: full, esType: node.type });
      for (const [sub, subNode] of Object.entries(node.fields ?? {}))
        if (subNode.type) out.push({ name: `${full}.${sub}`, esType: subNode.type, parent: full });
    }
  };
  visit((indexMappings() as { properties: Record<string, MappingNode> }).properties, '');
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export function isAggregatable(field: TemplateField): boolean {
  return AGGREGATABLE_TYPES.has(field.esType);
}

export class UnmappedFieldError extends Error {
  override readonly name = 'UnmappedFieldError';
}

/** The catalogue of the template's fields by name; one per export so the mappings are read once. */
export class FieldCatalogue {
  private readonly byName: Map<string, TemplateField>;

  constructor(fields: TemplateField[] = templateFields()) {
    this.byName = new Map(fields.map((entry) => [entry.name, entry]));
  }

  get all(): TemplateField[] {
    return [...this.byName.values()];
  }

  lookup(name: string): TemplateField | undefined {
    return this.byName.get(name);
  }

  /** `name`, checked to be mapped by the template. */
  field(name: string): string {
    if (!this.byName.has(name))
      throw new UnmappedFieldError(`field "${name}" is not mapped by the index template (src/template/)`);
    return name;
  }

  /** `name`, checked to be mapped with a type Dashboards can aggregate on (a keyword, not text). */
  aggregatableField(name: string): string {
    const entry = this.byName.get(this.field(name))!;
    if (!isAggregatable(entry))
      throw new UnmappedFieldError(
        `field "${name}" is mapped as ${entry.esType}, which Dashboards cannot aggregate on; use a keyword field`,
      );
    return name;
  }
}

/** The index pattern's `fields` attribute: one entry per field, as Dashboards' field list holds it. */
export function indexPatternFields(catalogue: FieldCatalogue): Record<string, unknown>[] {
  const meta = [
    { name: '_id', type: 'string', esTypes: ['_id'], searchable: true, aggregatable: true },
    { name: '_index', type: 'string', esTypes: ['_index'], searchable: true, aggregatable: true },
    { name: '_score', type: 'number', searchable: false, aggregatable: false },
    { name: '_source', type: '_source', esTypes: ['_source'], searchable: false, aggregatable: false },
  ].map((entry) => ({ count: 0, scripted: false, readFromDocValues: false, ...entry }));
  const mapped = catalogue.all.map((entry) => {
    const aggregatable = isAggregatable(entry);
    return {
      name: entry.name,
      type: DASHBOARDS_TYPES[entry.esType] ?? 'unknown',
      esTypes: [entry.esType],
      count: 0,
      scripted: false,
      searchable: true,
      aggregatable,
      readFromDocValues: aggregatable,
      ...(entry.parent ? { subType: { multi: { parent: entry.parent } } } : {}),
    };
  });
  return [...meta, ...mapped];
}
