/**
 * How deep queries may nest, and how long `and`/`or` chains are grouped so that they stay
 * shallow. Shared by the parsers (FetchXML, OData expressions) and the SQL renderer.
 */

/**
 * How deep a query may nest: FetchXML `filter` and `link-entity` elements, and in OData
 * expressions (`$filter`, `$orderby`, `$apply`'s filter(), lambda bodies, `$expand` options)
 * parentheses, `not`, function calls and lambda operators. Dataverse documents no limit; this one
 * keeps a hostile query from exhausting the parser's stack or the database's expression depth, so
 * it is answered 400 rather than crashing. Flat `and`/`or` chains are not nesting (see groupChain).
 */
export const MAX_NESTING = 100;

/** Chains of at most this many operands keep the left-nested grouping `((a and b) and c) …`. */
export const LEFT_NESTED_CHAIN = 32;

/**
 * Groups the operands of an associative chain (`a and b and c …`) into a tree with `join(left,
 * right, operator)`, where `operator` is the index of the operator joined (between operands
 * `operator` and `operator + 1`). Up to LEFT_NESTED_CHAIN operands nest to the left, as they are
 * written; a longer chain is grouped balanced (the first half on the left), so that a 1,000-term
 * chain is ten levels deep for every recursive stage after it and for the database's own
 * expression depth limit (SQLite's is 1,000). Any grouping means the same: `and` and `or` are
 * associative, in SQL's three-valued logic too. Joins run left to right (operands that render
 * SQL with positional parameters keep their text order). `operands` must not be empty.
 */
export function groupChain<T>(operands: readonly T[], join: (left: T, right: T, operator: number) => T): T {
  if (operands.length <= LEFT_NESTED_CHAIN) return operands.slice(1).reduce((left, right, i) => join(left, right, i), operands[0]!);
  const group = (from: number, to: number): T => {
    if (to - from === 1) return operands[from]!;
    const middle = from + Math.ceil((to - from) / 2);
    return join(group(from, middle), group(middle, to), middle - 1);
  };
  return group(0, operands.length);
}
