import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityFile } from '../../src/model/types.js';
import { copyMetadata, startServer, type TestDatabase, type TestServer } from './server.js';

/**
 * Test-only tables for relationships the shipped copilot model does not have (its lookups are all
 * single-target and it has no many-to-many relationship):
 * - `account` (alternate key `accountnumber`) with `primarycontactid` → contact;
 * - `contact` (alternate key over `fullname` and `emailaddress1`) with the polymorphic Customer lookup
 *   `parentcustomerid` → account or contact, as in Dataverse;
 * - `new_tag` (alternate key `new_code`), linked to `msdyn_copilotinteraction` by the many-to-many
 *   relationship `new_msdyn_copilotinteraction_new_tag` (declared in new_tag.json; defaults for the
 *   intersect table, its columns and both navigation properties).
 */
export const RELATIONSHIP_FILES: readonly EntityFile[] = [
  {
    LogicalName: 'account', EntitySetName: 'accounts', PrimaryIdAttribute: 'accountid', PrimaryNameAttribute: 'name', OwnershipType: 'UserOwned',
    Attributes: [
      { LogicalName: 'name', AttributeType: 'String', MaxLength: 160 },
      { LogicalName: 'accountnumber', AttributeType: 'String', MaxLength: 20 },
      { LogicalName: 'primarycontactid', AttributeType: 'Lookup', Targets: ['contact'] },
    ],
    Keys: [{ LogicalName: 'accountnumber_key', KeyAttributes: ['accountnumber'] }],
  },
  {
    LogicalName: 'contact', EntitySetName: 'contacts', PrimaryIdAttribute: 'contactid', PrimaryNameAttribute: 'fullname', OwnershipType: 'UserOwned',
    Attributes: [
      { LogicalName: 'fullname', AttributeType: 'String', MaxLength: 160 },
      { LogicalName: 'emailaddress1', AttributeType: 'String', MaxLength: 100 },
      { LogicalName: 'parentcustomerid', AttributeType: 'Customer', Targets: ['account', 'contact'] },
    ],
    Keys: [{ LogicalName: 'fullname_email_key', KeyAttributes: ['fullname', 'emailaddress1'] }],
  },
  {
    LogicalName: 'new_tag', EntitySetName: 'new_tags', PrimaryIdAttribute: 'new_tagid', PrimaryNameAttribute: 'new_name', OwnershipType: 'OrganizationOwned',
    Attributes: [
      { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
      { LogicalName: 'new_code', AttributeType: 'String', MaxLength: 20 },
    ],
    Keys: [{ LogicalName: 'new_code_key', KeyAttributes: ['new_code'] }],
    ManyToManyRelationships: [{ SchemaName: 'new_msdyn_copilotinteraction_new_tag', Entity1LogicalName: 'msdyn_copilotinteraction', Entity2LogicalName: 'new_tag' }],
  },
];

/** The many-to-many relationship's name: also its navigation property on both tables. */
export const TAGS = 'new_msdyn_copilotinteraction_new_tag';

/** A copy of the shipped metadata plus RELATIONSHIP_FILES; the caller removes the folder. */
export function relationshipMetadata(): string {
  const dir = copyMetadata();
  for (const file of RELATIONSHIP_FILES) writeFileSync(join(dir, `${file.LogicalName}.json`), JSON.stringify(file));
  return dir;
}

/**
 * relationshipMetadata() whose user-owned account has the File column `column` (MaxSizeInKB 1024):
 * the table the file tests check privileges on (file-columns.test.ts, file-messages.test.ts).
 */
export function accountFileMetadata(column: string): string {
  const dir = relationshipMetadata();
  const path = join(dir, 'account.json');
  const file = JSON.parse(readFileSync(path, 'utf8')) as { Attributes: object[] };
  file.Attributes.push({ LogicalName: column, SchemaName: column, AttributeType: 'File', MaxSizeInKB: 1024 });
  writeFileSync(path, JSON.stringify(file));
  return dir;
}

/**
 * Starts a server (startServer) on `database` over a fresh relationshipMetadata() copy; its
 * close() also removes the copy (as does a failed start).
 */
export async function startRelationshipServer(database: TestDatabase, options?: Parameters<typeof startServer>[2]): Promise<TestServer> {
  const dir = relationshipMetadata();
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const s = await startServer(dir, database, options).catch((err: unknown) => { remove(); throw err; });
  return { ...s, close: async () => { await s.close(); remove(); } };
}
