import { strict as assert } from 'node:assert';
import { keyDate } from '../../src/trigger/keyDate.js';
import { PREFIXED_KEY } from './events.js';

describe('keyDate', () => {
  it('reads the YYYY/MM/DD directories of the CloudTrail layout', () => {
    assert.equal(keyDate(PREFIXED_KEY), '2022-11-10');
    assert.equal(
      keyDate(
        'AWSLogs/o-aa111bb222/111122223333/CloudTrail/ap-southeast-2/2024/02/29/111122223333_CloudTrail_ap-southeast-2_20240229T2355Z_x.json.gz',
      ),
      '2024-02-29',
    );
  });

  it('falls back to the file-name stamp when the directories are not a date', () => {
    assert.equal(
      keyDate('flat-copy/111122223333_CloudTrail_us-east-1_20230105T0005Z_abc.json.gz'),
      '2023-01-05',
    );
  });

  it('rejects impossible dates and tries the next candidate', () => {
    assert.equal(
      keyDate('AWSLogs/1/CloudTrail/us-east-1/2022/02/30/1_CloudTrail_us-east-1_20220301T0000Z_a.json.gz'),
      '2022-03-01',
    );
    assert.equal(keyDate('AWSLogs/1/CloudTrail/us-east-1/2023/02/29/x.json.gz'), undefined);
    assert.equal(keyDate('AWSLogs/1/CloudTrail/us-east-1/2022/13/01/x.json.gz'), undefined);
    assert.equal(keyDate('AWSLogs/1/CloudTrail/us-east-1/2022/00/10/x.json.gz'), undefined);
    assert.equal(keyDate('AWSLogs/1/CloudTrail/us-east-1/2022/04/31/x.json.gz'), undefined);
    assert.equal(keyDate('x/1_CloudTrail_us-east-1_20221131T0000Z_a.json.gz'), undefined);
  });

  it('prefers the date nearest the file over a date inside the user prefix', () => {
    assert.equal(
      keyDate('backups/2020/01/01/AWSLogs/1/CloudTrail/us-east-1/2022/11/10/x.json.gz'),
      '2022-11-10',
    );
    assert.equal(keyDate('backups/2020/01/01/AWSLogs/1/CloudTrail/us-east-1/x.json.gz'), '2020-01-01');
  });

  it('is undefined when the key holds no date', () => {
    assert.equal(keyDate('AWSLogs/111122223333/CloudTrail/us-east-1/file.json.gz'), undefined);
    assert.equal(keyDate(''), undefined);
    assert.equal(keyDate('2022/11/10'), undefined); // the last segment is the file name, not a day
    assert.equal(keyDate('a/22/11/10/x.json.gz'), undefined); // two-digit years are not CloudTrail's
  });
});
