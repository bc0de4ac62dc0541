/**
 * Per-file extensions: features that ride along a file's run without the pipeline knowing what they do
 * (a ledger of files, alerts, a second destination). An extension opens an observer per file; the
 * pipeline shows it the file's decompressed bytes, each record with the document built from it, each
 * document's final outcome, and then waits for it to finish before the file's outcome is reported.
 *
 * What an extension may change is deliberately small: it adds its own counts to the outcome, and it can
 * fail the file (so the trigger retries it). It cannot change documents, indices or the OpenSearch
 * counts, so `read = indexed + duplicates + deadLettered + undelivered` holds whatever it does.
 *
 * An observer that throws (or whose promise rejects) is switched off for the rest of its file and the
 * file fails with its error: an extension that could not see every record must not report success.
 */
import type { DeadLetterSink } from '../deadletter/entry.js';
import type { RecordFields } from '../documents/recordFields.js';
import type { ClusterHealth } from '../http/health.js';
import type { HttpCaller } from '../http/request.js';
import type { TimeBudget } from '../http/retry.js';
import type { Telemetry } from '../observability/telemetry.js';
import type { BulkDocument, DocumentOutcome, FileOutcome } from '../types.js';

/** What is known of the file when it starts. */
export interface ExtensionFile {
  /** `s3://bucket/key` or a local path: use it in every message about the file. */
  sourceName: string;
  bucket?: string;
  key: string;
  keyDate?: string;
  /** S3 LastModified or a local file's modification time. */
  objectTimeMs?: number;
  /** The S3 object's size, ETag and version, when it was read from S3. */
  size?: number;
  etag?: string;
  versionId?: string;
  indexPrefix: string;
}

/** What an extension may use while it handles a file. */
export interface ExtensionContext {
  /** Requests to the cluster on the file's time budget and the run's health, like the bulk path's. */
  http?: HttpCaller;
  budget: TimeBudget;
  health?: ClusterHealth;
  telemetry: Telemetry;
  /** The file's dead-letter destination. */
  deadLetter: DeadLetterSink;
}

/** A record that became a document. Both buffers are only readable during the call: copy what you keep. */
export interface BuiltRecord {
  recordIndex: number;
  /** The record's JSON exactly as it is in the file. */
  raw: Buffer;
  document: BulkDocument;
  /** A few values the builder read on its way (an extension needing only these need not parse `raw`). */
  fields?: RecordFields;
}

/** What an extension adds to the file's outcome. */
export interface ExtensionReport {
  /** Shown in the file's log line and the CLI summary under the extension's name. */
  counts?: Record<string, number>;
  /** The extension could not do its part: the file fails with this error (and is retried). */
  error?: string;
}

/** One file's view of an extension. Every method is optional. */
export interface FileObserver {
  /** Each decompressed chunk of the file, in order (e.g. to hash the file's content in the same pass). */
  onDecodedBytes?(chunk: Buffer): void;
  /**
   * Each record that became a document, before it is handed to the bulk sender. A returned promise holds
   * the record loop until it settles: that is how an extension bounds what it buffers.
   */
  onRecord?(record: BuiltRecord): void | Promise<void>;
  /** Each document's final outcome in OpenSearch; `document.bytes` is readable during the call only. */
  onOutcome?(document: BulkDocument, outcome: DocumentOutcome): void;
  /** Once the file's documents and dead letters are delivered (or given up on), with its counts. */
  finish?(outcome: Readonly<FileOutcome>): Promise<ExtensionReport | void> | ExtensionReport | void;
}

export interface FileExtension {
  /** Short and stable: the key of its counts in the outcome, and the prefix of its errors. */
  readonly name: string;
  /** An observer for this file, or undefined when the extension has nothing to do with it. */
  openFile(file: ExtensionFile, context: ExtensionContext): FileObserver | undefined;
}

/**
 * How another thread makes the same extension: an ES module (absolute URL) exporting
 * `createExtension(settings)`, and plain settings (they are copied to the thread).
 */
export interface ExtensionSpec {
  module: string;
  settings?: unknown;
}

/** Loads the extensions of `specs`, in order. */
export async function loadExtensions(specs: readonly ExtensionSpec[] = []): Promise<FileExtension[]> {
  const loaded: FileExtension[] = [];
  for (const spec of specs) {
    const module = (await import(spec.module)) as {
      createExtension?: (settings: unknown) => FileExtension | Promise<FileExtension>;
    };
    if (typeof module.createExtension !== 'function') {
      throw new Error(`extension module ${spec.module} does not export createExtension(settings)`);
    }
    loaded.push(await module.createExtension(spec.settings));
  }
  return loaded;
}

interface Opened {
  name: string;
  observer: FileObserver;
  /** The first error of this observer; once set, it is not called again. */
  error?: string;
}

/** The observers of one file, each shielded from the others' failures. */
export class FileExtensions {
  private readonly opened: Opened[];
  /** True when some observer wants decompressed bytes (the records stage then passes them on). */
  readonly observesBytes: boolean;
  /** True when some observer wants records (the record loop calls `record` only then). */
  readonly observesRecords: boolean;
  readonly observesOutcomes: boolean;

  constructor(extensions: readonly FileExtension[], file: ExtensionFile, context: ExtensionContext) {
    this.opened = [];
    for (const extension of extensions) {
      const observer = extension.openFile(file, context);
      if (observer) this.opened.push({ name: extension.name, observer });
    }
    this.observesBytes = this.opened.some((o) => o.observer.onDecodedBytes !== undefined);
    this.observesRecords = this.opened.some((o) => o.observer.onRecord !== undefined);
    this.observesOutcomes = this.opened.some((o) => o.observer.onOutcome !== undefined);
  }

  decoded(chunk: Buffer): void {
    for (const o of this.opened) {
      if (o.error === undefined && o.observer.onDecodedBytes) {
        this.guard(o, () => o.observer.onDecodedBytes!(chunk));
      }
    }
  }

  /** Shows the record to every observer; a promise when one of them asks the loop to wait. */
  record(record: BuiltRecord): Promise<void> | undefined {
    let waits: Promise<void>[] | undefined;
    for (const o of this.opened) {
      if (o.error !== undefined || !o.observer.onRecord) continue;
      const wait = this.guard(o, () => o.observer.onRecord!(record));
      if (wait instanceof Promise) (waits ??= []).push(wait.catch((error: unknown) => this.fail(o, error)));
    }
    return waits && Promise.all(waits).then(() => undefined);
  }

  outcome(document: BulkDocument, outcome: DocumentOutcome): void {
    for (const o of this.opened) {
      if (o.error === undefined && o.observer.onOutcome) {
        this.guard(o, () => o.observer.onOutcome!(document, outcome));
      }
    }
  }

  /**
   * Lets every observer finish, in the order the extensions were given; adds their counts to `outcome`
   * and returns the errors (empty: none). An observer sees the file as failed when an extension before
   * it failed, so an extension that records the file's final state (the ledger) goes last.
   */
  async finish(outcome: FileOutcome): Promise<string[]> {
    for (const o of this.opened) {
      if (o.error !== undefined || !o.observer.finish) continue;
      const earlier = this.errors();
      const seen =
        earlier.length > 0 && outcome.error === undefined
          ? { ...outcome, error: earlier.join('; ') }
          : outcome;
      try {
        const report = await o.observer.finish(seen);
        if (report?.counts) (outcome.extensions ??= {})[o.name] = report.counts;
        if (report?.error !== undefined) o.error = report.error;
      } catch (error) {
        this.fail(o, error);
      }
    }
    return this.errors();
  }

  private errors(): string[] {
    return this.opened.filter((o) => o.error !== undefined).map((o) => `${o.name}: ${o.error}`);
  }

  private guard<T>(o: Opened, call: () => T): T | undefined {
    try {
      return call();
    } catch (error) {
      this.fail(o, error);
      return undefined;
    }
  }

  private fail(o: Opened, error: unknown): void {
    o.error ??= error instanceof Error ? error.message : String(error);
  }
}
