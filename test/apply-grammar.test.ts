import { expect } from 'chai';
import { ServiceError } from '../src/errors.js';
import { parseApply, type Transformation } from '../src/odata/apply.js';

/*
 * The `$apply` grammar (src/odata/apply.ts) without a database: the AST of each form Dataverse
 * supports, and the exact 400 errors, with positions, for what it does not take.
 */

const path = (pos: number, ...segments: string[]) => ({ kind: 'path', segments, pos });

/** The ServiceError that parsing `text` throws. */
function failure(text: string, aliases?: ReadonlyMap<string, string>): ServiceError {
  try {
    parseApply(text, aliases);
  } catch (err) {
    expect(err).to.be.instanceOf(ServiceError);
    return err as ServiceError;
  }
  throw new Error(`'${text}' parsed`);
}

describe('$apply grammar (odata/apply.ts)', () => {
  it('groupby with one and several properties, including lookup paths', () => {
    expect(parseApply('groupby((statuscode))')).to.deep.equal([{ kind: 'groupby', properties: [path(9, 'statuscode')], aggregate: undefined, pos: 0 }]);
    expect(parseApply('groupby((statecode, _ownerid_value,createdby/fullname))')).to.deep.equal([{
      kind: 'groupby', properties: [path(9, 'statecode'), path(20, '_ownerid_value'), path(35, 'createdby', 'fullname')], aggregate: undefined, pos: 0,
    }]);
  });

  it('groupby with aggregate: every method and $count', () => {
    const [t] = parseApply('groupby((a),aggregate(x with sum as s,x with average as av, x with min as lo,x with max as hi,y/z with countdistinct as d,$count as n))');
    expect(t).to.deep.equal({
      kind: 'groupby',
      properties: [path(9, 'a')],
      aggregate: [
        { kind: 'method', path: path(22, 'x'), method: 'sum', alias: 's', pos: 22 },
        { kind: 'method', path: path(38, 'x'), method: 'average', alias: 'av', pos: 38 },
        { kind: 'method', path: path(60, 'x'), method: 'min', alias: 'lo', pos: 60 },
        { kind: 'method', path: path(77, 'x'), method: 'max', alias: 'hi', pos: 77 },
        { kind: 'method', path: path(94, 'y', 'z'), method: 'countdistinct', alias: 'd', pos: 94 },
        { kind: 'count', alias: 'n', pos: 122 },
      ],
      pos: 0,
    });
  });

  it('aggregate alone, with spaces anywhere between tokens', () => {
    expect(parseApply(' aggregate ( $count  as  total , revenue with sum as s ) ')).to.deep.equal([{
      kind: 'aggregate',
      expressions: [{ kind: 'count', alias: 'total', pos: 13 }, { kind: 'method', path: path(33, 'revenue'), method: 'sum', alias: 's', pos: 33 }],
      pos: 1,
    }]);
  });

  it('filter(…) chained with /, parsed by the $filter parser with positions in the $apply text', () => {
    const list: Transformation[] = parseApply("filter(name eq 'a)b''c' and contains(city,'(')) / filter(x gt 1)/groupby((a))");
    expect(list.map((t) => t.kind)).to.deep.equal(['filter', 'filter', 'groupby']);
    expect(list.map((t) => t.pos)).to.deep.equal([0, 50, 65]);
    const first = list[0] as Extract<Transformation, { kind: 'filter' }>;
    expect(first.condition).to.deep.include({ kind: 'and', pos: 24 });
    expect(first.condition).to.have.nested.property('left.right.value', "a)b'c");
    expect(first.condition).to.have.nested.property('right.args[1].value', '(');
    const second = list[1] as Extract<Transformation, { kind: 'filter' }>;
    expect(second.condition).to.deep.equal({
      kind: 'compare', op: 'gt', left: path(57, 'x'), right: { kind: 'literal', literal: 'integer', value: 1, raw: '1', pos: 62 }, pos: 59,
    });
  });

  it('filter(…) takes query functions with JSON arrays and parameter aliases', () => {
    const [f] = parseApply('filter(Microsoft.Dynamics.CRM.In(PropertyName=\'a\',PropertyValues=["x)","y"]) and b eq @p)/aggregate($count as n)', new Map([['@p', "'v'"]]));
    expect(f).to.have.nested.property('condition.left.kind', 'function');
    expect(f).to.have.nested.property('condition.right.right.value', 'v');
  });

  const errors: Array<[string, string]> = [
    ['groupby((a)', "Syntax error: ')' expected at the end at position 11 in 'groupby((a)'."],
    ['groupby(())', "Syntax error: a property name expected at position 9 in 'groupby(())'."],
    ['groupby((a/))', "Syntax error: a property name after '/' expected at position 11 in 'groupby((a/))'."],
    ['groupby(a)', "Syntax error: '(' expected instead of 'a' at position 8 in 'groupby(a)'."],
    ['groupby((a),topcount(1,x))', "Syntax error: only aggregate(…) may follow the grouping properties of groupby, not 'topcount' at position 12 in 'groupby((a),topcount(1,x))'."],
    ['topcount(2,revenue)', "The $apply transformation 'topcount' is not supported; use filter, groupby and aggregate (position 0 in 'topcount(2,revenue)')."],
    ['groupby((a))/compute(x as y)', "The $apply transformation 'compute' is not supported; use filter, groupby and aggregate (position 13 in 'groupby((a))/compute(x as y)')."],
    ['frob(x)', "Syntax error: 'frob' is not a transformation (filter, groupby, aggregate) at position 0 in 'frob(x)'."],
    ['GroupBy((a))', "Syntax error: 'GroupBy' is not a transformation (filter, groupby, aggregate) at position 0 in 'GroupBy((a))'."],
    ['aggregate(x with median as m)', "Syntax error: 'median' is not an aggregation method (sum, average, min, max, countdistinct) at position 17 in 'aggregate(x with median as m)'."],
    ['aggregate(x with sum s)', "Syntax error: 'as' expected at position 21 in 'aggregate(x with sum s)'."],
    ['aggregate(x sum as s)', "Syntax error: 'with' expected at position 12 in 'aggregate(x sum as s)'."],
    ['aggregate($count as)', "Syntax error: an alias expected at position 19 in 'aggregate($count as)'."],
    ['aggregate(x)', "Syntax error: 'with' expected at position 11 in 'aggregate(x)'."],
    ['aggregate()', "Syntax error: a property name expected at position 10 in 'aggregate()'."],
    ['groupby((a))/', "Syntax error: a transformation (filter, groupby, aggregate) expected at the end at position 13 in 'groupby((a))/'."],
    ['groupby((a)) x', "Syntax error: unexpected 'x' at position 13 in 'groupby((a)) x'."],
    ['filter()/aggregate($count as n)', "Syntax error: a condition expected inside filter() at position 7 in 'filter()/aggregate($count as n)'."],
    ['filter(a eq )/aggregate($count as n)', "Syntax error: expression expected at the end at position 12 in 'filter(a eq )/aggregate($count as n)'."],
    ['filter(a eq 1 b)/aggregate($count as n)', "Syntax error: unexpected 'b' at position 14 in 'filter(a eq 1 b)/aggregate($count as n)'."],
    ["filter(a eq 'open)/aggregate($count as n)", "There is an unterminated literal at position 41 in 'filter(a eq 'open)/aggregate($count as n)'."],
    ['filter((a eq 1)/aggregate($count as n)', "Syntax error: ')' expected at the end at position 38 in 'filter((a eq 1)/aggregate($count as n)'."],
    ['filter(a add 1 eq 2)/aggregate($count as n)', "The 'add' operator is not supported in $filter (position 9 in 'filter(a add 1 eq 2)/aggregate($count as n)')."],
    ['   ', 'The $apply query option must not be empty.'],
  ];
  for (const [text, message] of errors) {
    it(`rejects ${JSON.stringify(text)} with 400 and the position`, () => {
      const err = failure(text);
      expect(err.status).to.equal(400);
      expect(err.code).to.equal('0x80060888');
      expect(err.message).to.equal(message);
    });
  }
});
