/**
 * DQL to query DSL the way OpenSearch Dashboards and Kibana 7.10 compile it before searching, written
 * here (not in the product) so the tests can run every saved query on the dev server: `f:v` is a
 * `match`, `f:"v"` a `match_phrase`, `f:*` an `exists`, a value with `*` a `query_string` on that field,
 * `f:(a or b)` one clause per value, `and` a `bool.filter`, `or` a `bool.should` with
 * `minimum_should_match: 1`, `not` a `bool.must_not`, `f >= v` a `range`. Bare `true`/`false` and
 * numbers become JSON booleans and numbers, as DQL's grammar reads them.
 */
type Query = Record<string, unknown>;

type Token =
  | { kind: 'word'; text: string; wildcard: boolean; quoted: boolean }
  | { kind: 'op'; text: '(' | ')' | ':' | '>=' | '<=' | '>' | '<' };

const QUERY_STRING_SPECIAL = /[+\-=&|><!(){}[\]^"~*?:\\/\s]/g;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ':') {
      tokens.push({ kind: 'op', text: c });
      i++;
    } else if (c === '>' || c === '<') {
      const op = text[i + 1] === '=' ? `${c}=` : c;
      tokens.push({ kind: 'op', text: op as '>=' | '<=' | '>' | '<' });
      i += op.length;
    } else if (c === '"') {
      let value = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') i++;
        value += text[i++] ?? '';
      }
      if (text[i] !== '"') throw new Error(`unterminated quote in DQL: ${text}`);
      i++;
      tokens.push({ kind: 'word', text: value, wildcard: false, quoted: true });
    } else {
      // An unquoted word; a `*` stays a wildcard unless escaped, and is kept as `\u0000` meanwhile.
      let value = '';
      let wildcard = false;
      while (i < text.length && !/[\s():<>"]/.test(text[i]!)) {
        if (text[i] === '\\') {
          value += text[i + 1] ?? '';
          i += 2;
        } else if (text[i] === '*') {
          value += '\u0000';
          wildcard = true;
          i++;
        } else value += text[i++];
      }
      tokens.push({ kind: 'word', text: value, wildcard, quoted: false });
    }
  }
  return tokens;
}

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Query {
    if (this.tokens.length === 0) return { match_all: {} };
    const query = this.or(() => this.clause());
    if (this.position !== this.tokens.length) throw new Error(`unexpected ${JSON.stringify(this.peek())}`);
    return query;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private keyword(word: string): boolean {
    const token = this.peek();
    if (token?.kind === 'word' && !token.quoted && token.text.toLowerCase() === word) {
      this.position++;
      return true;
    }
    return false;
  }

  private expect(text: string): void {
    const token = this.tokens[this.position++];
    if (token?.kind !== 'op' || token.text !== text)
      throw new Error(`expected ${text}, got ${JSON.stringify(token)}`);
  }

  private or(item: () => Query): Query {
    const parts = [this.and(item)];
    while (this.keyword('or')) parts.push(this.and(item));
    return parts.length === 1 ? parts[0]! : { bool: { should: parts, minimum_should_match: 1 } };
  }

  private and(item: () => Query): Query {
    const parts = [this.not(item)];
    while (this.keyword('and')) parts.push(this.not(item));
    return parts.length === 1 ? parts[0]! : { bool: { filter: parts } };
  }

  private not(item: () => Query): Query {
    if (this.keyword('not')) return { bool: { must_not: this.not(item) } };
    return item();
  }

  private clause(): Query {
    const token = this.peek();
    if (token?.kind === 'op' && token.text === '(') {
      this.position++;
      const inner = this.or(() => this.clause());
      this.expect(')');
      return inner;
    }
    const field = this.word();
    const op = this.tokens[this.position++];
    if (op?.kind !== 'op') throw new Error(`expected : or a range operator after ${field.text}`);
    if (op.text === ':') return this.values(field.text);
    const bound = { '>=': 'gte', '<=': 'lte', '>': 'gt', '<': 'lt' }[op.text as '>='];
    return { range: { [field.text]: { [bound]: this.word().text } } };
  }

  private values(field: string): Query {
    const token = this.peek();
    if (token?.kind === 'op' && token.text === '(') {
      this.position++;
      const inner = this.or(() => valueQuery(field, this.word()));
      this.expect(')');
      return inner;
    }
    return valueQuery(field, this.word());
  }

  private word(): Extract<Token, { kind: 'word' }> {
    const token = this.tokens[this.position++];
    if (token?.kind !== 'word') throw new Error(`expected a value, got ${JSON.stringify(token)}`);
    return token;
  }
}

function valueQuery(field: string, value: Extract<Token, { kind: 'word' }>): Query {
  if (value.quoted) return { match_phrase: { [field]: value.text } };
  if (value.text === '\u0000') return { exists: { field } };
  if (value.wildcard) {
    const query = value.text
      .split('\u0000')
      .map((part) => part.replace(QUERY_STRING_SPECIAL, (c) => `\\${c}`))
      .join('*');
    return { query_string: { fields: [field], query } };
  }
  return { match: { [field]: bareValue(value.text) } };
}

function bareValue(text: string): string | number | boolean {
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?[1-9]\d*(\.\d+)?$/.test(text) && Number.isSafeInteger(Math.trunc(Number(text))))
    return Number(text);
  return text;
}

export function dqlToDsl(dql: string): Query {
  return new Parser(tokenize(dql)).parse();
}
