// Runs AWS's CloudFormation linter (cfn-lint, a Python tool: `pip install cfn-lint`) over templates and
// reads its JSON report. It knows every resource type, property, allowed value, IAM action and intrinsic
// function; the product rules (product-rules.ts) add what only this project knows.
// False positives are silenced in the templates themselves (Metadata cfn-lint config, with a comment
// saying why), so a plain `cfn-lint cloudformation.yml` agrees with `npm run validate:template`.
import { spawnSync } from 'node:child_process';

export const CFN_LINT_INSTALL_HINT = 'pip install cfn-lint';

export interface LintFinding {
  /** The template file as given to cfn-lint. */
  readonly file: string;
  /** Rule id, e.g. E3030 (error), W2001 (warning), I3042 (informational). */
  readonly rule: string;
  readonly level: string;
  readonly message: string;
  readonly line: number;
  /** Template path, e.g. Resources/IndexerFunction/Properties/Architectures/0. */
  readonly path: string;
}

export type LintOutcome =
  | { readonly ran: true; readonly version: string; readonly findings: readonly LintFinding[] }
  | { readonly ran: false; readonly reason: string };

export interface LintOptions {
  /** The executable (default: $CFN_LINT, else cfn-lint on PATH). */
  readonly executable?: string;
  /** Deadline for the whole run (default 5 minutes: cfn-lint takes about 5 s per template). */
  readonly timeoutMs?: number;
}

/** Largest report read from cfn-lint's stdout; a template with that many findings is broken anyway. */
const MAX_REPORT_BYTES = 32 * 1024 * 1024;

interface RawFinding {
  Filename?: unknown;
  Level?: unknown;
  Message?: unknown;
  Location?: { Start?: { LineNumber?: unknown }; Path?: unknown };
  Rule?: { Id?: unknown };
}

/** Lints the files in one cfn-lint process (each run pays about 2 s of start-up). */
export function runCfnLint(files: readonly string[], options: LintOptions = {}): LintOutcome {
  const executable = options.executable ?? process.env['CFN_LINT'] ?? 'cfn-lint';
  const timeout = options.timeoutMs ?? 300_000;
  const version = spawnSync(executable, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  const missing = (version.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  if (missing || version.status !== 0) {
    const why = missing
      ? `${executable} was not found on PATH`
      : `${executable} --version failed: ${firstLine(version.stderr)}`;
    return {
      ran: false,
      reason: `${why}; install AWS's CloudFormation linter with: ${CFN_LINT_INSTALL_HINT}`,
    };
  }
  const result = spawnSync(executable, ['--format', 'json', '--', ...files], {
    encoding: 'utf8',
    timeout,
    maxBuffer: MAX_REPORT_BYTES,
  });
  if (result.error) throw new Error(`cfn-lint did not finish: ${result.error.message}`);
  // Exit status is a bit set: 2 errors, 4 warnings, 8 informational; anything else is cfn-lint failing.
  if (result.status === null || (result.status & ~(2 | 4 | 8)) !== 0) {
    throw new Error(`cfn-lint exited with ${result.status ?? result.signal}: ${firstLine(result.stderr)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(result.stdout || '[]');
  } catch {
    throw new Error(`cfn-lint printed a report that is not JSON: ${firstLine(result.stdout)}`);
  }
  if (!Array.isArray(raw)) throw new Error('cfn-lint printed a report that is not a list');
  return { ran: true, version: version.stdout.trim(), findings: (raw as RawFinding[]).map(toFinding) };
}

function toFinding(raw: RawFinding): LintFinding {
  const path = Array.isArray(raw.Location?.Path) ? raw.Location.Path.join('/') : '';
  return {
    file: typeof raw.Filename === 'string' ? raw.Filename : '(cfn-lint)',
    rule: typeof raw.Rule?.Id === 'string' ? raw.Rule.Id : '?',
    level: typeof raw.Level === 'string' ? raw.Level : 'Error',
    message: typeof raw.Message === 'string' ? raw.Message : String(raw.Message),
    line: typeof raw.Location?.Start?.LineNumber === 'number' ? raw.Location.Start.LineNumber : 0,
    path,
  };
}

/** Longest message printed; cfn-lint lists every allowed value (W3037 lists all of a service's actions). */
const MAX_MESSAGE_CHARS = 300;

export function formatFinding(finding: LintFinding): string {
  const message =
    finding.message.length > MAX_MESSAGE_CHARS
      ? `${finding.message.slice(0, MAX_MESSAGE_CHARS)}...`
      : finding.message;
  return `${finding.file}:${finding.line}: ${finding.rule} ${message}${finding.path ? ` (${finding.path})` : ''}`;
}

function firstLine(text: string | undefined): string {
  return (text ?? '').trim().split('\n')[0]?.slice(0, 300) ?? '';
}
