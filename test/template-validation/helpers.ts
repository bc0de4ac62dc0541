import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCfnYaml } from '../../src/infra/cfn-yaml.js';

/** Repository root (tests run from build/test/template-validation). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const TEMPLATE_PATH = `${ROOT}cloudformation.yml`;

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let parsed: Obj | undefined;

/** A fresh deep copy of the real template, parsed once. */
export function loadTemplate(): Obj {
  parsed ??= parseCfnYaml(readFileSync(TEMPLATE_PATH, 'utf8')) as Obj;
  return structuredClone(parsed);
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
