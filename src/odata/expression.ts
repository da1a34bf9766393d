import { Errors } from '../errors.js';
import { groupChain, MAX_NESTING } from '../nesting.js';

/**
 * OData v4 common-expression parser for `$filter` and `$orderby` (OData v4.0 Part 2 §5.1.1 and
 * the ABNF's commonExpr / boolCommonExpr), producing an untyped AST that the plan stage resolves
 * against the model.
 *
 * Why not odata-v4-parser: it binds `not` looser than `and` (`not a eq 1 and b eq 2` parses as
 * `not (a eq 1 and b eq 2)`), throws a TypeError on navigation paths (`a/b eq 1`) and lambdas, and
 * rejects Dataverse's namespace-qualified query functions, all of which later issues need.
 *
 * Operator precedence, loosest first (Part 2 §5.1.1.10): or, and, not, comparison.
 * Arithmetic operators and `has`/`in` are recognised only to be rejected (Dataverse supports
 * neither, digest §3.2).
 *
 * Depth: parentheses, `not`, function calls and lambda bodies may nest MAX_NESTING (100) levels;
 * deeper is 400 `0x80060888`. A chain of `and` (or `or`) is read in a loop and grouped by
 * groupChain (long chains balanced), so a 1,000-term chain is about ten levels deep for every
 * later stage (plan, SQL rendering, the database's own expression depth limit).
 */

/**
 * A literal's lexical kind; the plan stage converts it to the compared property's type. `enum`:
 * `Namespace.Type'Member'` (OData ABNF enum), valid only against enum-typed properties, which only
 * the metadata entity types have (tables' choices are Edm.Int32), so tables refuse it.
 */
export type LiteralKind = 'string' | 'integer' | 'decimal' | 'boolean' | 'null' | 'guid' | 'date' | 'datetime' | 'enum';

/**
 * The whole number written as `text` (decimal digits, optionally signed): a number while a double
 * holds it and every integer below it (|n| ≤ 2^53 − 1), else a bigint with every digit, so that it
 * is compared exactly with an Edm.Int64 column (bound as an int8) rather than as its nearest
 * double (9007199254740993 is no double: Number() reads it as 9007199254740992).
 */
export function wholeNumber(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

/** A comparison operator of OData's `$filter`. */
export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

/** Untyped `$filter` / `$orderby` expression. `pos` is the 0-based offset in the option text. */
export type Expr =
  /** `enumType`: an enum literal's qualified type name (`value` is its member). */
  | { kind: 'literal'; literal: LiteralKind; value: string | number | bigint | boolean | null; raw: string; pos: number; enumType?: string }
  | { kind: 'path'; segments: string[]; pos: number }
  | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr; pos: number }
  /** `left has right` (OData URL Conventions §5.1.1.1.10): whether enum value `left` has every flag of `right`. */
  | { kind: 'has'; left: Expr; right: Expr; pos: number }
  | { kind: 'and' | 'or'; left: Expr; right: Expr; pos: number }
  | { kind: 'not'; operand: Expr; pos: number }
  | { kind: 'call'; name: string; args: Expr[]; pos: number }
  /** A namespace-qualified Dataverse query function with named parameters (digest §3.2). */
  | { kind: 'function'; name: string; params: ReadonlyMap<string, Expr>; pos: number }
  /** `path/any(v: body)` / `path/all(v: body)` over a collection-valued navigation property. */
  | { kind: 'lambda'; op: 'any' | 'all'; path: string[]; variable?: string; body?: Expr; pos: number }
  /** A JSON array literal (`PropertyValues=["a","b"]`). */
  | { kind: 'array'; values: unknown[]; pos: number };

type TokenKind = 'ident' | 'string' | 'number' | 'guid' | 'date' | 'datetime' | 'alias' | 'json' | 'punct' | 'enum' | 'end';
interface Token { kind: TokenKind; text: string; pos: number }

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,12})?)?(Z|[+-]\d{2}:\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/;
const ALIAS = /^@[A-Za-z_][A-Za-z0-9_]*/;
/**
 * An enum literal: a qualified type, then in quotes its member's name or value (an integer, maybe
 * negative), or several of them comma-separated, a flags enumeration's combined value (OData ABNF
 * `enumValue = singleEnumValue *( COMMA singleEnumValue )`; `Namespace.Type'A,B'`).
 */
const ENUM = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+'(?:[A-Za-z0-9_]+|-[0-9]+)(?:\s*,\s*(?:[A-Za-z0-9_]+|-[0-9]+))*'/;

const COMPARE_OPS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const UNSUPPORTED_OPS = new Set<string>(['add', 'sub', 'mul', 'div', 'mod', 'in']);

/** 400 `0x80060888` "Syntax error: <what> at position <pos> in '<text>'." for a query option's text. */
export function syntaxError(text: string, pos: number, what: string): Error {
  return Errors.badQuery(`Syntax error: ${what} at position ${pos} in '${text}'.`);
}

/** Tokens of `text` between `start` and `end`; positions are offsets in the whole `text`. */
function tokenize(text: string, start = 0, end = text.length): Token[] {
  const tokens: Token[] = [];
  let i = start;
  while (i < end) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') { i++; continue; }
    const rest = text.slice(i, end);
    if (ch === "'") {
      let j = i + 1;
      let value = '';
      for (;;) {
        // At the end of the text, where the literal was still open, as OData's lexer reports it (digest §3.2).
        if (j >= end) throw Errors.badQuery(`There is an unterminated literal at position ${end} in '${text}'.`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") { value += "'"; j += 2; continue; }
          break;
        }
        value += text[j];
        j++;
      }
      tokens.push({ kind: 'string', text: value, pos: i });
      i = j + 1;
      continue;
    }
    if (ch === '[') {
      // A JSON array (query function values): scan to the matching bracket, skipping strings.
      let depth = 0;
      let j = i;
      let quote: string | undefined;
      for (; j < end; j++) {
        const c = text[j]!;
        if (quote) { if (c === '\\') j++; else if (c === quote) quote = undefined; continue; }
        if (c === '"' || c === "'") quote = c;
        else if (c === '[') depth++;
        else if (c === ']' && --depth === 0) break;
      }
      if (j >= end) throw syntaxError(text, i, "unterminated '['");
      tokens.push({ kind: 'json', text: text.slice(i, j + 1), pos: i });
      i = j + 1;
      continue;
    }
    if ('(),/:={}]'.includes(ch)) { tokens.push({ kind: 'punct', text: ch, pos: i }); i++; continue; }
    let m = GUID.exec(rest);
    if (m && !/[0-9A-Za-z_]/.test(rest[m[0].length] ?? '')) { tokens.push({ kind: 'guid', text: m[0], pos: i }); i += m[0].length; continue; }
    m = DATETIME.exec(rest) ?? null;
    if (m) { tokens.push({ kind: 'datetime', text: m[0], pos: i }); i += m[0].length; continue; }
    m = DATE.exec(rest);
    if (m) { tokens.push({ kind: 'date', text: m[0], pos: i }); i += m[0].length; continue; }
    m = NUMBER.exec(rest);
    if (m) { tokens.push({ kind: 'number', text: m[0], pos: i }); i += m[0].length; continue; }
    m = ENUM.exec(rest);
    if (m) { tokens.push({ kind: 'enum', text: m[0], pos: i }); i += m[0].length; continue; }
    m = IDENT.exec(rest);
    if (m) { tokens.push({ kind: 'ident', text: m[0], pos: i }); i += m[0].length; continue; }
    m = ALIAS.exec(rest);
    if (m) { tokens.push({ kind: 'alias', text: m[0], pos: i }); i += m[0].length; continue; }
    throw syntaxError(text, i, `character '${ch}' is not valid`);
  }
  tokens.push({ kind: 'end', text: '', pos: end });
  return tokens;
}

/** Recursive-descent parser over one option's tokens. */
class Parser {
  private readonly tokens: Token[];
  private index = 0;
  /** Current nesting of parentheses, `not`, calls and lambdas (at most MAX_NESTING). */
  private nesting = 0;

  /** Parses `text` between `range.start` and `range.end` (default: all of it); errors quote the whole text. */
  constructor(private readonly text: string, private readonly aliases?: ReadonlyMap<string, string>, private readonly depth = 0, range?: TextRange) {
    this.tokens = tokenize(text, range?.start, range?.end);
  }

  private peek(offset = 0): Token { return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!; }
  private next(): Token { return this.tokens[this.index++]!; }
  private isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && t.text === word;
  }
  private expectPunct(p: string): Token {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== p) throw syntaxError(this.text, t.pos, t.kind === 'end' ? `'${p}' expected at the end` : `'${p}' expected instead of '${t.text}'`);
    return t;
  }

  /** Parses the whole text as one expression. */
  parseAll(): Expr {
    const e = this.parseOr();
    this.expectEnd();
    return e;
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.kind !== 'end') throw syntaxError(this.text, t.pos, `unexpected '${t.text}'`);
  }

  /** Key predicate `name=literal, …` (alternate keys, digest §2.2). */
  parseKeyPredicate(): Array<{ name: string; value: Extract<Expr, { kind: 'literal' }> }> {
    const pairs: Array<{ name: string; value: Extract<Expr, { kind: 'literal' }> }> = [];
    for (;;) {
      const name = this.next();
      if (name.kind !== 'ident' || name.text.includes('.')) throw syntaxError(this.text, name.pos, 'a key property name expected');
      this.expectPunct('=');
      const value = this.parsePrimary();
      if (value.kind !== 'literal') throw syntaxError(this.text, value.pos, 'a literal key value expected');
      pairs.push({ name: name.text, value });
      const t = this.peek();
      if (t.kind === 'punct' && t.text === ',') { this.next(); continue; }
      this.expectEnd();
      return pairs;
    }
  }

  /** `$orderby` item list: `expr [asc|desc], …`. */
  parseOrderBy(): Array<{ expr: Expr; descending: boolean }> {
    const items: Array<{ expr: Expr; descending: boolean }> = [];
    for (;;) {
      const expr = this.parsePrimary();
      let descending = false;
      if (this.isWord('asc')) this.next();
      else if (this.isWord('desc')) { this.next(); descending = true; }
      items.push({ expr, descending });
      const t = this.peek();
      if (t.kind === 'punct' && t.text === ',') { this.next(); continue; }
      this.expectEnd();
      return items;
    }
  }

  /** Runs `parse` one nesting level deeper; 400 beyond MAX_NESTING levels (at `pos`). */
  private nested<T>(pos: number, parse: () => T): T {
    if (++this.nesting > MAX_NESTING) {
      throw Errors.badQuery(`The expression nests parentheses, not, function calls or lambda operators more than ${MAX_NESTING} levels deep (position ${pos} in '${this.text.length > 200 ? `${this.text.slice(0, 200)}…` : this.text}').`);
    }
    const e = parse();
    this.nesting--;
    return e;
  }

  /** `operand (kind operand)*`, read in a loop and grouped by groupChain. */
  private parseChain(kind: 'and' | 'or', operand: () => Expr): Expr {
    const operands = [operand()];
    const positions: number[] = [];
    while (this.isWord(kind)) {
      positions.push(this.next().pos);
      operands.push(operand());
    }
    return groupChain<Expr>(operands, (left, right, i) => ({ kind, left, right, pos: positions[i]! }));
  }

  private parseOr(): Expr {
    return this.parseChain('or', () => this.parseAnd());
  }

  private parseAnd(): Expr {
    return this.parseChain('and', () => this.parseNot());
  }

  private parseNot(): Expr {
    if (this.isWord('not') && !(this.peek(1).kind === 'punct' && this.peek(1).text === '/')) {
      const pos = this.next().pos;
      return this.nested(pos, () => ({ kind: 'not', operand: this.parseNot(), pos }));
    }
    return this.parseComparison();
  }

  private parseComparison(): Expr {
    const left = this.parsePrimary();
    const t = this.peek();
    if (t.kind === 'ident' && COMPARE_OPS.has(t.text)) {
      this.next();
      const right = this.parsePrimary();
      return { kind: 'compare', op: t.text as CompareOp, left, right, pos: t.pos };
    }
    if (t.kind === 'ident' && t.text === 'has') {
      this.next();
      return { kind: 'has', left, right: this.parsePrimary(), pos: t.pos };
    }
    if (t.kind === 'ident' && UNSUPPORTED_OPS.has(t.text)) {
      throw Errors.badQuery(`The '${t.text}' operator is not supported in $filter (position ${t.pos} in '${this.text}').`);
    }
    return left;
  }

  parsePrimary(): Expr {
    const t = this.next();
    switch (t.kind) {
      case 'string': return { kind: 'literal', literal: 'string', value: t.text, raw: `'${t.text}'`, pos: t.pos };
      case 'enum': {
        const quote = t.text.indexOf("'");
        return { kind: 'literal', literal: 'enum', value: t.text.slice(quote + 1, -1), raw: t.text, pos: t.pos, enumType: t.text.slice(0, quote) };
      }
      case 'guid': return { kind: 'literal', literal: 'guid', value: t.text.toLowerCase(), raw: t.text, pos: t.pos };
      case 'date': return { kind: 'literal', literal: 'date', value: t.text, raw: t.text, pos: t.pos };
      case 'datetime': return { kind: 'literal', literal: 'datetime', value: t.text, raw: t.text, pos: t.pos };
      case 'number': {
        const text = t.text.replace(/[mMdDfFlL]$/, '');
        const integer = /^-?\d+$/.test(text);
        return { kind: 'literal', literal: integer ? 'integer' : 'decimal', value: integer ? wholeNumber(text) : Number(text), raw: t.text, pos: t.pos };
      }
      case 'json': {
        const values = readJsonArray(t.text);
        if (typeof values === 'string') throw Errors.badQuery(`Invalid JSON at position ${t.pos} in '${this.text}'. ${values}`);
        return { kind: 'array', values, pos: t.pos };
      }
      case 'alias': {
        // `@p` stands for the value of the query option `@p=…`, itself a literal or a property path;
        // an alias without a value is null (digest §3).
        const value = this.aliases?.get(t.text);
        if (value === undefined) return { kind: 'literal', literal: 'null', value: null, raw: 'null', pos: t.pos };
        if (this.depth > 0) throw Errors.badQuery(`The parameter alias '${t.text}' cannot refer to another alias.`);
        const inner = new Parser(value, this.aliases, this.depth + 1);
        const e = inner.parsePrimary();
        inner.expectEnd();
        return { ...e, pos: t.pos };
      }
      case 'punct':
        if (t.text === '(') {
          return this.nested(t.pos, () => {
            const inner = this.parseOr();
            this.expectPunct(')');
            return inner;
          });
        }
        throw syntaxError(this.text, t.pos, `unexpected '${t.text}'`);
      case 'end':
        throw syntaxError(this.text, t.pos, 'expression expected at the end');
      case 'ident':
        return this.parseIdentifier(t);
    }
  }

  /** `Namespace.Function(Name=value, …)`: named parameters, values are primaries (aliases allowed). */
  private parseNamedCall(t: Token): Expr {
    this.expectPunct('(');
    const params = new Map<string, Expr>();
    if (!(this.peek().kind === 'punct' && this.peek().text === ')')) {
      for (;;) {
        const name = this.next();
        if (name.kind !== 'ident') throw syntaxError(this.text, name.pos, 'a parameter name expected');
        this.expectPunct('=');
        if (params.has(name.text)) throw syntaxError(this.text, name.pos, `parameter '${name.text}' given twice`);
        params.set(name.text, this.parsePrimary());
        const sep = this.peek();
        if (sep.kind === 'punct' && sep.text === ',') { this.next(); continue; }
        break;
      }
    }
    this.expectPunct(')');
    return { kind: 'function', name: t.text, params, pos: t.pos };
  }

  private parseIdentifier(t: Token): Expr {
    if (t.text === 'true' || t.text === 'false') return { kind: 'literal', literal: 'boolean', value: t.text === 'true', raw: t.text, pos: t.pos };
    if (t.text === 'null') return { kind: 'literal', literal: 'null', value: null, raw: t.text, pos: t.pos };
    const open = this.peek();
    if (open.kind === 'punct' && open.text === '(') {
      if (t.text.includes('.')) return this.nested(t.pos, () => this.parseNamedCall(t));
      this.next();
      return this.nested(t.pos, () => {
        const args: Expr[] = [];
        if (!(this.peek().kind === 'punct' && this.peek().text === ')')) {
          for (;;) {
            args.push(this.parseOr());
            const sep = this.peek();
            if (sep.kind === 'punct' && sep.text === ',') { this.next(); continue; }
            break;
          }
        }
        this.expectPunct(')');
        return { kind: 'call', name: t.text, args, pos: t.pos };
      });
    }
    if (t.text.includes('.')) throw syntaxError(this.text, t.pos, `'${t.text}' is not a property`);
    const segments = [t.text];
    while (this.peek().kind === 'punct' && this.peek().text === '/') {
      this.next();
      const s = this.next();
      if (s.kind !== 'ident') throw syntaxError(this.text, s.pos, 'property name expected after \'/\'');
      if (this.peek().kind === 'punct' && this.peek().text === '(') {
        if (s.text !== 'any' && s.text !== 'all') throw syntaxError(this.text, s.pos, `'${s.text}' is not a lambda operator (any, all)`);
        return this.nested(s.pos, () => this.parseLambda(segments, s, t.pos));
      }
      segments.push(s.text);
    }
    return { kind: 'path', segments, pos: t.pos };
  }

  /** `path/any(v:condition)`, `path/all(v:condition)`, `path/any()` (OData Part 2 §5.1.1.10). */
  private parseLambda(segments: string[], op: Token, pos: number): Expr {
    this.expectPunct('(');
    if (this.peek().kind === 'punct' && this.peek().text === ')') {
      this.next();
      if (op.text === 'all') throw syntaxError(this.text, op.pos, "'all' needs a condition");
      return { kind: 'lambda', op: 'any', path: segments, pos };
    }
    const variable = this.next();
    if (variable.kind !== 'ident' || variable.text.includes('.')) throw syntaxError(this.text, variable.pos, 'a lambda variable expected');
    this.expectPunct(':');
    const body = this.parseOr();
    this.expectPunct(')');
    return { kind: 'lambda', op: op.text as 'any' | 'all', path: segments, variable: variable.text, body, pos };
  }
}

/** A part of an option's text: offsets `start` (inclusive) to `end` (exclusive). */
export interface TextRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Parses a `$filter` value; `@p` parameter aliases take their values from `aliases`. With `range`,
 * only that part of `text` is parsed (the condition inside `$apply=filter(…)`), and positions in
 * errors and in the AST are offsets in the whole `text`. Throws ServiceError 400 `0x80060888` with
 * the position on a syntax error or nesting deeper than MAX_NESTING, and 501 for valid OData that
 * Tessera does not support yet.
 */
export function parseFilter(text: string, aliases?: ReadonlyMap<string, string>, range?: TextRange): Expr {
  if (!text.slice(range?.start, range?.end).trim()) throw Errors.badQuery('The $filter query option must not be empty.');
  return new Parser(text, aliases, 0, range).parseAll();
}

/**
 * Parses a `$select` value (top-level or inside `$expand`) into its property names, trimmed, each
 * once (a repeated item is dropped, in the order first given).
 * Throws 400 `0x80060888` for an empty value or an empty item (`a,,b`).
 */
export function parseSelect(text: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => !s)) throw Errors.badQuery(`The $select query option '${text}' has an empty item.`);
  // An item given again is the same selection: ODL's SelectExpandBinder keeps the first of two
  // identical select items without options, so the answer and its context name it once.
  return [...new Set(items)];
}

/** Parses a `$orderby` value into items (aliases allowed); errors as for parseFilter. */
export function parseOrderBy(text: string, aliases?: ReadonlyMap<string, string>): Array<{ expr: Expr; descending: boolean }> {
  if (!text.trim()) throw Errors.badQuery('The $orderby query option must not be empty.');
  return new Parser(text, aliases).parseOrderBy();
}

/**
 * Parses a key predicate `name=literal[,name=literal…]` (the inside of `set(…)` for alternate
 * keys, or an `@odata.id`'s key). Errors as for parseFilter.
 */
export function parseKeyPredicate(text: string): Array<{ name: string; value: Extract<Expr, { kind: 'literal' }> }> {
  return new Parser(text).parseKeyPredicate();
}

/**
 * A query function's JSON array (`PropertyValues=["a","b"]`), read as OData's JSON reader (which
 * Dataverse parses it with) reads it: strings in double or single quotes (`['a','b']`, what many
 * clients send), backslash escapes in either (`\'`, `\"`, `\uXXXX`), numbers, true, false, null.
 * A quote inside a string of the same quotes must be escaped: `['O'Brian']` ends the string at
 * `O` and then fails as Dataverse's does, wanting a comma. Returns the values, or the reason the
 * text is not such an array (Dataverse's wording where it has one).
 */
export function readJsonArray(text: string): unknown[] | string {
  let i = 0;
  const space = () => { while (i < text.length && /\s/.test(text[i]!)) i++; };
  const commaExpected = "A comma character ',' was expected in scope 'Array'. Every two elements in an array and properties of an object must be separated by commas.";
  const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', "'": "'", '/': '/' };
  const value = (): { v: unknown } | string => {
    const ch = text[i];
    if (ch === '"' || ch === "'") {
      let out = '';
      for (i++; i < text.length && text[i] !== ch; i++) {
        if (text[i] !== '\\') { out += text[i]; continue; }
        const e = text[++i];
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) { out += String.fromCharCode(parseInt(text.slice(i + 1, i + 5), 16)); i += 4; continue; }
        if (e === undefined || !(e in ESCAPES)) return `Unrecognized escape sequence '\\${e ?? ''}'.`;
        out += ESCAPES[e];
      }
      if (i >= text.length) return 'The string is not closed.';
      i++;
      return { v: out };
    }
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!m) return `Unexpected character '${ch ?? ''}' in scope 'Array'.`;
    i += m[0].length;
    return { v: m[0] === 'null' ? null : m[0] === 'true' ? true : m[0] === 'false' ? false : Number(m[0]) };
  };
  space();
  if (text[i] !== '[') return 'An array must start with [.';
  i++;
  const values: unknown[] = [];
  space();
  if (text[i] === ']') i++;
  else {
    for (;;) {
      space();
      const r = value();
      if (typeof r === 'string') return r;
      values.push(r.v);
      space();
      if (text[i] === ']') { i++; break; }
      if (text[i] !== ',') return commaExpected;
      i++;
    }
  }
  space();
  return i === text.length ? values : commaExpected;
}
