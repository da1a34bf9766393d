import { expect } from 'chai';
import { loadModel } from '../src/model/loader.js';
import { ColumnValues } from '../src/plan/column-values.js';

/*
 * ColumnValues stands in for the Map<AttributeModel, Value> that plans used to hold: readers rely
 * on Map behaviour (insertion order, undefined for an unset column), so these pin it.
 */
describe('ColumnValues', () => {
  const model = loadModel('metadata');
  const entity = model.byLogicalName.get('msdyn_copilotinteraction')!;
  const other = model.byLogicalName.get('systemuser')!;
  const column = (name: string) => entity.attributesByName.get(name)!;

  it('numbers every column by its place in the table', () => {
    entity.Attributes.forEach((a, n) => expect(a.ColumnNumber, a.LogicalName).to.equal(n));
  });

  it('reads like a Map: first-set order, values replaced in place, null kept apart from unset', () => {
    const values = new ColumnValues(entity);
    values.set(column('statuscode'), 1).set(column('msdyn_name'), 'a').set(column('msdyn_copilotinteractionid'), null);
    values.set(column('statuscode'), 2);
    const expected: Array<[string, unknown]> = [['statuscode', 2], ['msdyn_name', 'a'], ['msdyn_copilotinteractionid', null]];
    expect([...values].map(([a, v]) => [a.LogicalName, v])).to.deep.equal(expected);
    const seen: Array<[string, unknown]> = [];
    values.forEach((v, a) => seen.push([a.LogicalName, v]));
    expect(seen).to.deep.equal(expected);
    expect([...values.keys()].map((a) => a.LogicalName)).to.deep.equal(['statuscode', 'msdyn_name', 'msdyn_copilotinteractionid']);
    expect([...values.values()]).to.deep.equal([2, 'a', null]);
    expect(values.size).to.equal(3);
    expect(values.get(column('msdyn_copilotinteractionid'))).to.equal(null);
    expect(values.has(column('msdyn_copilotinteractionid'))).to.equal(true);
    expect(values.get(column('createdon'))).to.equal(undefined);
    expect(values.has(column('createdon'))).to.equal(false);
  });

  it("never finds another table's column, and refuses to set one", () => {
    const values = new ColumnValues(entity).set(column('statuscode'), 1);
    const foreign = other.Attributes.find((a) => a.ColumnNumber === column('statuscode').ColumnNumber)!;
    expect(foreign).to.not.equal(column('statuscode'));
    expect(values.get(foreign)).to.equal(undefined);
    expect(values.has(foreign)).to.equal(false);
    expect(() => values.set(foreign, 1)).to.throw(/is not a column of this table/);
  });
});
