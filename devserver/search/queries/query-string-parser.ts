/**
 * The Lucene query syntax of `query_string` (OPENSEARCH.md §6.5): terms, "phrases", `field:value`,
 * `field:(a OR b)`, AND/OR/NOT, && || !, +required and -prohibited, (groups), wildcards `*` and `?`,
 * /regular expressions/, ranges `[a TO b]` `{a TO b}` and `>=x`, `_exists_:field`, `field:*`, `^boost`
 * and `\` escapes. Clauses combine as Lucene's classic parser combines them (the default operator
 * for clauses without one). Fuzzy terms (`term~`) and phrase slop (`"a b"~2`) are parsed so that the
 * compiler can refuse them.
 */
import { parsingError } from '../shard.js';

export type Occur = 'must' | 'should' | 'must_not';

export type QueryStringNode =
  | { kind: 'bool'; clauses: { occur: Occur; node: QueryStringNode }[]; boost?: number }
  | {
      kind: 'term';
      field?: string;
      text: string;
      phrase: boolean;
      wildcard: boolean;
      regex: boolean;
      fuzzy?: string;
      slop?: string;
      boost?: number;
    }
  | {
      kind: 'range';
      field?: string;
      lower?: string;
      upper?: string;
      includeLower: boolean;
      includeUpper: boolean;
      boost?: number;
    };

/** Characters that end a bare term (Lucene's grammar; `-` and `+` only at its start). */
const special = new Set([...'+-!(){}[]^"~*?:\\/ \t\n\r']);

type Conjunction = 'and' | 'or' | undefined;
type Modifier = 'required' | 'prohibited' | undefined;

class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly defaultOperator: 'or' | 'and',
  ) {}

  private fail(reason: string): never {
    throw parsingError(`Failed to parse query [${this.text}]: ${reason} at position ${this.pos}`);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private peekWord(word: string): boolean {
    if (!this.text.startsWith(word, this.pos)) return false;
    const after = this.text[this.pos + word.length];
    return after === undefined || /[\s()]/.test(after);
  }

  parse(): QueryStringNode {
    const node = this.parseQuery();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(`unexpected [${this.text[this.pos]}]`);
    return node;
  }

  /** A sequence of clauses up to `)` or the end, combined as Lucene's QueryParserBase.addClause does. */
  private parseQuery(): QueryStringNode {
    const clauses: { occur: Occur; node: QueryStringNode }[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length || this.text[this.pos] === ')') break;
      const conjunction = clauses.length > 0 ? this.readConjunction() : undefined;
      this.skipSpace();
      const modifier = this.readModifier();
      this.skipSpace();
      const node = this.parseClause();
      this.addClause(clauses, conjunction, modifier, node);
    }
    if (clauses.length === 1 && clauses[0]!.occur !== 'must_not') return clauses[0]!.node;
    return { kind: 'bool', clauses };
  }

  private readConjunction(): Conjunction {
    if (this.peekWord('AND') || this.text.startsWith('&&', this.pos)) {
      this.pos += this.text.startsWith('&&', this.pos) ? 2 : 3;
      return 'and';
    }
    if (this.peekWord('OR') || this.text.startsWith('||', this.pos)) {
      this.pos += 2;
      return 'or';
    }
    return undefined;
  }

  private readModifier(): Modifier {
    const ch = this.text[this.pos];
    if (ch === '+') return (this.pos++, 'required');
    if (ch === '-' || ch === '!') return (this.pos++, 'prohibited');
    if (this.peekWord('NOT')) return ((this.pos += 3), 'prohibited');
    return undefined;
  }

  private addClause(
    clauses: { occur: Occur; node: QueryStringNode }[],
    conjunction: Conjunction,
    modifier: Modifier,
    node: QueryStringNode,
  ): void {
    const last = clauses[clauses.length - 1];
    if (last && conjunction === 'and' && last.occur !== 'must_not') last.occur = 'must';
    if (last && this.defaultOperator === 'and' && conjunction === 'or' && last.occur !== 'must_not')
      last.occur = 'should';
    let required: boolean;
    const prohibited = modifier === 'prohibited';
    if (this.defaultOperator === 'or')
      required = modifier === 'required' || (conjunction === 'and' && !prohibited);
    else required = !prohibited && conjunction !== 'or';
    clauses.push({ occur: prohibited ? 'must_not' : required ? 'must' : 'should', node });
  }

  private parseClause(): QueryStringNode {
    let field: string | undefined;
    const start = this.pos;
    if (this.text[this.pos] !== '(' && this.text[this.pos] !== '"') {
      const word = this.readTerm();
      this.skipSpace();
      if (word.text !== '' && this.text[this.pos] === ':') {
        this.pos++;
        this.skipSpace();
        field = word.text;
      } else {
        this.pos = start;
      }
    }
    if (this.text[this.pos] === '(') {
      this.pos++;
      const inner = this.parseQuery();
      if (this.text[this.pos] !== ')') this.fail('missing [)]');
      this.pos++;
      return this.withBoost(field ? scoped(inner, field) : inner);
    }
    return this.withBoost(this.parseValue(field));
  }

  private withBoost<T extends QueryStringNode>(node: T): T {
    if (this.text[this.pos] !== '^') return node;
    this.pos++;
    const match = /^\d+(\.\d+)?/.exec(this.text.slice(this.pos));
    if (!match) this.fail('expected a number after [^]');
    this.pos += match![0].length;
    return { ...node, boost: Number(match![0]) };
  }

  private parseValue(field: string | undefined): QueryStringNode {
    const ch = this.text[this.pos];
    if (ch === '"') return this.parsePhrase(field);
    if (ch === '[' || ch === '{') return this.parseRange(field);
    if (ch === '>' || ch === '<') return this.parseComparison(field);
    if (ch === '/') return this.parseRegex(field);
    const term = this.readTerm();
    if (term.text === '' && !term.wildcard) this.fail('expected a term');
    let fuzzy: string | undefined;
    if (this.text[this.pos] === '~') {
      this.pos++;
      fuzzy = /^\d*(\.\d+)?/.exec(this.text.slice(this.pos))![0];
      this.pos += fuzzy.length;
    }
    return {
      kind: 'term',
      field,
      text: term.text,
      phrase: false,
      wildcard: term.wildcard,
      regex: false,
      fuzzy,
    };
  }

  /** A bare term, unescaped; `wildcard` when it holds an unescaped `*` or `?` (kept in the text). */
  private readTerm(): { text: string; wildcard: boolean } {
    let text = '';
    let wildcard = false;
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos]!;
      if (ch === '\\' && this.pos + 1 < this.text.length) {
        const next = this.text[this.pos + 1]!;
        text += next === '*' || next === '?' ? `\\${next}` : next;
        this.pos += 2;
        continue;
      }
      if (ch === '*' || ch === '?') {
        wildcard = true;
        text += ch;
        this.pos++;
        continue;
      }
      if (special.has(ch) && !(ch === '-' && text !== '') && !(ch === '+' && text !== '')) break;
      text += ch;
      this.pos++;
    }
    return { text, wildcard };
  }

  private parsePhrase(field: string | undefined): QueryStringNode {
    this.pos++;
    let text = '';
    while (this.pos < this.text.length && this.text[this.pos] !== '"') {
      if (this.text[this.pos] === '\\' && this.pos + 1 < this.text.length) this.pos++;
      text += this.text[this.pos++];
    }
    if (this.text[this.pos] !== '"') this.fail('unterminated phrase');
    this.pos++;
    let slop: string | undefined;
    if (this.text[this.pos] === '~') {
      this.pos++;
      slop = /^\d*/.exec(this.text.slice(this.pos))![0];
      this.pos += slop.length;
    }
    return { kind: 'term', field, text, phrase: true, wildcard: false, regex: false, slop };
  }

  private parseRegex(field: string | undefined): QueryStringNode {
    this.pos++;
    let text = '';
    while (this.pos < this.text.length && this.text[this.pos] !== '/') {
      if (this.text[this.pos] === '\\' && this.text[this.pos + 1] === '/') this.pos++;
      text += this.text[this.pos++];
    }
    if (this.text[this.pos] !== '/') this.fail('unterminated regular expression');
    this.pos++;
    return { kind: 'term', field, text, phrase: false, wildcard: false, regex: true };
  }

  private rangeBound(): string {
    this.skipSpace();
    if (this.text[this.pos] === '"') {
      const phrase = this.parsePhrase(undefined);
      return (phrase as { text: string }).text;
    }
    let text = '';
    while (this.pos < this.text.length && !/[\s\]}]/.test(this.text[this.pos]!)) {
      if (this.text[this.pos] === '\\') this.pos++;
      text += this.text[this.pos++];
    }
    return text;
  }

  private parseRange(field: string | undefined): QueryStringNode {
    const includeLower = this.text[this.pos++] === '[';
    const lower = this.rangeBound();
    this.skipSpace();
    if (!this.text.startsWith('TO', this.pos)) this.fail('expected [TO] in a range');
    this.pos += 2;
    const upper = this.rangeBound();
    this.skipSpace();
    const close = this.text[this.pos];
    if (close !== ']' && close !== '}') this.fail('expected [ or } to close a range');
    this.pos++;
    return {
      kind: 'range',
      field,
      lower: lower === '*' ? undefined : lower,
      upper: upper === '*' ? undefined : upper,
      includeLower,
      includeUpper: close === ']',
    };
  }

  private parseComparison(field: string | undefined): QueryStringNode {
    const operator =
      this.text.startsWith('>=', this.pos) || this.text.startsWith('<=', this.pos)
        ? this.text.slice(this.pos, this.pos + 2)
        : this.text[this.pos]!;
    this.pos += operator.length;
    const value = this.rangeBound();
    const inclusive = operator.length === 2;
    return operator.startsWith('>')
      ? { kind: 'range', field, lower: value, includeLower: inclusive, includeUpper: true }
      : { kind: 'range', field, upper: value, includeLower: true, includeUpper: inclusive };
  }
}

/** `field:(a b)`: the field applies to every term of the group that names none. */
function scoped(node: QueryStringNode, field: string): QueryStringNode {
  if (node.kind === 'bool')
    return { ...node, clauses: node.clauses.map((c) => ({ ...c, node: scoped(c.node, field) })) };
  return node.field === undefined ? { ...node, field } : node;
}

export function parseQueryString(text: string, defaultOperator: 'or' | 'and'): QueryStringNode {
  return new Parser(text, defaultOperator).parse();
}
