// npm run validate:template [-- path/to/template.yml]
// Checks a CloudFormation template against the AWS resource specification and the project's rules
// (see src/infra/validate-template.ts). Prints one line per problem; exits 1 if there are any.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCfnYaml, TemplateParseError } from '../src/infra/cfn-yaml.js';
import { loadEnvSchema } from '../src/infra/env-schema.js';
import { loadSpec } from '../src/infra/spec.js';
import { formatProblem, validateTemplate } from '../src/infra/validate-template.js';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: validate-template [template-file]   (default: cloudformation.yml)');
    return 0;
  }
  if (argv.length > 1) {
    console.error('usage: validate-template [template-file]');
    return 2;
  }
  const file = argv[0] ?? 'cloudformation.yml';
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (error) {
    console.error(`${file}: cannot read: ${(error as Error).message}`);
    return 2;
  }
  let template: unknown;
  try {
    template = parseCfnYaml(text);
  } catch (error) {
    if (!(error instanceof TemplateParseError)) throw error;
    for (const problem of error.problems) console.error(`${file}: ${problem}`);
    return 1;
  }
  const [db, env] = await Promise.all([loadSpec(), loadEnvSchema()]);
  const problems = validateTemplate(template, db, env);
  for (const problem of problems) console.error(formatProblem(problem));
  if (problems.length > 0) {
    console.error(`\n${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    return 1;
  }
  const resources = Object.keys((template as { Resources?: object }).Resources ?? {}).length;
  console.log(`${file}: OK (${resources} resources; environment variables checked against ${env.source})`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
