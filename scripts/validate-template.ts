// npm run validate:template [-- template.yml ...]   (default: cloudformation.yml and log-archive.yml)
// Runs AWS's CloudFormation linter (cfn-lint) and the project's product rules (src/infra/product-rules.ts)
// over the templates. Prints one line per problem; exits 1 if there are any. Without cfn-lint it says
// how to install it and still runs the product rules.
import { existsSync } from 'node:fs';
import { PROJECT_TEMPLATES, validateTemplates } from '../src/infra/validate.js';

function main(argv: string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`usage: validate-template [template-file ...]   (default: ${PROJECT_TEMPLATES.join(' ')})`);
    return 0;
  }
  const files = argv.length > 0 ? argv : [...PROJECT_TEMPLATES];
  const absent = files.filter((file) => !existsSync(file));
  if (absent.length > 0) {
    console.error(`validate-template: not found: ${absent.join(', ')}`);
    return 2;
  }
  const report = validateTemplates(files);
  if (report.lint.ran) console.log(`cfn-lint ${report.lint.version.replace(/^cfn-lint\s*/, '')}`);
  else console.warn(`validate-template: cfn-lint skipped: ${report.lint.reason}`);
  for (const template of report.templates) {
    for (const problem of template.problems) console.error(problem);
    if (template.problems.length === 0) console.log(`${template.file}: OK (${template.resources} resources)`);
  }
  if (report.problemCount > 0) {
    console.error(`\n${report.problemCount} problem${report.problemCount === 1 ? '' : 's'}`);
    return 1;
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
