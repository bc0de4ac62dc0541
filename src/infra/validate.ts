// Validates templates before a deploy and in the tests: AWS's linter (cfn-lint) for CloudFormation
// itself, the product rules (product-rules.ts) for what this project requires. When cfn-lint is not
// installed the product rules still run and the report says how to install it.
import { readFileSync } from 'node:fs';
import { parseCfnYaml, TemplateParseError } from './cfn-yaml.js';
import { formatFinding, runCfnLint, type LintOptions, type LintOutcome } from './cfn-lint.js';
import { envSchema } from './env-schema.js';
import { checkProductRules, formatProblem } from './product-rules.js';

/** The project's templates: the stack, and the log-archive account's bucket for organization trails. */
export const PROJECT_TEMPLATES: readonly string[] = ['cloudformation.yml', 'log-archive.yml'];

export interface TemplateReport {
  readonly file: string;
  /** One line per problem: cfn-lint findings first, then product rules. */
  readonly problems: readonly string[];
  readonly resources: number;
}

export interface ValidationReport {
  readonly lint: LintOutcome;
  readonly templates: readonly TemplateReport[];
  readonly problemCount: number;
}

export function validateTemplates(files: readonly string[], lintOptions: LintOptions = {}): ValidationReport {
  const lint = runCfnLint(files, lintOptions);
  const env = envSchema();
  const templates = files.map((file): TemplateReport => {
    const lintProblems = lint.ran ? lint.findings.filter((f) => f.file === file).map(formatFinding) : [];
    let template: unknown;
    try {
      template = parseCfnYaml(readFileSync(file, 'utf8'));
    } catch (error) {
      const lines = error instanceof TemplateParseError ? error.problems : [(error as Error).message];
      return { file, problems: [...lintProblems, ...lines.map((l) => `${file}: ${l}`)], resources: 0 };
    }
    const rules = checkProductRules(template, env).map((p) => `${file}: ${formatProblem(p)}`);
    const resources = Object.keys((template as { Resources?: object }).Resources ?? {}).length;
    return { file, problems: [...lintProblems, ...rules], resources };
  });
  // A finding cfn-lint could not attribute to a template (its own configuration errors) counts too.
  const stray = lint.ran ? lint.findings.filter((f) => !files.includes(f.file)).map(formatFinding) : [];
  const all =
    stray.length > 0 ? [{ file: '(cfn-lint)', problems: stray, resources: 0 }, ...templates] : templates;
  return { lint, templates: all, problemCount: all.reduce((n, t) => n + t.problems.length, 0) };
}
