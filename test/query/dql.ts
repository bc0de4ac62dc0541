/**
 * DQL as typed in Dashboards' Discover → the equivalent Lucene `query_string`, for the subset the
 * documented queries use: `field:value`, quoted values, `and`/`or`/`not`, parentheses, `field:*`, and
 * range comparisons (`@timestamp >= "…"`). The dev server runs the Lucene text, so the DQL shown to
 * users is checked against the samples.
 */
export function luceneOf(dql: string): string {
  let out = '';
  let i = 0;
  while (i < dql.length) {
    const ch = dql[i]!;
    if (ch === '"') {
      let end = i + 1;
      while (end < dql.length && dql[end] !== '"') end += dql[end] === '\\' ? 2 : 1;
      out += dql.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    const rest = dql.slice(i);
    const word = /^(and|or|not)(?=[\s(])/i.exec(rest);
    if (word && (i === 0 || /[\s(]/.test(dql[i - 1]!))) {
      out += word[1]!.toUpperCase();
      i += word[1]!.length;
      continue;
    }
    const comparison = /^\s*(>=|<=|>|<)\s*/.exec(rest);
    if (comparison) {
      out += ':' + comparison[1];
      i += comparison[0].length;
      continue;
    }
    if (ch === '\\') {
      out += dql.slice(i, i + 2);
      i += 2;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}
