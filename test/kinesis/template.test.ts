import { strict as assert } from 'node:assert';
import { INDEXER_ENV_VARS } from '../../src/config.js';
import { loadTemplate, statementBySid } from '../template-validation/helpers.js';

describe('CloudFormation: the optional Kinesis stream', () => {
  const template = loadTemplate();

  it('grants PutRecords on the given stream only, and GenerateDataKey on its key only through Kinesis', () => {
    const put = statementBySid(template, 'IndexerRole', 'PutRecordsToStream');
    assert.deepEqual(put.Action, 'kinesis:PutRecords');
    assert.deepEqual(put.Resource, { Ref: 'KinesisStreamArn' });
    const key = statementBySid(template, 'IndexerRole', 'EncryptStreamRecords');
    assert.deepEqual(key.Action, 'kms:GenerateDataKey');
    assert.deepEqual(key.Resource, { Ref: 'KinesisKmsKeyArn' });
    assert.deepEqual(key.Condition, { StringLike: { 'kms:ViaService': 'kinesis.*.amazonaws.com' } });
    assert.deepEqual(template.Conditions.SendToKinesis, {
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'KinesisStreamArn' }, ''] }],
    });
  });

  it('is off unless the stream parameter is set, and passes it as KINESIS_STREAM', () => {
    assert.equal(template.Parameters.KinesisStreamArn.Default, '');
    const variables = template.Resources.IndexerFunction.Properties.Environment.Variables;
    assert.deepEqual(variables.KINESIS_STREAM, {
      'Fn::If': ['SendToKinesis', { Ref: 'KinesisStreamArn' }, { Ref: 'AWS::NoValue' }],
    });
    assert.ok(INDEXER_ENV_VARS.includes('KINESIS_STREAM'));
  });
});
