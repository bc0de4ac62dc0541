/**
 * Index templates (spec §5.1): composable templates (with component templates), legacy `_template`s,
 * their validation errors, and the settings and mappings a new index inherits from them.
 */
import { rejectUnknownKeys, type JsonBody } from './body.js';
import { OpenSearchError, illegalArgument } from './errors.js';
import { globMatch, globsOverlap } from './index-names.js';
import type { RootMapping } from './mapping/model.js';
import { mergeMappings, validateMapping, wrapCreateIndexMappingError } from './mapping/validate.js';
import { nestSettings, normaliseIndexSettings, type FlatSettings } from './settings.js';

interface TemplateBody {
  settings: FlatSettings;
  mappings?: RootMapping;
  aliases: Record<string, unknown>;
}

export interface ComposableTemplate {
  indexPatterns: string[];
  template: TemplateBody;
  priority?: number;
  composedOf: string[];
  version?: number;
  meta?: unknown;
}

export interface LegacyTemplate {
  indexPatterns: string[];
  order: number;
  version?: number;
  body: TemplateBody;
}

/** What templates contribute to a new index. */
export interface TemplateContribution {
  settings: FlatSettings;
  mappings?: RootMapping;
}

const invalidPatternCharacters = [' ', '"', '+', '/', '\\', '|', '?', '#', '>', '<', ':'];

function invalidTemplate(name: string, cause: string): OpenSearchError {
  return new OpenSearchError(
    400,
    'invalid_index_template_exception',
    `index_template [${name}] invalid, cause [${cause}]`,
  );
}

function parsePatterns(name: string, value: unknown): string[] {
  if (value === undefined) throw illegalArgument('Required [index_patterns]');
  const patterns = (Array.isArray(value) ? value : [value]).map(String);
  const problems = patterns.flatMap((pattern) =>
    invalidPatternCharacters.some((ch) => pattern.includes(ch))
      ? [
          `index_pattern [${pattern}] must not contain the following characters [ , ", +, /, \\, |, ?, #, >, <, :]`,
        ]
      : pattern.startsWith('_')
        ? [`index_pattern [${pattern}] must not start with '_'`]
        : [],
  );
  if (problems.length > 0) {
    throw invalidTemplate(name, `Validation Failed: ${problems.map((p, i) => `${i + 1}: ${p};`).join('')}`);
  }
  return patterns;
}

/** Unwraps `{"_doc": {...}}` mappings that Elasticsearch 7 clients may still send. */
function unwrapTypedMapping(mappings: unknown): unknown {
  if (typeof mappings !== 'object' || mappings === null) return mappings;
  const keys = Object.keys(mappings);
  if (keys.length === 1 && keys[0] === '_doc') return (mappings as Record<string, unknown>)._doc;
  return mappings;
}

function parseTemplateBody(raw: unknown): TemplateBody {
  const source = (raw ?? {}) as Record<string, unknown>;
  let mappings: RootMapping | undefined;
  if (source.mappings !== undefined) {
    try {
      mappings = validateMapping(unwrapTypedMapping(source.mappings));
    } catch (error) {
      throw wrapCreateIndexMappingError(error);
    }
  }
  const settings = Object.fromEntries(
    Object.entries(normaliseIndexSettings(source.settings ?? {})).filter(([, v]) => v !== null),
  ) as FlatSettings;
  return { settings, mappings, aliases: (source.aliases ?? {}) as Record<string, unknown> };
}

function renderBody(body: TemplateBody): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Object.keys(body.settings).length > 0) out.settings = nestSettings(body.settings);
  if (body.mappings) out.mappings = body.mappings;
  if (Object.keys(body.aliases).length > 0) out.aliases = body.aliases;
  return out;
}

function notFound(name: string): OpenSearchError {
  return new OpenSearchError(
    404,
    'resource_not_found_exception',
    `index template matching [${name}] not found`,
  );
}

function missing(name: string): OpenSearchError {
  return new OpenSearchError(404, 'index_template_missing_exception', `index_template [${name}] missing`);
}

function selectNames(all: string[], expression: string | undefined): string[] {
  if (!expression) return all;
  return all.filter((name) => expression.split(',').some((part) => globMatch(part, name)));
}

export class TemplateRegistry {
  readonly composable = new Map<string, ComposableTemplate>();
  readonly components = new Map<string, TemplateBody & { version?: number; meta?: unknown }>();
  readonly legacy = new Map<string, LegacyTemplate>();

  putComposable(name: string, body: JsonBody, createOnly: boolean): void {
    rejectUnknownKeys(body, [], 'index_template', [
      'index_patterns',
      'template',
      'priority',
      'composed_of',
      'version',
      '_meta',
      'data_stream',
    ]);
    rejectUnknownKeys(body, ['template'], 'template', ['settings', 'mappings', 'aliases']);
    const source = body.plain;
    if (createOnly && this.composable.has(name)) {
      throw illegalArgument(`index template [${name}] already exists`);
    }
    const indexPatterns = parsePatterns(name, source.index_patterns);
    const priority = source.priority === undefined ? undefined : Number(source.priority);
    if (priority !== undefined && (!Number.isInteger(priority) || priority < 0)) {
      throw invalidTemplate(name, 'Validation Failed: 1: index template priority must be >= 0;');
    }
    const composedOf = ((source.composed_of ?? []) as unknown[]).map(String);
    const absent = composedOf.filter((c) => !this.components.has(c));
    if (absent.length > 0) {
      throw new OpenSearchError(
        400,
        'invalid_index_template_exception',
        `index template [${name}] specifies component templates [${absent.join(', ')}] that do not exist`,
      );
    }
    this.checkOverlap(name, indexPatterns, priority ?? 0);
    this.composable.set(name, {
      indexPatterns,
      template: parseTemplateBody(source.template),
      priority,
      composedOf,
      version: source.version === undefined ? undefined : Number(source.version),
      meta: source._meta,
    });
  }

  /** Equal-priority templates whose patterns overlap are refused (spec §5.1). */
  private checkOverlap(name: string, patterns: string[], priority: number): void {
    const overlaps = new Map<string, string[]>();
    for (const [otherName, other] of this.composable) {
      if (otherName === name || (other.priority ?? 0) !== priority) continue;
      if (patterns.some((p) => other.indexPatterns.some((q) => globsOverlap(p, q)))) {
        overlaps.set(otherName, other.indexPatterns);
      }
    }
    if (overlaps.size === 0) return;
    const described = [...overlaps].map(([n, p]) => `${n} => [${p.join(', ')}]`).join(',');
    throw illegalArgument(
      `index template [${name}] has index patterns [${patterns.join(', ')}] matching patterns from existing templates ` +
        `[${[...overlaps.keys()].join(',')}] with patterns (${described}) that have the same priority [${priority}], ` +
        `multiple index templates may not match during index creation, please use a different priority`,
    );
  }

  getComposable(expression?: string): Record<string, unknown> {
    const names = selectNames([...this.composable.keys()], expression);
    if (expression && !expression.includes('*') && names.length === 0) throw notFound(expression);
    return {
      index_templates: names.map((name) => {
        const t = this.composable.get(name)!;
        const rendered: Record<string, unknown> = {
          index_patterns: t.indexPatterns,
          template: renderBody(t.template),
        };
        rendered.composed_of = t.composedOf;
        if (t.priority !== undefined) rendered.priority = t.priority;
        if (t.version !== undefined) rendered.version = t.version;
        if (t.meta !== undefined) rendered._meta = t.meta;
        return { name, index_template: rendered };
      }),
    };
  }

  deleteComposable(name: string): void {
    const names = selectNames([...this.composable.keys()], name);
    if (names.length === 0) throw missing(name);
    names.forEach((n) => this.composable.delete(n));
  }

  putComponent(name: string, body: JsonBody): void {
    rejectUnknownKeys(body, [], 'component_template', ['template', 'version', '_meta']);
    rejectUnknownKeys(body, ['template'], 'template', ['settings', 'mappings', 'aliases']);
    if (body.plain.template === undefined) throw illegalArgument('Required [template]');
    this.components.set(name, {
      ...parseTemplateBody(body.plain.template),
      version: body.plain.version as number | undefined,
      meta: body.plain._meta,
    });
  }

  getComponents(expression?: string): Record<string, unknown> {
    const names = selectNames([...this.components.keys()], expression);
    if (expression && !expression.includes('*') && names.length === 0) {
      throw new OpenSearchError(
        404,
        'resource_not_found_exception',
        `component template matching [${expression}] not found`,
      );
    }
    return {
      component_templates: names.map((name) => {
        const c = this.components.get(name)!;
        return { name, component_template: { template: renderBody(c), version: c.version, _meta: c.meta } };
      }),
    };
  }

  deleteComponent(name: string): void {
    const users = [...this.composable].filter(([, t]) => t.composedOf.includes(name)).map(([n]) => n);
    if (users.length > 0) {
      throw illegalArgument(
        `component templates [${name}] cannot be removed as they are still in use by index templates [${users.join(', ')}]`,
      );
    }
    if (!this.components.delete(name)) {
      throw new OpenSearchError(
        404,
        'resource_not_found_exception',
        `component template matching [${name}] not found`,
      );
    }
  }

  putLegacy(name: string, body: JsonBody): void {
    const source = body.plain;
    const patterns = source.index_patterns ?? source.template;
    if (patterns === undefined) {
      throw new OpenSearchError(
        400,
        'action_request_validation_exception',
        'Validation Failed: 1: index patterns are missing;',
      );
    }
    this.legacy.set(name, {
      indexPatterns: parsePatterns(name, patterns),
      order: Number(source.order ?? 0),
      version: source.version === undefined ? undefined : Number(source.version),
      body: parseTemplateBody(source),
    });
  }

  getLegacy(expression?: string): Record<string, unknown> {
    const names = selectNames([...this.legacy.keys()], expression);
    const out: Record<string, unknown> = {};
    for (const name of names) {
      const t = this.legacy.get(name)!;
      out[name] = {
        order: t.order,
        ...(t.version === undefined ? {} : { version: t.version }),
        index_patterns: t.indexPatterns,
        settings: nestSettings(t.body.settings),
        mappings: t.body.mappings ?? {},
        aliases: t.body.aliases,
      };
    }
    if (expression && !expression.includes('*') && names.length === 0) {
      throw new OpenSearchError(
        404,
        'resource_not_found_exception',
        `index template matching [${expression}] not found`,
      );
    }
    return out;
  }

  deleteLegacy(name: string): void {
    const names = selectNames([...this.legacy.keys()], name);
    if (names.length === 0) throw missing(name);
    names.forEach((n) => this.legacy.delete(n));
  }

  /** The highest-priority composable template wins; legacy ones apply only if none matches. */
  contributionFor(indexName: string): TemplateContribution {
    const matching = [...this.composable.values()]
      .filter((t) => t.indexPatterns.some((p) => globMatch(p, indexName)))
      .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
    const winner = matching[0];
    const bodies: TemplateBody[] = winner
      ? [...winner.composedOf.map((c) => this.components.get(c)!).filter(Boolean), winner.template]
      : [...this.legacy.values()]
          .filter((t) => t.indexPatterns.some((p) => globMatch(p, indexName)))
          .sort((a, b) => a.order - b.order)
          .map((t) => t.body);
    const result: TemplateContribution = { settings: {} };
    for (const body of bodies) {
      Object.assign(result.settings, body.settings);
      if (body.mappings)
        result.mappings = result.mappings
          ? mergeMappings(result.mappings, body.mappings, 'compose')
          : body.mappings;
    }
    return result;
  }
}
