/**
 * Fault injection for client tests. A rule names a fault, which requests it applies to (path glob,
 * method), and how often: the next N matching requests, a seeded probability, or every time. The
 * random draws come from one seeded generator, so a seed replays the same schedule for the same
 * sequence of requests.
 */
import { globMatch } from './index-names.js';
import { seededDraws } from './random.js';

export type FaultSpec =
  /** Whole-request 429: OpenSearch's rejected-execution envelope, or AWS's front-end throttle body. */
  | { kind: 'too-many-requests'; style?: 'opensearch' | 'aws' }
  /** Whole-request 5xx. */
  | { kind: 'server-error'; status: 500 | 502 | 503 | 504 }
  /** 413 when the body exceeds `maxBytes`: AWS JSON message, or the self-managed empty body. */
  | { kind: 'payload-too-large'; maxBytes: number; style?: 'aws' | 'self-managed' }
  /** Per-item 429 inside a bulk: every item, or each with `itemProbability` (seeded). */
  | {
      kind: 'item-rejection';
      exceptionType?: 'rejected_execution_exception' | 'es_rejected_execution_exception';
      itemProbability?: number;
    }
  /** Wait before answering (the request is then served normally). */
  | { kind: 'latency'; ms: number }
  /** Destroy the socket: before processing, or after processing (writes applied, no answer). */
  | { kind: 'connection-reset'; when?: 'before' | 'after' }
  /** 403 `security_exception` as fine-grained access control answers an unmapped role. */
  | { kind: 'forbidden'; user?: string };

export interface FaultRule {
  fault: FaultSpec;
  /** Glob on the URL path (`*` matches anything, `/` included); default: every path. */
  path?: string;
  method?: string;
  /** Fire for the next N matching requests, then retire. */
  times?: number;
  /** Fire with this probability per matching request, drawn from the seeded generator. */
  probability?: number;
}

export interface FiredFault {
  requestNumber: number;
  method: string;
  path: string;
  kind: FaultSpec['kind'];
}

interface ActiveRule extends FaultRule {
  id: number;
  remaining?: number;
}

export class FaultController {
  private rules: ActiveRule[] = [];
  private nextId = 1;
  private random: () => number;
  private requestNumber = 0;
  /** Every fault fired, in order: compare two runs with the same seed. */
  readonly history: FiredFault[] = [];

  constructor(seed = 1) {
    this.random = seededDraws(seed);
  }

  /** Restarts the generator; the same seed then yields the same draws. */
  reseed(seed: number): void {
    this.random = seededDraws(seed);
    this.requestNumber = 0;
    this.history.length = 0;
  }

  add(rule: FaultRule): number {
    const id = this.nextId++;
    if (rule.times !== undefined && rule.times <= 0) return id; // nothing to schedule
    this.rules.push({ ...rule, id, remaining: rule.times });
    return id;
  }

  remove(id: number): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map(({ fault, path, method, remaining, probability }) => ({
      fault,
      path,
      method,
      times: remaining,
      probability,
    }));
  }

  /** A seeded draw for per-item decisions. */
  draw(): number {
    return this.random();
  }

  /**
   * The fault for this request, if any. `bodyBytes` lets a 413 rule fire only for large bodies.
   * Rules are tried in the order they were added; the first that fires wins.
   */
  select(method: string, path: string, bodyBytes: number): FaultSpec | undefined {
    this.requestNumber++;
    for (const rule of this.rules) {
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (rule.path && !globMatch(rule.path, path)) continue;
      if (rule.fault.kind === 'payload-too-large' && bodyBytes <= rule.fault.maxBytes) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      if (rule.remaining !== undefined) {
        rule.remaining--;
        if (rule.remaining <= 0) this.remove(rule.id);
      }
      this.history.push({ requestNumber: this.requestNumber, method, path, kind: rule.fault.kind });
      return rule.fault;
    }
    return undefined;
  }
}
