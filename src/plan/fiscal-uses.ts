import type { ExpandItem } from '../odata/expand.js';
import type { Expr } from '../odata/expression.js';
import type { FetchQuery, FetchTable } from '../odata/fetchxml.js';
import type { QueryOptions } from '../odata/request.js';
import { FISCAL_OPERATORS, isFiscalFunction } from './fiscal-functions.js';
import { isFiscalPart } from './fiscal-calendar.js';

/**
 * Whether a parsed request needs the organization's fiscal calendar: whether it names one of the
 * fiscal query functions or FetchXML operators Tessera plans (fiscal-functions.ts), so that the
 * service reads the calendar (store/organization-fiscal.ts) for those requests only. Walks the
 * parsed expressions, never the request's text, so escapes and entities (`&#102;iscal`) count as
 * what they spell and a column or value that merely contains "fiscal" reads nothing.
 */

/** Whether `e` (a `$filter`, an `$apply` filter) calls a fiscal query function (`Microsoft.Dynamics.CRM.` or `mscrm.`). */
function exprNamesFiscal(e: Expr): boolean {
  switch (e.kind) {
    case 'function': return isFiscalFunction(e.name.replace(/^(Microsoft\.Dynamics\.CRM|mscrm)\./, ''));
    case 'compare': case 'has': case 'and': case 'or': return exprNamesFiscal(e.left) || exprNamesFiscal(e.right);
    case 'not': return exprNamesFiscal(e.operand);
    case 'call': return e.args.some(exprNamesFiscal);
    case 'lambda': return e.body !== undefined && exprNamesFiscal(e.body);
    default: return false;
  }
}

function expandNamesFiscal(items: readonly ExpandItem[]): boolean {
  return items.some((i) => (i.filter !== undefined && exprNamesFiscal(i.filter)) || (i.expand !== undefined && expandNamesFiscal(i.expand)));
}

/** Whether the query options' `$filter`, `$expand` (any depth) or `$apply` filters call a fiscal query function. */
export function queryNamesFiscal(query: QueryOptions): boolean {
  return (query.filter !== undefined && exprNamesFiscal(query.filter))
    || (query.expand !== undefined && expandNamesFiscal(query.expand))
    || (query.apply?.some((t) => t.kind === 'filter' && exprNamesFiscal(t.condition)) ?? false);
}

function tableNamesFiscal(table: FetchTable): boolean {
  const items = (list: FetchTable['filters'][number]['items']): boolean => list.some((i) => (i.kind === 'condition' ? FISCAL_OPERATORS.has(i.operator) : i.kind === 'filter' ? items(i.items) : tableNamesFiscal(i)));
  return table.filters.some((f) => items(f.items)) || table.attributes.some((a) => isFiscalPart(a.dategrouping)) || table.links.some(tableNamesFiscal);
}

/**
 * Whether a parsed FetchXML query has a fiscal condition operator, in any filter of its entity or
 * link-entities, or an attribute grouped by a fiscal date part (`dategrouping="fiscal-period|fiscal-year"`).
 */
export function fetchNamesFiscal(fetch: FetchQuery): boolean {
  return tableNamesFiscal(fetch.entity);
}
