import { strict as assert } from 'node:assert';
import { skipReason } from '../../src/trigger/skip.js';
import { PREFIXED_KEY } from './events.js';

const bucket = 'trail-bucket';
const reason = (key: string, size?: number, includeInsights?: boolean) =>
  skipReason(size === undefined ? { bucket, key } : { bucket, key, size }, { includeInsights });

describe('skipReason', () => {
  it('keeps CloudTrail log files, with or without a prefix, org id, or known size', () => {
    for (const key of [
      'AWSLogs/111122223333/CloudTrail/us-east-1/2022/11/10/111122223333_CloudTrail_us-east-1_20221110T1625Z_LwlTngDNL0P6nNwO.json.gz',
      'AWSLogs/o-aa111bb222/111122223333/CloudTrail/eu-west-1/2024/02/29/111122223333_CloudTrail_eu-west-1_20240229T2355Z_abcDEF123.json.gz',
      PREFIXED_KEY,
      'exports/manual/111122223333_CloudTrail_us-east-1_20221110T1625Z_x.json', // uncompressed copies are fine
    ]) {
      assert.equal(reason(key), undefined, key);
      assert.equal(reason(key, 1), undefined, key);
    }
  });

  it('digest files, by directory or by file name', () => {
    assert.equal(
      reason(
        'AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2022/11/10/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20221110T162531Z.json.gz',
      ),
      'digest',
    );
    assert.equal(
      reason('copied/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20221110T162531Z.json.gz'),
      'digest',
    );
  });

  it('a prefix that merely contains the word is not a digest directory', () => {
    assert.equal(
      reason(
        'my-CloudTrail-Digest-copy/AWSLogs/1/CloudTrail/us-east-1/2022/11/10/1_CloudTrail_us-east-1_20221110T1625Z_a.json.gz',
      ),
      undefined,
    );
  });

  it('Insights files unless includeInsights', () => {
    const key =
      'AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2022/11/10/111122223333_CloudTrail-Insight_us-east-1_20221110T1625Z_q.json.gz';
    assert.equal(reason(key), 'insight');
    assert.equal(reason(key, 10, false), 'insight');
    assert.equal(reason(key, 10, true), undefined);
    assert.equal(
      reason('elsewhere/111122223333_CloudTrail-Insight_us-east-1_20221110T1625Z_q.json.gz'),
      'insight',
    );
  });

  it('the permission probe CloudTrail writes when a trail is created', () => {
    assert.equal(reason('AWSLogs/111122223333/ConfigWritabilityCheckFile'), 'config-writability-check');
    assert.equal(
      reason('prefix/AWSLogs/111122223333/CloudTrail/ConfigWritabilityCheckFile'),
      'config-writability-check',
    );
  });

  it('folder markers', () => {
    assert.equal(reason('AWSLogs/111122223333/CloudTrail/', 0), 'folder-marker');
    assert.equal(reason('AWSLogs/'), 'folder-marker');
    assert.equal(reason('AWSLogs_$folder$'), 'folder-marker');
  });

  it('zero-byte log files, only when the size is known', () => {
    const key = 'AWSLogs/1/CloudTrail/us-east-1/2022/11/10/1_CloudTrail_us-east-1_20221110T1625Z_a.json.gz';
    assert.equal(reason(key, 0), 'empty-object');
    assert.equal(reason(key), undefined);
  });

  it('anything not ending .json.gz or .json (case-sensitive, as CloudTrail writes them)', () => {
    for (const key of [
      'AWSLogs/1/CloudTrail/us-east-1/2022/11/10/1_CloudTrail_us-east-1_20221110T1625Z_a.json.gz.tmp',
      'AWSLogs/1/CloudTrail/us-east-1/2022/11/10/1_CloudTrail_us-east-1_20221110T1625Z_a.JSON.GZ',
      'AWSLogs/1/CloudTrail/us-east-1/2022/11/10/notes.txt',
      'AWSLogs/1/CloudTrail/us-east-1/2022/11/10/1_CloudTrail_us-east-1_20221110T1625Z_a.gz',
      'json.gz',
    ]) {
      assert.equal(reason(key, 100), 'not-a-log-file', key);
    }
  });

  it('reports the most specific reason when several apply', () => {
    assert.equal(reason('AWSLogs/1/CloudTrail-Digest/', 0), 'folder-marker');
    assert.equal(reason('AWSLogs/1/CloudTrail-Digest/us-east-1/2022/11/10/d.json.gz', 0), 'digest');
    assert.equal(reason('AWSLogs/1/CloudTrail/notes.txt', 0), 'not-a-log-file');
  });
});
