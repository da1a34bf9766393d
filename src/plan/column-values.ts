import type { AttributeModel, EntityModel } from '../model/types.js';
import type { Caller, Value } from './types.js';

/**
 * The values a write sets in one row of `entity`, by column: `InsertPlan.values` and
 * `UpdatePlan.set`. Readers see a `ReadonlyMap<AttributeModel, Value>` iterated, as a Map is, in
 * the order the columns were first set (so rendered column lists keep the body's order).
 *
 * Why not a Map: CreateMultiple builds one per row, and growing a Map to the dozen or so columns
 * of a new row allocates ~950 bytes; this keeps the values in an array of one slot per column,
 * indexed by `AttributeModel.ColumnNumber`, and the order in a small array of column numbers.
 *
 * A column of another table is never found (`get` → undefined, `has` → false), as with a Map;
 * `set` of one throws an Error, as only a planner bug would do it.
 */
export class ColumnValues implements ReadonlyMap<AttributeModel, Value> {
  private readonly attributes: readonly AttributeModel[];
  /** `slots[n]`: the value of column `attributes[n]`; undefined while unset. */
  private readonly slots: Array<Value | undefined>;
  /** Column numbers in the order they were first set. */
  private readonly order: number[] = [];

  constructor(entity: EntityModel) {
    this.attributes = entity.Attributes;
    this.slots = new Array<Value | undefined>(entity.Attributes.length);
  }

  get size(): number {
    return this.order.length;
  }

  get(a: AttributeModel): Value | undefined {
    return this.attributes[a.ColumnNumber] === a ? this.slots[a.ColumnNumber] : undefined;
  }

  has(a: AttributeModel): boolean {
    return this.get(a) !== undefined;
  }

  /** Sets column `a` to `value`; a column set again keeps its place in the order. */
  set(a: AttributeModel, value: Value): this {
    const n = a.ColumnNumber;
    if (this.attributes[n] !== a) throw new Error(`ColumnValues: '${a.LogicalName}' is not a column of this table`);
    if (this.slots[n] === undefined) this.order.push(n);
    this.slots[n] = value;
    return this;
  }

  /** Calls `callback(value, column, this)` per column set, in order; allocates nothing. */
  forEach(callback: (value: Value, key: AttributeModel, map: ReadonlyMap<AttributeModel, Value>) => void, thisArg?: unknown): void {
    const { order, slots, attributes } = this;
    for (let i = 0; i < order.length; i++) {
      const n = order[i]!;
      callback.call(thisArg, slots[n] as Value, attributes[n]!, this);
    }
  }

  entries(): MapIterator<[AttributeModel, Value]> {
    return this.order.map((n): [AttributeModel, Value] => [this.attributes[n]!, this.slots[n] as Value])[Symbol.iterator]();
  }

  keys(): MapIterator<AttributeModel> {
    return this.order.map((n) => this.attributes[n]!)[Symbol.iterator]();
  }

  values(): MapIterator<Value> {
    return this.order.map((n) => this.slots[n] as Value)[Symbol.iterator]();
  }

  [Symbol.iterator](): MapIterator<[AttributeModel, Value]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'ColumnValues';
  }
}

/**
 * Stamps a change of a row of `entity` in `values`, for the columns the table stores: modifiedon
 * (`now`, canonical UTC), modifiedby (the caller) and modifiedonbehalfby (the user impersonating
 * the caller, or null: it says who made the latest change).
 */
export function stampModified(entity: EntityModel, values: ColumnValues, caller: Caller, now: string): void {
  const stamp = (name: string, value: Value) => {
    const a = entity.attributesByName.get(name);
    if (a?.IsStored) values.set(a, value);
  };
  stamp('modifiedon', now);
  stamp('modifiedby', caller.systemuserid);
  stamp('modifiedonbehalfby', caller.delegate?.systemuserid ?? null);
}
