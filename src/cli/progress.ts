/**
 * Progress of a long `index` run, on stderr (stdout keeps only the summary, for scripts):
 * - `live`: one line redrawn in place on a terminal: files done/found, records, records/s, ETA and
 *   failures so far;
 * - `lines`: the same facts as a plain line every N seconds, for logs and CI;
 * - `none`: nothing.
 * Lines of their own (verbose output) go through `note`, which keeps the live line intact below them.
 */
import type { FileOutcome } from '../types.js';

export type ProgressMode = 'live' | 'lines' | 'none';

/** How often the live line is redrawn. */
const LIVE_REDRAW_MS = 250;
const CLEAR_LINE = '\r\x1b[K';

interface Counts {
  filesDone: number;
  filesFound: number;
  listingDone: boolean;
  records: number;
  bytesDone: number;
  bytesFound: number;
  failedFiles: number;
  deadLettered: number;
}

export interface ProgressOutput {
  write(text: string): unknown;
  /** Terminal width, when the output is a terminal. */
  columns?: number;
}

export class Progress {
  private readonly counts: Counts = {
    filesDone: 0,
    filesFound: 0,
    listingDone: false,
    records: 0,
    bytesDone: 0,
    bytesFound: 0,
    failedFiles: 0,
    deadLettered: 0,
  };
  private readonly startedMs: number;
  private timer: NodeJS.Timeout | undefined;
  /** The live line is on screen (the cursor is at its end). */
  private drawn = false;

  constructor(
    private readonly mode: ProgressMode,
    private readonly output: ProgressOutput,
    private readonly lineIntervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedMs = now();
  }

  start(): void {
    if (this.mode === 'none') return;
    const every = this.mode === 'live' ? LIVE_REDRAW_MS : this.lineIntervalMs;
    this.timer = setInterval(() => this.show(), every);
    this.timer.unref();
  }

  /** A file to index was found (listing goes on while files are indexed). */
  found(bytes: number | undefined): void {
    this.counts.filesFound++;
    this.counts.bytesFound += bytes ?? 0;
  }

  listingFinished(): void {
    this.counts.listingDone = true;
  }

  fileDone(outcome: FileOutcome, bytes: number | undefined): void {
    const counts = this.counts;
    counts.filesDone++;
    counts.bytesDone += bytes ?? 0;
    counts.records += outcome.read;
    counts.deadLettered += outcome.deadLettered;
    if (outcome.error || outcome.undelivered > 0) counts.failedFiles++;
  }

  /** Writes a line of its own; on a terminal the live line is redrawn under it. */
  note(line: string): void {
    if (this.drawn) this.output.write(CLEAR_LINE);
    this.output.write(line + '\n');
    this.drawn = false;
    if (this.mode === 'live' && this.timer) this.show();
  }

  /** Stops updating; the live line is wiped so the summary starts on a clean line. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.drawn) this.output.write(CLEAR_LINE);
    this.drawn = false;
  }

  /** The facts as one line: `12/340 files, 45120 records (8210/s), ETA 41s, 0 failed, 0 dead-lettered`. */
  describe(): string {
    const counts = this.counts;
    const elapsedS = Math.max(0.001, (this.now() - this.startedMs) / 1000);
    const total = `${counts.filesFound}${counts.listingDone ? '' : '+'}`;
    const rate = Math.round(counts.records / elapsedS);
    return (
      `${counts.filesDone}/${total} files, ${counts.records} records (${rate}/s), ` +
      `ETA ${this.eta(elapsedS)}, ${counts.failedFiles} failed, ${counts.deadLettered} dead-lettered`
    );
  }

  private show(): void {
    if (this.mode === 'lines') {
      this.output.write(`progress: ${this.describe()}\n`);
      return;
    }
    // A terminal of unknown size reports 0 columns.
    const width = Math.max(20, (this.output.columns || 80) - 1);
    const line = this.describe();
    this.output.write(CLEAR_LINE + (line.length > width ? line.slice(0, width) : line));
    this.drawn = true;
  }

  /** Time left at the rate so far, by bytes when the sizes are known, else by files; `?` until known. */
  private eta(elapsedS: number): string {
    const counts = this.counts;
    if (!counts.listingDone || counts.filesDone === 0) return '?';
    const byBytes = counts.bytesFound > 0 && counts.bytesDone > 0;
    const done = byBytes ? counts.bytesDone : counts.filesDone;
    const left = (byBytes ? counts.bytesFound : counts.filesFound) - done;
    return formatDuration((left * elapsedS) / done);
  }
}

/** `41s`, `12m05s`, `1h02m`. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
