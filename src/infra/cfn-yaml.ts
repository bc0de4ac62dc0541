// Parses a CloudFormation YAML template into plain JSON-shaped data, turning the short-form intrinsic
// tags (!Ref, !GetAtt, !Sub, ...) into their long form ({ Ref: ... }, { 'Fn::GetAtt': [...] }, ...), which
// is what CloudFormation itself sees and what the validator walks.
import { parseDocument, type CollectionTag, type ScalarTag } from 'yaml';

/** Short tag name -> long-form key. */
const FUNCTION_TAGS: Readonly<Record<string, string>> = {
  Ref: 'Ref',
  Condition: 'Condition',
  GetAtt: 'Fn::GetAtt',
  Sub: 'Fn::Sub',
  If: 'Fn::If',
  Equals: 'Fn::Equals',
  Not: 'Fn::Not',
  And: 'Fn::And',
  Or: 'Fn::Or',
  Join: 'Fn::Join',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  FindInMap: 'Fn::FindInMap',
  ImportValue: 'Fn::ImportValue',
  Base64: 'Fn::Base64',
  Cidr: 'Fn::Cidr',
  GetAZs: 'Fn::GetAZs',
  Transform: 'Fn::Transform',
  Length: 'Fn::Length',
  ToJsonString: 'Fn::ToJsonString',
  // Functions of the Rules section.
  Contains: 'Fn::Contains',
  EachMemberEquals: 'Fn::EachMemberEquals',
  EachMemberIn: 'Fn::EachMemberIn',
  RefAll: 'Fn::RefAll',
  ValueOf: 'Fn::ValueOf',
  ValueOfAll: 'Fn::ValueOfAll',
};

// Tags resolve to plain JS values ({ 'Fn::X': args }); yaml keeps them as the scalar's value, and toJS()
// returns them unchanged.
function scalarTag(short: string, longKey: string): ScalarTag {
  return {
    tag: `!${short}`,
    resolve(value: string) {
      // "!GetAtt Resource.Attribute" is the scalar form of ['Resource', 'Attribute'] (split at the first dot).
      if (short === 'GetAtt') {
        const dot = value.indexOf('.');
        return { [longKey]: dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
      }
      return { [longKey]: value };
    },
  };
}

function collectionTag(short: string, longKey: string, collection: 'map' | 'seq'): CollectionTag {
  return {
    tag: `!${short}`,
    collection,
    resolve: (value) => ({ [longKey]: value.toJSON() as unknown }),
  };
}

export const CFN_TAGS: (ScalarTag | CollectionTag)[] = Object.entries(FUNCTION_TAGS).flatMap(
  ([short, long]) => [
    scalarTag(short, long),
    collectionTag(short, long, 'seq'),
    collectionTag(short, long, 'map'),
  ],
);

export class TemplateParseError extends Error {
  constructor(readonly problems: string[]) {
    super(`template does not parse:\n${problems.join('\n')}`);
    this.name = 'TemplateParseError';
  }
}

/** Parses CloudFormation YAML (or JSON, which is YAML) text. Throws TemplateParseError on syntax errors,
 * duplicate keys and unknown tags. */
export function parseCfnYaml(text: string): unknown {
  const doc = parseDocument(text, { customTags: CFN_TAGS, uniqueKeys: true, prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
  if (problems.length > 0) throw new TemplateParseError(problems);
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}
