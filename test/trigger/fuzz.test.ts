/**
 * Mutation fuzzing of normaliseEvent: starting from realistic events of every shape, random edits
 * (deleted fields, wrong types, truncated or corrupted JSON strings, odd keys) must only ever produce
 * well-formed units or a TriggerError, never another exception and never a hang.
 * Reproduce a failure with FUZZ_SEED=<seed printed in the message>.
 */
import { strict as assert } from 'node:assert';
import { normaliseEvent, TriggerError } from '../../src/trigger/normalise.js';
import {
  cloudTrailNotification,
  eventBridgeObjectCreated,
  logKey,
  PREFIXED_KEY,
  PREFIXED_KEY_ENCODED,
  s3Notification,
  s3Record,
  s3TestEvent,
  snsEvent,
  snsMessage,
  sqsEvent,
} from './events.js';
import { seededRandom } from '../../src/util/random.js';

type Rng = () => number;

const mulberry32 = (seed: number): Rng => seededRandom(seed);

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

const KEY = logKey('us-east-1', '20221110T1625Z', 'LwlTngDNL0P6nNwO');
const s3Json = () =>
  JSON.stringify(s3Notification(s3Record(PREFIXED_KEY_ENCODED), s3Record(KEY, { size: 0 })));
const ctJson = () => JSON.stringify(cloudTrailNotification([PREFIXED_KEY, KEY]));

function seedEvents(): unknown[] {
  return [
    s3Notification(s3Record(PREFIXED_KEY_ENCODED), s3Record(KEY)),
    s3TestEvent(),
    snsEvent(s3Json(), ctJson()),
    snsEvent('CloudTrail validation message.'),
    eventBridgeObjectCreated(PREFIXED_KEY_ENCODED),
    { bucket: 'b', key: KEY },
    { Bucket: 'b', Key: KEY },
    sqsEvent(
      s3Json(),
      ctJson(),
      JSON.stringify(snsMessage(s3Json())),
      JSON.stringify(snsMessage(ctJson())),
      JSON.stringify(eventBridgeObjectCreated(KEY)),
      JSON.stringify(s3TestEvent()),
    ),
  ];
}

const INTERESTING_STRINGS = [
  '',
  '%',
  '%E0%A4%A',
  '+',
  'a+b%2Bc',
  'aws:s3',
  'aws:sns',
  'aws:sqs',
  'ObjectCreated:Put',
  'Object Created',
  'aws.s3',
  'Notification',
  's3:TestEvent',
  '{',
  '[]',
  'null',
  '{"Records":[]}',
  '{"Type":"Notification","Message":"{}"}',
  'CloudTrail validation message.',
  KEY,
  '\u0000\uffff\ud800',
];
const INTERESTING_KEYS = [
  'Records',
  'Sns',
  'Message',
  'body',
  'Type',
  'Event',
  'detail-type',
  'source',
  'detail',
  's3Bucket',
  's3ObjectKey',
  'bucket',
  'key',
  'Bucket',
  'Key',
  'eventSource',
  'EventSource',
  'messageId',
  '__proto__',
  'constructor',
  'toString',
];

function randomValue(rng: Rng, depth = 0): unknown {
  switch (Math.floor(rng() * 9)) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
      return rng() < 0.5;
    case 3:
      return pick(rng, [0, -1, 1.5, 2 ** 53, NaN, Infinity, -0]);
    case 4:
      return pick(rng, INTERESTING_STRINGS);
    case 5:
      return String.fromCharCode(
        ...Array.from({ length: Math.floor(rng() * 12) }, () => Math.floor(rng() * 0x300)),
      );
    case 6:
      return depth > 2
        ? []
        : Array.from({ length: Math.floor(rng() * 3) }, () => randomValue(rng, depth + 1));
    case 7:
      return depth > 2
        ? {}
        : Object.fromEntries([[pick(rng, INTERESTING_KEYS), randomValue(rng, depth + 1)]]);
    default:
      return pick(rng, seedEvents());
  }
}

/** Applies one random edit somewhere inside `value`, descending into JSON strings too. */
function mutate(value: unknown, rng: Rng, depth = 0): unknown {
  if (depth > 12 || rng() < 0.08) return randomValue(rng);
  if (typeof value === 'string') {
    if (value.startsWith('{') && rng() < 0.6) {
      try {
        return JSON.stringify(mutate(JSON.parse(value), rng, depth + 1));
      } catch {
        return value;
      }
    }
    const at = Math.floor(rng() * (value.length + 1));
    if (rng() < 0.5) return value.slice(0, at); // truncation
    return value.slice(0, at) + pick(rng, INTERESTING_STRINGS) + value.slice(at);
  }
  if (Array.isArray(value)) {
    const copy = [...value];
    if (copy.length === 0 || rng() < 0.2) copy.push(randomValue(rng));
    const index = Math.floor(rng() * copy.length);
    const choice = rng();
    if (choice < 0.2) copy.splice(index, 1);
    else if (choice < 0.3) copy.push(copy[index]);
    else copy[index] = mutate(copy[index], rng, depth + 1);
    return copy;
  }
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    const choice = rng();
    if (keys.length === 0 || choice < 0.15) {
      Object.defineProperty(copy, pick(rng, INTERESTING_KEYS), {
        value: randomValue(rng),
        enumerable: true,
        configurable: true,
        writable: true,
      });
    } else {
      const key = pick(rng, keys);
      if (choice < 0.35) delete copy[key];
      else copy[key] = mutate(copy[key], rng, depth + 1);
    }
    return copy;
  }
  return randomValue(rng);
}

function parseJsonObject(text: string): unknown {
  if (!text.startsWith('{')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Edits one leaf chosen uniformly among all leaves, including those inside JSON strings, so deep
 * fields (an S3 key inside an SNS message inside an SQS body) are hit as often as shallow ones.
 */
function editRandomLeaf(value: unknown, rng: Rng): unknown {
  let remaining = -1;
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const parsed = parseJsonObject(v);
      if (parsed !== undefined) return JSON.stringify(visit(parsed));
      if (remaining-- !== 0) return v;
      const at = Math.floor(rng() * (v.length + 1));
      return rng() < 0.3 ? v.slice(0, at) : v.slice(0, at) + pick(rng, INTERESTING_STRINGS) + v.slice(at);
    }
    if (Array.isArray(v)) return v.map(visit);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, child]) => [k, visit(child)]));
    }
    return remaining-- === 0 ? randomValue(rng) : v;
  };
  remaining = Number.MAX_SAFE_INTEGER; // first pass counts the leaves
  visit(value);
  const leaves = Number.MAX_SAFE_INTEGER - remaining;
  remaining = Math.floor(rng() * leaves);
  return visit(value);
}

describe('normaliseEvent fuzz', () => {
  it('2,000 mutated events: only units or TriggerError, never another error, never a hang', function () {
    this.timeout(30_000);
    const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() >>> 0;
    const rng = mulberry32(seed);
    const seeds = seedEvents();
    const tally = { objects: 0, triggerErrors: 0, errorUnits: 0 };

    for (let i = 0; i < 2_000; i++) {
      let event = pick(rng, seeds);
      const edits = 1 + Math.floor(rng() * 3);
      for (let e = 0; e < edits; e++) event = rng() < 0.5 ? mutate(event, rng) : editRandomLeaf(event, rng);
      const where = `seed=${seed} iteration=${i} (rerun with FUZZ_SEED=${seed}); event=${JSON.stringify(event)?.slice(0, 2000)}`;

      let units;
      let thrown: unknown;
      const started = Date.now();
      try {
        units = normaliseEvent(event, { includeInsights: rng() < 0.5 });
      } catch (err) {
        thrown = err;
      }
      // Time is what this guards (a pattern or loop that blows up on one odd event), and normaliseEvent
      // is synchronous, so mocha's timeout could not name the event. One small event takes well under a
      // millisecond; a second is a margin no load or GC pause comes near.
      const tookMs = Date.now() - started;
      assert.ok(tookMs < 1_000, `${tookMs} ms for one event (runaway work?) at ${where}`);
      if (thrown !== undefined) {
        assert.ok(thrown instanceof TriggerError, `non-TriggerError ${String(thrown)} at ${where}`);
        assert.ok(thrown.message.length > 0 && !thrown.message.includes('\n'), `bad message at ${where}`);
        tally.triggerErrors++;
        continue;
      }
      assert.ok(Array.isArray(units), where);
      for (const unit of units) {
        if (unit.error !== undefined) {
          tally.errorUnits++;
          assert.deepEqual([unit.objects, unit.skipped], [[], []], where);
        }
        for (const ref of unit.objects) {
          assert.ok(typeof ref.bucket === 'string' && ref.bucket !== '', where);
          assert.ok(typeof ref.key === 'string' && ref.key !== '', where);
          tally.objects++;
        }
      }
    }
    // The mutations must exercise all three outcomes, or the fuzzing proves little.
    assert.ok(
      tally.objects > 0 && tally.triggerErrors > 0 && tally.errorUnits > 0,
      `seed=${seed} ${JSON.stringify(tally)}`,
    );
  });
});
