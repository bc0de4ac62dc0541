/**
 * The single list of CloudTrail fields that the index template types explicitly.
 *
 * Both halves of the field model read this table: the template turns it into mappings, and the
 * document builder uses it to check that a record's value fits the mapped type before sending it
 * (a value that would not fit is moved aside instead of being rejected by the cluster). Every field
 * NOT listed here is never mapped (the root mapping is `dynamic: false`) and is indexed only through
 * `ct.pairs` / `ct.text`.
 */

/** How a typed leaf is mapped; each kind accepts a known set of JSON values (see `valueFits`). */
export type LeafKind =
  | 'keyword' // exact value, aggregatable
  | 'keywordWithText' // keyword, plus a `.text` analysed sub-field (userAgent)
  | 'textWithKeyword' // analysed text, plus a `.keyword` sub-field (errorMessage)
  | 'boolean'
  | 'date';

export interface ObjectField {
  kind: 'object';
  properties: FieldTable;
}

export type TypedField = LeafKind | ObjectField;

export type FieldTable = { readonly [name: string]: TypedField };

const object = (properties: FieldTable): ObjectField => ({ kind: 'object', properties });

const sessionIssuer = object({
  type: 'keyword',
  principalId: 'keyword',
  arn: 'keyword',
  accountId: 'keyword',
  userName: 'keyword',
});

/**
 * Typed top-level CloudTrail fields (record contents reference, event versions 1.0–1.11).
 * Free-form objects (requestParameters, responseElements, additionalEventData, serviceEventDetails,
 * edgeDeviceDetails, insightDetails, eventContext, webIdFederationData, ...) are deliberately absent:
 * mapping them, even as an empty object, would only add a way to fail (a string where the mapping
 * says object).
 */
export const TYPED_FIELDS: FieldTable = {
  eventTime: 'date',
  eventVersion: 'keyword',
  eventSource: 'keyword',
  eventName: 'keyword',
  awsRegion: 'keyword',
  sourceIPAddress: 'keyword',
  userAgent: 'keywordWithText',
  errorCode: 'keyword',
  errorMessage: 'textWithKeyword',
  requestID: 'keyword',
  eventID: 'keyword',
  eventType: 'keyword',
  eventCategory: 'keyword',
  apiVersion: 'keyword', // looks like a date ("2012-08-10") but is not always one ("v1")
  managementEvent: 'boolean',
  readOnly: 'boolean',
  recipientAccountId: 'keyword',
  sharedEventID: 'keyword',
  vpcEndpointId: 'keyword',
  vpcEndpointAccountId: 'keyword',
  sessionCredentialFromConsole: 'keyword', // seen both as true and as "true"
  userIdentity: object({
    type: 'keyword',
    principalId: 'keyword',
    arn: 'keyword',
    accountId: 'keyword',
    accessKeyId: 'keyword',
    userName: 'keyword',
    invokedBy: 'keyword',
    identityProvider: 'keyword',
    credentialId: 'keyword',
    onBehalfOf: object({ userId: 'keyword', identityStoreArn: 'keyword' }),
    sessionContext: object({
      sessionIssuer,
      attributes: object({ creationDate: 'date', mfaAuthenticated: 'keyword' }),
      sourceIdentity: 'keyword',
      ec2RoleDelivery: 'keyword',
      assumedRoot: 'keyword',
    }),
  }),
  resources: object({ ARN: 'keyword', ARNPrefix: 'keyword', accountId: 'keyword', type: 'keyword' }),
  tlsDetails: object({ tlsVersion: 'keyword', cipherSuite: 'keyword', clientProvidedHostHeader: 'keyword' }),
  addendum: object({
    reason: 'keyword',
    updatedFields: 'keyword',
    originalRequestID: 'keyword',
    originalEventID: 'keyword',
  }),
};

/** Top-level names the builder itself writes; a record's own value under these names is moved aside. */
export const RESERVED_ROOT_FIELDS: ReadonlySet<string> = new Set(['@timestamp', 'ct']);
