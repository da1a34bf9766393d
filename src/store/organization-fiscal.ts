import { ORGANIZATION } from '../model/system-columns.js';
import type { Model } from '../model/types.js';
import { DEFAULT_FISCAL_CALENDAR, fiscalCalendar, type FiscalCalendar } from '../plan/fiscal-calendar.js';
import { planRead, type PlanContext } from '../plan/read.js';
import { withSecurity, type Database } from './database.js';
import { executeRead } from './execute.js';

/** The organization columns that make its fiscal calendar (Dataverse organization table). */
const FISCAL_COLUMNS = ['fiscalcalendarstart', 'fiscalperiodtype', 'fiscalyeardisplaycode'] as const;

/**
 * The fiscal calendar of organization row `organizationid` (plan/fiscal-calendar.ts), read from
 * its fiscalcalendarstart, fiscalperiodtype and fiscalyeardisplaycode past any caller's privileges
 * (an organization setting, as Dataverse's fiscal operators read it whoever asks);
 * DEFAULT_FISCAL_CALENDAR's values where a column is null or missing from the model, or the row or
 * the organization table is. Throws the database's errors.
 */
export async function readFiscalCalendar(model: Model, db: Database, organizationid: string): Promise<FiscalCalendar> {
  const entity = model.byLogicalName.get(ORGANIZATION);
  const select = FISCAL_COLUMNS.filter((c) => entity?.attributesByName.has(c));
  if (!entity || !select.length) return DEFAULT_FISCAL_CALENDAR;
  const read = planRead(entity, { select: [...select] }, { returnRepresentation: false }, organizationid);
  const [row] = (await executeRead(withSecurity(db, undefined), read)).rows;
  const value = (name: string) => {
    const i = read.columns.findIndex((a) => a.LogicalName === name);
    return i < 0 || !row ? null : row[i];
  };
  const start = value('fiscalcalendarstart');
  const periodType = value('fiscalperiodtype');
  const display = value('fiscalyeardisplaycode');
  return fiscalCalendar(typeof start === 'string' ? start : null, typeof periodType === 'number' ? periodType : null, typeof display === 'number' ? display : null);
}

/**
 * `context` with its caller's organization's fiscal calendar (readFiscalCalendar, over `db`) when
 * `needed` (the parsed request names a fiscal function: plan/fiscal-uses.ts) and it has none yet,
 * so a request reads it at most once and never caches it across requests; `context` itself
 * otherwise. Throws the database's errors.
 */
export async function fiscalContext<C extends PlanContext>(context: C, db: Database, needed: boolean): Promise<C> {
  if (!needed || context.fiscal) return context;
  return { ...context, fiscal: await readFiscalCalendar(context.model, db, context.caller.organizationid) };
}
