import { Errors } from '../errors.js';
import { parseFilter, syntaxError, type Expr } from './expression.js';

/**
 * `$apply` grammar: the subset of the OData Data Aggregation Extension v4.0 (§3 "System Query
 * Option $apply" and its ABNF: applyExpr, filterTrafo, groupbyTrafo, aggregateTrafo,
 * aggregateExpr) that Dataverse supports (digest §3.7; Dataverse "Aggregate data using OData"):
 *
 * ```
 * apply          = transformation *( "/" transformation )
 * transformation = "filter(" boolCommonExpr ")"
 *                / "groupby((" path *( "," path ) ")" [ "," "aggregate(" aggregateList ")" ] ")"
 *                / "aggregate(" aggregateList ")"
 * aggregateList  = aggregateExpr *( "," aggregateExpr )
 * aggregateExpr  = path "with" method "as" alias / "$count as" alias
 * method         = "sum" / "average" / "min" / "max" / "countdistinct"
 * path           = identifier *( "/" identifier )
 * ```
 *
 * Keywords are case-sensitive, as in OData. The condition of `filter(…)` is parsed by the `$filter`
 * parser (expression.ts), so it takes everything `$filter` takes, parameter aliases included.
 * Only syntax is checked here; names and the order of transformations are checked by plan/.
 * Every position is a 0-based offset in the `$apply` text.
 */

/** A property path as written (`statuscode`, `_ownerid_value`, `createdby/fullname`). */
export type PathExpr = Extract<Expr, { kind: 'path' }>;

/** The aggregation methods of OData's aggregateExpr that Tessera knows (OData Aggregation §3.1.3). */
export type AggregateMethod = 'sum' | 'average' | 'min' | 'max' | 'countdistinct';

/** One aggregateExpr: `path with method as alias`, or `$count as alias` (rows of the input set). */
export type AggregateExpr =
  | { readonly kind: 'count'; readonly alias: string; readonly pos: number }
  | { readonly kind: 'method'; readonly path: PathExpr; readonly method: AggregateMethod; readonly alias: string; readonly pos: number };

/** One transformation of the `$apply` sequence, in the order written. */
export type Transformation =
  | { readonly kind: 'filter'; readonly condition: Expr; readonly pos: number }
  | { readonly kind: 'groupby'; readonly properties: readonly PathExpr[]; readonly aggregate?: readonly AggregateExpr[]; readonly pos: number }
  | { readonly kind: 'aggregate'; readonly expressions: readonly AggregateExpr[]; readonly pos: number };

const METHODS = new Set<string>(['sum', 'average', 'min', 'max', 'countdistinct']);
/** Transformations of the OData aggregation extension that Dataverse does not support. */
const OTHER_TRANSFORMATIONS = new Set(['topcount', 'topsum', 'toppercent', 'bottomcount', 'bottomsum', 'bottompercent', 'identity', 'concat', 'expand', 'search', 'compute', 'orderby', 'top', 'skip', 'nest']);
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;

/** A cursor over the `$apply` text. */
class ApplyParser {
  private pos = 0;

  constructor(private readonly text: string, private readonly aliases?: ReadonlyMap<string, string>) {}

  parseAll(): Transformation[] {
    const list = [this.transformation()];
    while (this.accept('/')) list.push(this.transformation());
    this.space();
    if (this.pos < this.text.length) throw this.error(`unexpected '${this.text[this.pos]}'`);
    return list;
  }

  private error(what: string, pos = this.pos): Error {
    return syntaxError(this.text, pos, what);
  }

  private space(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  /** Skips spaces, then consumes `ch` if it comes next. */
  private accept(ch: string): boolean {
    this.space();
    if (this.text[this.pos] !== ch) return false;
    this.pos++;
    return true;
  }

  private expect(ch: string): void {
    if (this.accept(ch)) return;
    throw this.error(this.pos >= this.text.length ? `'${ch}' expected at the end` : `'${ch}' expected instead of '${this.text[this.pos]}'`);
  }

  /** An identifier (undefined when none comes next), with its position. */
  private identifier(): { text: string; pos: number } | undefined {
    this.space();
    IDENTIFIER.lastIndex = this.pos;
    const m = IDENTIFIER.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return { text: m[0], pos: m.index };
  }

  private expectIdentifier(what: string): { text: string; pos: number } {
    const id = this.identifier();
    if (!id) throw this.error(this.pos >= this.text.length ? `${what} expected at the end` : `${what} expected`);
    return id;
  }

  private keyword(word: string): void {
    const id = this.identifier();
    if (id?.text !== word) throw this.error(`'${word}' expected`, id?.pos ?? this.pos);
  }

  private transformation(): Transformation {
    const name = this.expectIdentifier('a transformation (filter, groupby, aggregate)');
    switch (name.text) {
      case 'filter': return this.filter(name.pos);
      case 'groupby': return this.groupby(name.pos);
      case 'aggregate': {
        this.expect('(');
        const expressions = this.aggregateList();
        this.expect(')');
        return { kind: 'aggregate', expressions, pos: name.pos };
      }
      default:
        if (OTHER_TRANSFORMATIONS.has(name.text)) throw Errors.badQuery(`The $apply transformation '${name.text}' is not supported; use filter, groupby and aggregate (position ${name.pos} in '${this.text}').`);
        throw this.error(`'${name.text}' is not a transformation (filter, groupby, aggregate)`, name.pos);
    }
  }

  /** `filter(<condition>)`: the condition runs to the parenthesis that closes `filter(`. */
  private filter(pos: number): Transformation {
    this.expect('(');
    const start = this.pos;
    const end = this.closingParenthesis(start);
    if (!this.text.slice(start, end).trim()) throw this.error('a condition expected inside filter()', start);
    const condition = parseFilter(this.text, this.aliases, { start, end });
    this.pos = end + 1;
    return { kind: 'filter', condition, pos };
  }

  /** The offset of the `)` that closes a parenthesis opened just before `start`; quoted text is skipped. */
  private closingParenthesis(start: number): number {
    let depth = 0;
    for (let i = start; i < this.text.length; i++) {
      const ch = this.text[i]!;
      if (ch === "'" || ch === '"') {
        // '…' with '' for a quote (OData strings); "…" with \" (JSON arrays of query functions).
        const open = i;
        for (i++; i < this.text.length; i++) {
          if (ch === '"' && this.text[i] === '\\') i++;
          else if (this.text[i] === ch) {
            if (ch === "'" && this.text[i + 1] === "'") i++;
            else break;
          }
        }
        if (i >= this.text.length) throw Errors.badQuery(`There is an unterminated literal at position ${this.text.length} in '${this.text}'.`);
      } else if (ch === '(') depth++;
      else if (ch === ')' && depth-- === 0) return i;
    }
    throw this.error("')' expected at the end", this.text.length);
  }

  private groupby(pos: number): Transformation {
    this.expect('(');
    this.expect('(');
    const properties = [this.path()];
    while (this.accept(',')) properties.push(this.path());
    this.expect(')');
    let aggregate: AggregateExpr[] | undefined;
    if (this.accept(',')) {
      const inner = this.expectIdentifier("'aggregate'");
      if (inner.text !== 'aggregate') throw this.error(`only aggregate(…) may follow the grouping properties of groupby, not '${inner.text}'`, inner.pos);
      this.expect('(');
      aggregate = this.aggregateList();
      this.expect(')');
    }
    this.expect(')');
    return { kind: 'groupby', properties, aggregate, pos };
  }

  private path(): PathExpr {
    const first = this.expectIdentifier('a property name');
    const segments = [first.text];
    while (this.accept('/')) segments.push(this.expectIdentifier("a property name after '/'").text);
    return { kind: 'path', segments, pos: first.pos };
  }

  private aggregateList(): AggregateExpr[] {
    const list = [this.aggregateExpr()];
    while (this.accept(',')) list.push(this.aggregateExpr());
    return list;
  }

  private aggregateExpr(): AggregateExpr {
    this.space();
    const pos = this.pos;
    if (this.text.startsWith('$count', pos)) {
      this.pos += '$count'.length;
      this.keyword('as');
      return { kind: 'count', alias: this.expectIdentifier('an alias').text, pos };
    }
    const path = this.path();
    this.keyword('with');
    const method = this.expectIdentifier('an aggregation method (sum, average, min, max, countdistinct)');
    if (!METHODS.has(method.text)) throw this.error(`'${method.text}' is not an aggregation method (sum, average, min, max, countdistinct)`, method.pos);
    this.keyword('as');
    return { kind: 'method', path, method: method.text as AggregateMethod, alias: this.expectIdentifier('an alias').text, pos };
  }
}

/**
 * Parses a `$apply` value into its transformations; `@p` parameter aliases inside `filter(…)` take
 * their values from `aliases`. Throws ServiceError 400 `0x80060888` with the position for syntax
 * errors, unknown transformations and aggregation methods, and for the aggregation extension's
 * transformations Dataverse does not support (topcount, compute, …).
 */
export function parseApply(text: string, aliases?: ReadonlyMap<string, string>): Transformation[] {
  if (!text.trim()) throw Errors.badQuery('The $apply query option must not be empty.');
  return new ApplyParser(text, aliases).parseAll();
}
