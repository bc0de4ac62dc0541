/**
 * AWS's CloudFormation linter over the project's templates: the real ones lint clean (false positives are
 * silenced in their Metadata), and copies broken the ways the old home-made checker could not see (an
 * invalid Architectures value, a misspelled IAM action, an unused parameter) or could (a misspelled
 * property, a GetAtt to nothing) are reported. All templates go through one cfn-lint run (it takes a few
 * seconds to start). Skipped, saying why, where cfn-lint is not installed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatFinding, runCfnLint, type LintFinding } from '../../src/infra/cfn-lint.js';
import { ARCHIVE_TEMPLATE_PATH, loadTemplate, statementBySid, TEMPLATE_PATH, type Obj } from './helpers.js';

/** Each mutation is written as a JSON template (cfn-lint reads JSON and YAML alike). */
const MUTATIONS: Record<string, { from?: string; mutate: (template: Obj) => void }> = {
  architecture: {
    mutate: (t) => (t['Resources']['IndexerFunction']['Properties']['Architectures'] = ['arm65']),
  },
  iamAction: {
    mutate: (t) => (statementBySid(t, 'IndexerRole', 'ReadTrailLogFiles')['Action'] = 's3:GetObjcet'),
  },
  unusedParameter: {
    mutate: (t) => (t['Parameters']['ForgottenSetting'] = { Type: 'String', Default: 'x' }),
  },
  property: {
    mutate: (t) => {
      const props = t['Resources']['CleanupFunction']['Properties'] as Obj;
      props['MemmorySize'] = props['MemorySize'];
      delete props['MemorySize'];
    },
  },
  getAtt: {
    mutate: (t) =>
      (t['Resources']['CleanupFunction']['Properties']['Role'] = { 'Fn::GetAtt': ['CleanupRol', 'Arn'] }),
  },
  archiveEncryption: {
    from: ARCHIVE_TEMPLATE_PATH,
    mutate: (t) => {
      const rule =
        t['Resources']['TrailBucket']['Properties']['BucketEncryption'][
          'ServerSideEncryptionConfiguration'
        ][0];
      rule['ServerSideEncryptionByDefault']['SSEAlgorithm'] = 'aws:kms-x';
    },
  },
};

describe('cfn-lint', function () {
  let dir: string;
  let findings: LintFinding[] = [];
  const files: Record<string, string> = {};

  before(function () {
    // runCfnLint's own deadlines (60 s for --version, 5 minutes for the run) bound this hook; one process over
    // eight templates takes over a minute on a loaded 2-core machine, past mocha's default.
    this.timeout(400_000);
    dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
    for (const [name, { from, mutate }] of Object.entries(MUTATIONS)) {
      const template = loadTemplate(from);
      mutate(template);
      files[name] = join(dir, `${name}.json`);
      writeFileSync(files[name], JSON.stringify(template, null, 1));
    }
    const outcome = runCfnLint([TEMPLATE_PATH, ARCHIVE_TEMPLATE_PATH, ...Object.values(files)]);
    if (!outcome.ran) {
      console.log(`      (skipped: ${outcome.reason})`);
      this.skip();
    }
    findings = [...outcome.findings];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function findingsFor(file: string): LintFinding[] {
    return findings.filter((f) => f.file === file);
  }

  function assertFinding(name: string, rule: RegExp, path: RegExp): void {
    const got = findingsFor(files[name]!);
    assert.ok(
      got.some((f) => rule.test(f.rule) && path.test(f.path)),
      `expected ${rule} at ${path} for the ${name} mutation; got:\n${got.map(formatFinding).join('\n') || '(none)'}`,
    );
  }

  it('finds nothing in cloudformation.yml and log-archive.yml', function () {
    assert.deepEqual(findingsFor(TEMPLATE_PATH).map(formatFinding), []);
    assert.deepEqual(findingsFor(ARCHIVE_TEMPLATE_PATH).map(formatFinding), []);
  });

  it('reports an invalid Architectures value', function () {
    assertFinding('architecture', /^E3030$/, /IndexerFunction\/Properties\/Architectures\/0$/);
  });

  it('reports a misspelled IAM action', function () {
    assertFinding(
      'iamAction',
      /^W3037$/,
      /IndexerRole\/Properties\/Policies\/0\/PolicyDocument\/Statement\/1\/Action/,
    );
  });

  it('reports an unused parameter', function () {
    assertFinding('unusedParameter', /^W2001$/, /^Parameters\/ForgottenSetting$/);
  });

  it('reports a misspelled property and a GetAtt to a missing resource', function () {
    assertFinding('property', /^E3002$/, /CleanupFunction\/Properties\/MemmorySize/);
    assertFinding('getAtt', /^E1010$/, /CleanupFunction\/Properties\/Role/);
  });

  it('reports an invalid value in the log-archive template', function () {
    assertFinding('archiveEncryption', /^E3030$/, /SSEAlgorithm$/);
  });
});
