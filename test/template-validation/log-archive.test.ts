/**
 * log-archive.yml against cloudformation.yml: every role of the stack that reads the trail bucket (the indexer,
 * the scheduled audit) is let in by the log-archive account's bucket and key policies for exactly what its own
 * policy asks (get, list, decrypt), under the name CloudFormation gives it (STACK-LOGICALID-...).
 */
import assert from 'node:assert/strict';
import { ARCHIVE_TEMPLATE_PATH, loadTemplate, type Obj } from './helpers.js';

type Grant = 's3:GetObject' | 's3:ListBucket' | 'kms:Decrypt';
const GRANTS: readonly Grant[] = ['s3:GetObject', 's3:ListBucket', 'kms:Decrypt'];

/** Allow statements of a policy document, both branches of each Fn::If. */
function allowStatements(document: Obj): Obj[] {
  return (document['Statement'] as Obj[])
    .flatMap((s) => (s['Fn::If'] ? (s['Fn::If'] as Obj[]).slice(1) : [s]))
    .filter((s) => s['Effect'] === 'Allow');
}

const actionsOf = (statement: Obj): string[] => [statement['Action']].flat() as string[];
const texts = (value: unknown): string[] =>
  [value].flat().map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));

/** The stack's roles that ask for each grant on the trail bucket or its key. */
function stackRoles(): Record<Grant, string[]> {
  const roles: Record<Grant, string[]> = { 's3:GetObject': [], 's3:ListBucket': [], 'kms:Decrypt': [] };
  for (const [name, resource] of Object.entries(loadTemplate()['Resources'] as Obj)) {
    if (resource['Type'] !== 'AWS::IAM::Role') continue;
    assert.equal(resource['Properties']['RoleName'], undefined, `${name} must keep its generated name`);
    for (const statement of allowStatements(resource['Properties']['Policies'][0]['PolicyDocument'])) {
      const resources = texts(statement['Resource']).join(' ');
      const onTrail = /\$\{TrailBucketName\}|"Ref":"TrailKmsKeyArn"/.test(resources);
      for (const grant of GRANTS)
        if (onTrail && actionsOf(statement).includes(grant) && !roles[grant].includes(name))
          roles[grant].push(name);
    }
  }
  return roles;
}

/** The role names (the part after STACK-) each grant of log-archive.yml's policies lets in. */
function archiveRoles(): Record<Grant, string[]> {
  const roles: Record<Grant, string[]> = { 's3:GetObject': [], 's3:ListBucket': [], 'kms:Decrypt': [] };
  const resources = loadTemplate(ARCHIVE_TEMPLATE_PATH)['Resources'] as Obj;
  const documents = [
    resources['TrailBucketPolicy']['Properties']['PolicyDocument'],
    resources['TrailKey']['Properties']['KeyPolicy'],
  ] as Obj[];
  for (const statement of documents.flatMap(allowStatements)) {
    const patterns = texts(statement['Condition']?.['ArnLike']?.['aws:PrincipalArn']);
    for (const pattern of patterns) {
      const role = /:role\/\$\{IndexerStackName\}-(\w+)-\*/.exec(pattern)?.[1];
      for (const grant of GRANTS)
        if (role && actionsOf(statement).includes(grant) && !roles[grant].includes(role))
          roles[grant].push(role);
    }
  }
  return roles;
}

describe('log-archive.yml lets the stack in', function () {
  it("grants each role of the stack that reads the trail exactly what the role's policy asks for", function () {
    const wanted = stackRoles();
    assert.deepEqual(wanted['s3:GetObject'].sort(), ['AuditRole', 'IndexerRole']);
    const granted = archiveRoles();
    for (const grant of GRANTS) assert.deepEqual(granted[grant].sort(), wanted[grant].sort(), grant);
  });
});
