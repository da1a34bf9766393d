/**
 * The SchemaName (and the businessunit collection-valued navigation property, which Dataverse
 * names the same) of the one-to-many relationship from `businessunit` to the table of a
 * business column: `owningbusinessunit` of a user-owned table, `businessunitid` of a
 * business-owned one.
 *
 * Dataverse's own tables carry names chosen long ago, mostly plural: `business_unit_system_users`
 * (systemuser), `business_unit_roles` (role), `business_unit_accounts`, `business_unit_contacts`;
 * others singular, as `business_unit_userquery`. The tables it generates the relationship for
 * (custom tables, and the newer Microsoft ones such as msdyn_… and msdyncrm_…) get
 * `business_unit_<table logical name>`. Source: the BusinessUnit table reference (one-to-many
 * relationships, with their referencing table and column) and the Account, Contact, SystemUser
 * and Role references (ReferencedEntityNavigationPropertyName).
 */

/** Dataverse's documented names for its own tables, by referencing table logical name. */
const DOCUMENTED: ReadonlyMap<string, string> = new Map([
  ['systemuser', 'business_unit_system_users'],
  ['role', 'business_unit_roles'],
  ['team', 'business_unit_teams'],
  ['account', 'business_unit_accounts'],
  ['contact', 'business_unit_contacts'],
  ['lead', 'business_unit_leads'],
  ['opportunity', 'business_unit_opportunities'],
  ['incident', 'business_unit_incidents'],
  ['quote', 'business_unit_quotes'],
  ['invoice', 'business_unit_invoices'],
  ['salesorder', 'business_unit_orders'],
  ['contract', 'business_unit_service_contracts'],
  ['report', 'business_unit_reports'],
  ['template', 'business_unit_templates'],
]);

/** The relationship's name for referencing table `table` (a logical name), as above. */
export function businessUnitRelationshipName(table: string): string {
  return DOCUMENTED.get(table) ?? `business_unit_${table}`;
}
