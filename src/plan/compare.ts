import type { AttributeModel } from '../model/types.js';
import type { CompareOp } from '../odata/expression.js';
import type { PlanExpr, Value } from './types.js';

/**
 * Comparisons of a column with a canonical value, shared by `$filter`, the Dataverse query
 * functions and FetchXML conditions: OData's null semantics for `ne`, whole-second date-times,
 * and integers beyond what the column's type can hold decided without the database.
 */

/**
 * A comparison of column `a` with a canonical, non-null value. `fraction` says the value was a
 * date-time with sub-second digits, which stored (whole-second) values can never equal; `ne`
 * keeps OData's and Dataverse's null semantics (a null column is not equal to any value).
 */
export function compareValue(a: AttributeModel, op: CompareOp, value: Value, fraction: boolean): PlanExpr {
  const outside = outsideRange(a, value);
  if (outside) {
    // No stored value can equal it, and every one is on the same side of it: decided here rather
    // than binding a number the column's type cannot hold (PostgreSQL refuses to).
    if (op === 'eq') return { kind: 'const', value: false };
    if (op === 'ne') return { kind: 'const', value: true };
    const above = op === 'gt' || op === 'ge';
    return above === (outside === 'below') ? { kind: 'isNull', attribute: a, negate: true } : { kind: 'const', value: false };
  }
  let effective = op;
  if (fraction) {
    // Stored date-times are whole seconds: v >= x.5 ⇔ v > x, v < x.5 ⇔ v <= x, v = x.5 never.
    if (op === 'eq') return { kind: 'const', value: false };
    if (op === 'ne') return { kind: 'const', value: true };
    effective = op === 'ge' ? 'gt' : op === 'lt' ? 'le' : op;
  }
  const compare: PlanExpr = { kind: 'compare', op: effective, attribute: a, value };
  // OData: a null column is "not equal" to any value; SQL's `<>` would drop it.
  return op === 'ne' ? { kind: 'or', left: compare, right: { kind: 'isNull', attribute: a, negate: false } } : compare;
}

/** The range an integer column's database type holds: int4, or int8 short of ±2^63, which a double cannot bind exactly. */
const INTEGER_RANGE: Partial<Record<AttributeModel['EdmType'], readonly [number, number]>> = {
  'Edm.Int32': [-2147483648, 2147483647],
  'Edm.Int64': [-9223372036854775000, 9223372036854775000],
};

/**
 * Whether `value` lies beyond what integer column `a` can store: 'above', 'below', or undefined
 * (in range, or not an integer column). A bigint is compared exactly (JavaScript compares a
 * bigint with a number by their mathematical values).
 */
export function outsideRange(a: AttributeModel, value: Value): 'above' | 'below' | undefined {
  const range = INTEGER_RANGE[a.EdmType];
  if (!range || (typeof value !== 'number' && typeof value !== 'bigint')) return undefined;
  return value > range[1] ? 'above' : value < range[0] ? 'below' : undefined;
}

/**
 * A canonical value a column is compared with, as values.ts reads it (literalValue, textValue):
 * `fraction` says it was a date-time with sub-second digits, cut to the whole second in `value`.
 */
export interface ComparedValue {
  readonly value: Value;
  readonly fraction: boolean;
}

/**
 * `a IN (values)` without the values no stored value can equal: those `a` cannot store, and
 * date-times with sub-second digits (stored date-times are whole seconds, so `eq` never holds for
 * them, see compareValue); false when none is left.
 */
export function inValues(a: AttributeModel, values: readonly ComparedValue[]): PlanExpr {
  const storable = values.filter((v) => !v.fraction && !outsideRange(a, v.value)).map((v) => v.value);
  return storable.length ? { kind: 'in', attribute: a, values: storable } : { kind: 'const', value: false };
}

/** The comparison that holds exactly when `op` does not, both sides being non-null. */
const NEGATED: Readonly<Record<CompareOp, CompareOp>> = { eq: 'ne', ne: 'eq', gt: 'le', ge: 'lt', lt: 'ge', le: 'gt' };

/**
 * OData's `not` (OData 4.01 Part 2, §5.1.1.3; null-valued comparisons are false, so their negation
 * is true): the negation of `e` in two-valued logic, pushed down to the leaves, so that a row
 * where a compared column is null passes `not (x eq 'v')` as it passes `x ne 'v'`. SQL's NOT of a
 * comparison with a null is null and would leave that row out.
 */
export function odataNot(e: PlanExpr): PlanExpr {
  const orNull = (test: PlanExpr, ...columns: AttributeModel[]): PlanExpr =>
    columns.reduce<PlanExpr>((left, a) => ({ kind: 'or', left, right: { kind: 'isNull', attribute: a, negate: false } }), test);
  switch (e.kind) {
    case 'compare': return orNull({ ...e, op: NEGATED[e.op] }, e.attribute);
    case 'compareColumns': return orNull({ ...e, op: NEGATED[e.op] }, e.left, e.right);
    case 'isNull': return { ...e, negate: !e.negate };
    case 'in': case 'like': case 'fiscalPeriod': return orNull({ kind: 'not', operand: e }, e.attribute);
    case 'exists': case 'joinedRow': case 'shared': case 'inSelect': case 'hierarchy': return { kind: 'not', operand: e };
    case 'and': return { kind: 'or', left: odataNot(e.left), right: odataNot(e.right) };
    case 'or': return { kind: 'and', left: odataNot(e.left), right: odataNot(e.right) };
    // Negations built with SQL's NOT (NotIn, NotBetween) leave nulls out whichever way they go:
    // in a WHERE clause a null is as good as false, so undoing one leaves its operand.
    case 'not': return e.operand;
    case 'const': return { kind: 'const', value: e.value === null ? null : !e.value };
  }
}
