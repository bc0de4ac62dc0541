/**
 * The alerts extension's per-record work for the benchmarks (`npm run bench -- --alerts`,
 * bench-alerts.ts): the built-in rules' prefilter on the values the builder hands over, the alerts made
 * from them or from a parse of the record, and each alert confirmed by its document's outcome, exactly
 * as the indexer does it (src/alerts/extension.ts), without the delivery (network calls per alert, not
 * per record). The matches are reported as the file's `alerts` counts.
 */
import { defaultRules } from '../src/alerts/defaultPack.js';
import { FileAlertMatcher } from '../src/alerts/fileMatcher.js';
import { RuleSet } from '../src/alerts/match.js';
import type { FileExtension } from '../src/pipeline/extensions.js';

export function createExtension(): FileExtension {
  const rules = new RuleSet(defaultRules());
  return {
    name: 'alerts',
    openFile(file) {
      const matcher = new FileAlertMatcher(rules, file.sourceName, () => true);
      return {
        onRecord: (record) => matcher.onRecord(record),
        onOutcome: (document, outcome) => matcher.onOutcome(document, outcome),
        finish: () => ({ counts: { matched: matcher.confirmed.size } }),
      };
    },
  };
}
