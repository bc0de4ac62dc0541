/**
 * The alarm rules (src/infra/alarm-rules.ts), one mutation of cloudformation.yml per way an alarm can stay
 * silent: it notifies nobody, it watches a metric the code never emits, under another function's service
 * name, or it exists without the function or the feature (Kinesis, alerts, the audit) that emits it.
 */
import assert from 'node:assert/strict';
import { assertProblem, problemsAfter, type Obj } from './helpers.js';

const resources = (t: Obj): Obj => t['Resources'] as Obj;
const props = (t: Obj, name: string): Obj => resources(t)[name]['Properties'] as Obj;

describe('alarm rules', function () {
  it('reports an alarm without a notification target, and one whose only action is a Lambda', function () {
    const problems = problemsAfter((t) => {
      delete props(t, 'FilesFailedAlarm')['AlarmActions'];
      props(t, 'StorageAlarm')['AlarmActions'] = [{ 'Fn::GetAtt': ['BreakerFunction', 'Arn'] }];
    });
    assertProblem(problems, 'Resources.FilesFailedAlarm.Properties.AlarmActions', /notifies nobody/);
    assertProblem(problems, 'Resources.StorageAlarm.Properties.AlarmActions', /notifies nobody/);
  });

  it('reports an alarm on a metric name the code never emits', function () {
    const problems = problemsAfter((t) => (props(t, 'FilesFailedAlarm')['MetricName'] = 'FileFailed'));
    assertProblem(
      problems,
      'Resources.FilesFailedAlarm.Properties.MetricName',
      /emits no CloudTrailOpenSearch metric "FileFailed"/,
    );
  });

  it("reports an alarm under another function's service name", function () {
    const problems = problemsAfter((t) => {
      props(t, 'CleanupDeleteFailuresAlarm')['Dimensions'][0]['Value'] = {
        'Fn::Sub': '${AWS::StackName}-indexer',
      };
    });
    assertProblem(
      problems,
      'Resources.CleanupDeleteFailuresAlarm.Properties.Dimensions',
      /CleanupFunction's POWERTOOLS_SERVICE_NAME \(\$\{AWS::StackName\}-cleanup\).*got \$\{AWS::StackName\}-indexer/,
    );
  });

  it('reports the Kinesis and alerts alarms when they exist without the feature, the audit alarm without the audit', function () {
    const problems = problemsAfter((t) => {
      delete resources(t)['KinesisDeadLetteredRecordsAlarm']['Condition'];
      resources(t)['AlertsFailedAlarm']['Condition'] = 'HasAlertSlack';
      delete resources(t)['AuditFindingsAlarm']['Condition'];
    });
    assertProblem(
      problems,
      'Resources.KinesisDeadLetteredRecordsAlarm.Condition',
      /KinesisRecordsDeadLettered is emitted only when IndexerFunction has KINESIS_STREAM \(condition SendToKinesis\); the alarm exists when always/,
    );
    assertProblem(problems, 'Resources.AuditFindingsAlarm.Condition', /must imply RunAudit/);
    // HasAlertSlack implies one of the two alert destinations: accepted.
    assert.ok(!problems.some((p) => p.path.startsWith('Resources.AlertsFailedAlarm')));
    const noFeature = problemsAfter((t) => {
      delete props(t, 'IndexerFunction')['Environment']['Variables']['KINESIS_STREAM'];
      resources(t)['AlertsFailedAlarm']['Condition'] = 'HasAlertRules';
    });
    assertProblem(
      noFeature,
      'Resources.KinesisDeadLetteredRecordsAlarm.Properties.MetricName',
      /never sets KINESIS_STREAM/,
    );
    assertProblem(
      noFeature,
      'Resources.AlertsFailedAlarm.Condition',
      /ALERT_SLACK_WEBHOOK_SECRET or ALERT_SNS_TOPIC_ARN \(condition HasAlertSlack or HasAlertSnsTopic\); the alarm exists when HasAlertRules/,
    );
  });
});
