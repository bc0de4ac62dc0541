import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCfnYaml } from '../../src/infra/cfn-yaml.js';
import { envSchema } from '../../src/infra/env-schema.js';
import { checkProductRules, formatProblem, type Problem } from '../../src/infra/product-rules.js';

/** Repository root (tests run from build/test/template-validation). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const TEMPLATE_PATH = `${ROOT}cloudformation.yml`;
export const ARCHIVE_TEMPLATE_PATH = `${ROOT}log-archive.yml`;

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const parsed = new Map<string, Obj>();

/** A fresh deep copy of a project template (default: cloudformation.yml), parsed once. */
export function loadTemplate(path: string = TEMPLATE_PATH): Obj {
  if (!parsed.has(path)) parsed.set(path, parseCfnYaml(readFileSync(path, 'utf8')) as Obj);
  return structuredClone(parsed.get(path)!);
}

/** The policy statement with the given Sid in a role's first inline policy (looking inside Fn::If). */
export function statementBySid(template: Obj, role: string, sid: string): Obj {
  const statements = template['Resources'][role]['Properties']['Policies'][0]['PolicyDocument'][
    'Statement'
  ] as unknown[];
  for (const s of statements) {
    const candidates = (s as Obj)['Fn::If'] ? ((s as Obj)['Fn::If'] as unknown[]).slice(1) : [s];
    for (const c of candidates) if ((c as Obj)['Sid'] === sid) return c as Obj;
  }
  throw new Error(`no statement ${sid} in ${role}`);
}

/** The statement with the given Sid in a resource policy document (a list of statements, Fn::If inside). */
export function policyStatement(statements: unknown[], sid: string): Obj {
  for (const s of statements) {
    const candidates = (s as Obj)['Fn::If'] ? ((s as Obj)['Fn::If'] as unknown[]).slice(1) : [s];
    for (const c of candidates) if ((c as Obj)['Sid'] === sid) return c as Obj;
  }
  throw new Error(`no statement ${sid}`);
}

/** The product-rule problems of a copy of a project template (default: cloudformation.yml) after `mutate`. */
export function problemsAfter(mutate: (template: Obj) => void, path?: string): Problem[] {
  const template = loadTemplate(path);
  mutate(template);
  return checkProductRules(template, envSchema());
}

/** Asserts a problem whose path matches `path` (exact string or pattern) and whose message matches `message`. */
export function assertProblem(problems: Problem[], path: string | RegExp, message: RegExp): void {
  const pathMatches = (p: string): boolean => (typeof path === 'string' ? p === path : path.test(p));
  assert.ok(
    problems.some((p) => pathMatches(p.path) && message.test(p.message)),
    `expected a problem at ${String(path)} matching ${message}; got:\n${problems.map(formatProblem).join('\n') || '(none)'}`,
  );
}
