import { Errors } from '../errors.js';
import { parseFilter, parseOrderBy, parseSelect, type Expr } from './expression.js';

/**
 * `$expand` syntax (digest §3.6): a comma list of navigation properties, each with optional
 * options in parentheses separated by `;`: `$select`, `$filter`, `$orderby`, `$top`, and a nested
 * `$expand`; or `<property>/$ref` (references only, no options). `$skip`, `$count`, `$search` and
 * `$levels` are not supported inside `$expand`. As at the top level, an option appears once per
 * item, `$select` has no empty item, and a navigation property is expanded once per level.
 */
export interface ExpandItem {
  readonly property: string;
  /** `<property>/$ref`: only the related row's `@odata.id`. */
  readonly ref?: boolean;
  readonly select?: string[];
  readonly filter?: Expr;
  readonly orderBy?: Array<{ expr: Expr; descending: boolean }>;
  readonly top?: number;
  readonly expand?: ExpandItem[];
  /**
   * The item's `$select`, `$filter`, `$orderby`, `$top` and `$expand` as a query string
   * (`$select=a,b&$filter=…`, values percent-encoded), with the request's parameter aliases, for
   * links to the related collection.
   */
  readonly query?: string;
}

/** Splits at `separator` outside parentheses and quotes. */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const ch of text) {
    if (ch === "'") quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    if (ch === separator && depth === 0 && !quoted) { parts.push(current); current = ''; continue; }
    current += ch;
  }
  if (depth !== 0 || quoted) throw Errors.badQuery(`The $expand option '${text}' has unbalanced parentheses or quotes.`);
  parts.push(current);
  return parts.map((p) => p.trim());
}

function parseItem(text: string, aliases?: ReadonlyMap<string, string>): ExpandItem {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(\/\$ref)?(?:\((.*)\))?$/s.exec(text);
  if (!m) throw Errors.badQuery(`'${text}' is not a valid $expand item.`);
  const item: { -readonly [K in keyof ExpandItem]: ExpandItem[K] } = { property: m[1]! };
  if (m[2]) {
    if (m[3] !== undefined) throw Errors.badQuery(`'${text}': an $expand with $ref takes no options.`);
    item.ref = true;
    return item;
  }
  if (m[3] === undefined || !m[3].trim()) return item;
  const query: string[] = [];
  const seen = new Set<string>();
  for (const option of splitTopLevel(m[3], ';')) {
    const eq = option.indexOf('=');
    const name = eq < 0 ? option : option.slice(0, eq).trim();
    const value = eq < 0 ? '' : option.slice(eq + 1);
    // As at the top level: an option given twice would leave one of them unheeded.
    if (seen.has(name)) throw Errors.badQuery(`The query option '${name}' is specified more than once inside the $expand of '${item.property}'.`);
    seen.add(name);
    query.push(`${name}=${encodeURIComponent(value.trim())}`);
    switch (name) {
      case '$select': item.select = parseSelect(value); break;
      case '$filter': item.filter = parseFilter(value, aliases); break;
      case '$orderby': item.orderBy = parseOrderBy(value, aliases); break;
      case '$top':
        if (!/^\d+$/.test(value.trim()) || Number(value) > 5000) throw Errors.badQuery(`The $top inside $expand must be a whole number from 0 to 5000; '${value}' is not.`);
        item.top = Number(value);
        break;
      case '$expand': item.expand = parseExpand(value, aliases); break;
      default: throw Errors.badQuery(`The query option '${name}' is not supported inside $expand; use $select, $filter, $orderby, $top or $expand.`);
    }
  }
  // The link to the whole collection carries the request's parameter aliases the options may use.
  if (query.length) item.query = [...query, ...[...aliases ?? []].map(([name, value]) => `${name}=${encodeURIComponent(value)}`)].join('&');
  return item;
}

/**
 * Parses a `$expand` value; `aliases` are the request's parameter aliases (`@p=…`), which nested
 * `$filter` and `$orderby` may use as the top-level ones do. Throws 400 `0x80060888` for malformed
 * items and unsupported options.
 */
export function parseExpand(text: string, aliases?: ReadonlyMap<string, string>): ExpandItem[] {
  if (!text.trim()) throw Errors.badQuery('The $expand query option must not be empty.');
  const items = splitTopLevel(text, ',').map((item) => parseItem(item, aliases));
  // One answer property per navigation property: a second item would replace the first's rows.
  const seen = new Set<string>();
  for (const { property } of items) {
    if (seen.has(property)) throw Errors.badQuery(`The navigation property '${property}' is expanded more than once; expand it once with all its options.`);
    seen.add(property);
  }
  return items;
}
