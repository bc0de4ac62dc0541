// Creates or updates the stack through a change set, driving the AWS CLI (deploy-plan.ts builds each
// command): it says when there is nothing to change, prints the stack events that made a deploy fail,
// and replaces a stack left in ROLLBACK_COMPLETE by a failed first create.
import {
  AwsCommands,
  changeSetName,
  changeSetParameters,
  shellQuote,
  type Artifacts,
  type Command,
} from './deploy-plan.js';
import type { DeployOptions } from './deploy-args.js';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one AWS CLI command to completion. */
export type RunCommand = (command: Command) => CliResult;

export interface DeployIo {
  readonly run: RunCommand;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
}

export type DeployResult = 'created' | 'updated' | 'unchanged';

/** A deploy that failed for a reason already printed in full. */
export class DeployFailure extends Error {
  override readonly name = 'DeployFailure';
}

/** Polling: change sets take seconds, stacks minutes (a new domain 20-40). */
const CHANGE_SET_POLL_MS = 3_000;
const CHANGE_SET_DEADLINE_MS = 15 * 60_000;
const STACK_POLL_MS = 15_000;
const STACK_DEADLINE_MS = 3 * 60 * 60_000;
const NO_CHANGES = /didn't contain changes|No updates are to be performed/;
/** Stack states a change set cannot start from; the message says what to do. */
const STUCK_STATES: Readonly<Record<string, string>> = {
  UPDATE_ROLLBACK_FAILED:
    'continue the rollback first: aws cloudformation continue-update-rollback --stack-name STACK',
  DELETE_FAILED: 'delete it again (or retain the resources that failed) before deploying',
  ROLLBACK_FAILED: 'delete it (retaining the resources that failed) before deploying',
};

interface StackState {
  readonly status: string;
  readonly parameters: readonly string[];
  readonly outputs: readonly { OutputKey?: string; OutputValue?: string }[];
  readonly reason?: string;
}

export class Deployer {
  private readonly aws: AwsCommands;

  constructor(
    private readonly options: DeployOptions,
    private readonly artifacts: Artifacts,
    private readonly templateParameters: ReadonlySet<string>,
    private readonly io: DeployIo,
  ) {
    this.aws = new AwsCommands(options);
  }

  /** The commands of a dry run: those of a create or an update, whichever describe-stacks will find. */
  dryRunCommands(): Command[] {
    const name = changeSetName(this.io.now());
    const given = changeSetParameters(this.options, this.artifacts, this.templateParameters);
    return [
      this.aws.version(),
      this.aws.describeStacks(),
      ...this.artifacts.zips.map((zip) => this.aws.upload(zip)),
      this.aws.upload(this.artifacts.template),
      this.aws.createChangeSet(name, 'CREATE|UPDATE', this.artifacts.template.url, given),
      this.aws.describeChangeSet(name),
      this.aws.executeChangeSet(name),
      this.aws.describeStacks(),
    ];
  }

  async deploy(): Promise<DeployResult> {
    let stack = this.describeStack();
    if (stack?.status === 'ROLLBACK_COMPLETE') {
      this.io.err(
        `stack ${this.options.stack} is in ROLLBACK_COMPLETE: its first create failed, because of:`,
      );
      this.printFailureEvents();
      this.io.err(
        'it holds no resources (the created domain, if any, is retained); deleting it to create it again',
      );
      this.call(this.aws.deleteStack(), 'delete-stack');
      this.call(this.aws.waitStackDeleted(), 'wait stack-delete-complete');
      stack = undefined;
    }
    if (stack && /_IN_PROGRESS$/.test(stack.status) && stack.status !== 'REVIEW_IN_PROGRESS')
      throw new DeployFailure(
        `stack ${this.options.stack} is busy (${stack.status}); deploy again when it settles`,
      );
    const stuck = stack ? STUCK_STATES[stack.status] : undefined;
    if (stuck)
      throw new DeployFailure(
        `stack ${this.options.stack} is in ${stack!.status}: ${stuck.replace('STACK', this.options.stack)}`,
      );
    const type = stack === undefined || stack.status === 'REVIEW_IN_PROGRESS' ? 'CREATE' : 'UPDATE';
    const parameters = changeSetParameters(
      this.options,
      this.artifacts,
      this.templateParameters,
      type === 'UPDATE' ? stack!.parameters : [],
    );

    for (const zip of this.artifacts.zips) this.call(this.aws.upload(zip), `upload ${zip.file}`);
    this.call(this.aws.upload(this.artifacts.template), `upload ${this.artifacts.template.file}`);
    const name = changeSetName(this.io.now());
    this.call(
      this.aws.createChangeSet(name, type, this.artifacts.template.url, parameters),
      'create-change-set',
    );
    const changeSet = await this.waitForChangeSet(name);
    if (changeSet['Status'] === 'FAILED') {
      const reason = String(changeSet['StatusReason'] ?? 'no reason given');
      this.call(this.aws.deleteChangeSet(name), 'delete-change-set');
      if (NO_CHANGES.test(reason)) {
        this.io.out(`No changes: stack ${this.options.stack} is up to date.`);
        return 'unchanged';
      }
      throw new DeployFailure(`change set ${name} failed: ${reason}`);
    }
    this.printChanges(changeSet);
    this.call(this.aws.executeChangeSet(name), 'execute-change-set');
    const final = await this.waitForStack();
    if (final.status !== `${type}_COMPLETE`) {
      this.io.err(
        `stack ${this.options.stack} ended in ${final.status}${final.reason ? ` (${final.reason})` : ''}, because of:`,
      );
      this.printFailureEvents();
      throw new DeployFailure(`${type === 'CREATE' ? 'create' : 'update'} of ${this.options.stack} failed`);
    }
    this.io.out(`${type === 'CREATE' ? 'Created' : 'Updated'} stack ${this.options.stack}. Outputs:`);
    for (const output of final.outputs) this.io.out(`  ${output.OutputKey}: ${output.OutputValue}`);
    return type === 'CREATE' ? 'created' : 'updated';
  }

  /** Runs a command; a non-zero exit is a DeployFailure carrying the CLI's own message. */
  private call(command: Command, what: string): CliResult {
    const result = this.io.run(command);
    if (result.status !== 0) {
      throw new DeployFailure(
        `${what} failed (exit ${result.status}): ${result.stderr.trim() || result.stdout.trim()}\n  command: ${shellQuote(command)}`,
      );
    }
    return result;
  }

  private json(command: Command, what: string): Record<string, unknown> {
    const text = this.call(command, what).stdout.trim();
    try {
      return (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
    } catch {
      throw new DeployFailure(`${what} printed something that is not JSON: ${text.slice(0, 200)}`);
    }
  }

  /** The stack's state, or undefined when it does not exist. */
  private describeStack(): StackState | undefined {
    const command = this.aws.describeStacks();
    const result = this.io.run(command);
    if (result.status !== 0 && /does not exist/.test(result.stderr)) return undefined;
    if (result.status !== 0) this.call(command, 'describe-stacks');
    const stack = (JSON.parse(result.stdout) as { Stacks?: Record<string, unknown>[] }).Stacks?.[0] ?? {};
    const parameters = (stack['Parameters'] as { ParameterKey?: string }[] | undefined) ?? [];
    return {
      status: String(stack['StackStatus']),
      parameters: parameters.flatMap((p) => (p.ParameterKey ? [p.ParameterKey] : [])),
      outputs: (stack['Outputs'] as StackState['outputs'] | undefined) ?? [],
      reason: typeof stack['StackStatusReason'] === 'string' ? stack['StackStatusReason'] : undefined,
    };
  }

  private async waitForChangeSet(name: string): Promise<Record<string, unknown>> {
    const started = this.io.now().getTime();
    for (;;) {
      const changeSet = this.json(this.aws.describeChangeSet(name), 'describe-change-set');
      if (!/^CREATE_(PENDING|IN_PROGRESS)$/.test(String(changeSet['Status']))) return changeSet;
      if (this.io.now().getTime() - started > CHANGE_SET_DEADLINE_MS)
        throw new DeployFailure(
          `change set ${name} was not ready after ${CHANGE_SET_DEADLINE_MS / 60_000} minutes`,
        );
      await this.io.sleep(CHANGE_SET_POLL_MS);
    }
  }

  private async waitForStack(): Promise<StackState> {
    const started = this.io.now().getTime();
    for (;;) {
      const stack = this.describeStack();
      if (stack === undefined) throw new DeployFailure(`stack ${this.options.stack} disappeared`);
      if (!stack.status.endsWith('_IN_PROGRESS')) return stack;
      if (this.io.now().getTime() - started > STACK_DEADLINE_MS)
        throw new DeployFailure(
          `stack ${this.options.stack} still ${stack.status} after ${STACK_DEADLINE_MS / 3_600_000} hours`,
        );
      await this.io.sleep(STACK_POLL_MS);
    }
  }

  private printChanges(changeSet: Record<string, unknown>): void {
    const changes =
      (changeSet['Changes'] as { ResourceChange?: Record<string, unknown> }[] | undefined) ?? [];
    this.io.out(`Change set: ${changes.length} change${changes.length === 1 ? '' : 's'}`);
    for (const { ResourceChange: change } of changes) {
      if (!change) continue;
      const replacement = change['Replacement'] === 'True' ? ' (REPLACEMENT)' : '';
      this.io.out(
        `  ${change['Action']} ${change['LogicalResourceId']} ${change['ResourceType']}${replacement}`,
      );
    }
  }

  /** The failed events of the stack's last operation, oldest first; the cancellations they caused last. */
  private printFailureEvents(): void {
    const { StackEvents: events = [] } = this.json(
      this.aws.describeStackEvents(),
      'describe-stack-events',
    ) as {
      StackEvents?: Record<string, unknown>[];
    };
    const failed: Record<string, unknown>[] = [];
    for (const event of events) {
      const isStart =
        event['ResourceType'] === 'AWS::CloudFormation::Stack' &&
        /^(CREATE|UPDATE)_IN_PROGRESS$/.test(String(event['ResourceStatus'])) &&
        String(event['ResourceStatusReason'] ?? '').includes('User Initiated');
      if (String(event['ResourceStatus']).endsWith('_FAILED')) failed.push(event);
      if (isStart) break;
    }
    const cancelled = (e: Record<string, unknown>): boolean =>
      /cancelled/i.test(String(e['ResourceStatusReason']));
    const ordered = [...failed.reverse().filter((e) => !cancelled(e)), ...failed.filter(cancelled)];
    if (ordered.length === 0) this.io.err('  (no failed resource events; see the CloudFormation console)');
    for (const event of ordered) {
      this.io.err(
        `  ${event['LogicalResourceId']} (${event['ResourceType']}) ${event['ResourceStatus']}: ${event['ResourceStatusReason'] ?? ''}`,
      );
    }
  }
}
