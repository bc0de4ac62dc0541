// Loads the AWS resource specification database shipped by @aws-cdk/aws-service-spec (db.json.gz, the
// CloudFormation registry schemas for every resource type) once per process.
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import type { PropertyType, Resource, SpecDatabase, TypeDefinition } from '@aws-cdk/service-spec-types';

export type { PropertyType, Resource, SpecDatabase, TypeDefinition };

let cached: Promise<SpecDatabase> | undefined;

/** The spec database; the first call takes about a second (gunzip + JSON parse), later calls are free. */
export function loadSpec(): Promise<SpecDatabase> {
  cached ??= loadAwsServiceSpec();
  return cached;
}

export function findResourceType(db: SpecDatabase, cfnType: string): Resource | undefined {
  const found = db.lookup('resource', 'cloudFormationType', 'equals', cfnType);
  return found[0];
}

export function typeDefinition(db: SpecDatabase, ref: { $ref: string }): TypeDefinition {
  return db.get('typeDefinition', ref);
}
