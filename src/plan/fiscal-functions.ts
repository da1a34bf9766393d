import type { ConditionOperator } from '../odata/fetchxml.js';

/**
 * The fiscal query functions (Dataverse Web API Query Function reference: ThisFiscalYear …
 * InOrAfterFiscalPeriodAndYear) Tessera plans from the organization's fiscal calendar
 * (query-functions.ts planFiscal), each with the FetchXML condition operator of the same meaning
 * (Dataverse condition operators reference) and the value parameters it takes besides
 * PropertyName (for the operator: its `<value>`s, in this order). The one list the `$filter`
 * functions, the FetchXML operators and the check whether a request needs the calendar
 * (fiscal-uses.ts) read.
 */
export const FISCAL_FUNCTIONS: Readonly<Record<string, { readonly operator: ConditionOperator; readonly parameters: readonly string[] }>> = {
  ThisFiscalYear: { operator: 'this-fiscal-year', parameters: [] },
  LastFiscalYear: { operator: 'last-fiscal-year', parameters: [] },
  NextFiscalYear: { operator: 'next-fiscal-year', parameters: [] },
  ThisFiscalPeriod: { operator: 'this-fiscal-period', parameters: [] },
  LastFiscalPeriod: { operator: 'last-fiscal-period', parameters: [] },
  NextFiscalPeriod: { operator: 'next-fiscal-period', parameters: [] },
  InFiscalYear: { operator: 'in-fiscal-year', parameters: ['PropertyValue'] },
  InFiscalPeriodAndYear: { operator: 'in-fiscal-period-and-year', parameters: ['PropertyValue1', 'PropertyValue2'] },
  InOrBeforeFiscalPeriodAndYear: { operator: 'in-or-before-fiscal-period-and-year', parameters: ['PropertyValue1', 'PropertyValue2'] },
  InOrAfterFiscalPeriodAndYear: { operator: 'in-or-after-fiscal-period-and-year', parameters: ['PropertyValue1', 'PropertyValue2'] },
  InFiscalPeriod: { operator: 'in-fiscal-period', parameters: ['PropertyValue'] },
  LastXFiscalYears: { operator: 'last-x-fiscal-years', parameters: ['PropertyValue'] },
  LastXFiscalPeriods: { operator: 'last-x-fiscal-periods', parameters: ['PropertyValue'] },
  NextXFiscalYears: { operator: 'next-x-fiscal-years', parameters: ['PropertyValue'] },
  NextXFiscalPeriods: { operator: 'next-x-fiscal-periods', parameters: ['PropertyValue'] },
};

/** Whether `name` (without its namespace) is one of FISCAL_FUNCTIONS. */
export function isFiscalFunction(name: string): boolean {
  return Object.hasOwn(FISCAL_FUNCTIONS, name);
}

/** The FetchXML operators of FISCAL_FUNCTIONS, each with its function's name. */
export const FISCAL_OPERATORS: ReadonlyMap<ConditionOperator, string> = new Map(Object.entries(FISCAL_FUNCTIONS).map(([name, f]) => [f.operator, name]));
