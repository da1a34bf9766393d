import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { EntityFile } from '../src/model/types.js';
import { ImportError } from '../src/model/sources/columns.js';
import { dataverseReferenceTable } from '../src/model/sources/dataverse-reference.js';
import { call, DATABASES, runCli, SHIPPED_METADATA, startServer, withMetadataCopy } from './support/server.js';

/**
 * `tessera import dataverse`: a Dataverse table reference page becomes a metadata file. The seed
 * page of the Copilot interaction table (../shared/seeds, beside the project as CI has it) must
 * give back the shipped file, but for what a page cannot say. Without ../shared the tests are
 * skipped, and say so.
 */

const PAGE = join(import.meta.dirname, '..', '..', '..', 'shared', 'seeds', 'dataverse-msdyn_copilotinteraction.md');

/** A file without what a reference page cannot hold: option set names, relationship names and cascades, indexes. */
function pageView(file: EntityFile): EntityFile {
  const copy = structuredClone(file);
  delete copy.Indexes;
  for (const a of copy.Attributes) {
    delete a.RelationshipSchemaName;
    delete a.CascadeConfiguration;
    if (a.OptionSet) a.OptionSet = { Options: a.OptionSet.Options };
  }
  return copy;
}

describe('Dataverse table reference pages as tables', function () {
  before(function () {
    if (!existsSync(PAGE)) {
      console.log(`    (skipped: ${PAGE} is not there; CI has ../shared beside the project)`);
      this.skip();
    }
  });

  it('gives back the shipped Copilot interaction file from its reference page', () => {
    const { table, notes } = dataverseReferenceTable(readFileSync(PAGE, 'utf8'));
    expect(notes).to.deep.equal([]);
    const shipped = pageView(JSON.parse(readFileSync(join(SHIPPED_METADATA, 'msdyn_copilotinteraction.json'), 'utf8')) as EntityFile);
    // The shipped choices come from a newer source than the 2023 page, which lists the first ones.
    for (const a of table.Attributes) {
      const mine = shipped.Attributes.find((b) => b.LogicalName === a.LogicalName)!;
      if (a.OptionSet && mine.OptionSet!.Options.length > a.OptionSet.Options.length) {
        expect(mine.OptionSet!.Options.slice(0, a.OptionSet.Options.length), a.LogicalName).to.deep.equal(a.OptionSet.Options);
        mine.OptionSet = a.OptionSet;
      }
    }
    expect(table).to.deep.equal(shipped);
  });

  it('leaves out columns of types Tessera does not store, with a note, and refuses a page that is not one', () => {
    const page = readFileSync(PAGE, 'utf8').replace('|Type|Memo|', '|Type|Virtual|');
    const { table, notes } = dataverseReferenceTable(page);
    expect(notes).to.deep.equal(["column msdyn_interactioncontext: type 'Virtual' is not stored by Tessera; left out"]);
    expect(table.Attributes.some((a) => a.LogicalName === 'msdyn_interactioncontext')).to.equal(false);
    let error: unknown;
    try { dataverseReferenceTable('# Notes\n\nNothing here.'); } catch (err) { error = err; }
    expect(error).to.be.instanceOf(ImportError);
    expect((error as ImportError).problems).to.have.length(4);
  });

  it('refuses a page whose table or column names are too long for SQL identifiers: they are Dataverse\'s, and not renamed', () => {
    const long = `msdyn_${'interactioncontext'.repeat(4)}`;
    let error: unknown;
    try { dataverseReferenceTable(readFileSync(PAGE, 'utf8').replace('|LogicalName|msdyn_interactioncontext|', `|LogicalName|${long}|`)); } catch (err) { error = err; }
    expect(error).to.be.instanceOf(ImportError);
    expect((error as ImportError).problems).to.deep.equal([
      `column msdyn_interactioncontext: '${long}' has 78 characters; table and column names are SQL identifiers, at most 63 characters (PostgreSQL's limit, which would cut it short), on every database; Tessera cannot serve it under this name`,
    ]);
  });

  for (const database of DATABASES) {
    it(`tessera import dataverse writes a file the server serves [${database.name}]`, () => withMetadataCopy(async (dir) => {
      rmSync(join(dir, 'msdyn_copilotinteraction.json'));
      const prefixed = runCli('import', 'dataverse', PAGE, '--prefix', 'abc', '--metadata', dir);
      expect(prefixed.status).to.equal(1);
      expect(prefixed.stderr).to.equal('tessera: import: --prefix does not apply to dataverse pages, which name their table and columns\n');
      const r = runCli('import', 'dataverse', PAGE, '--metadata', dir);
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('table msdyn_copilotinteraction (msdyn_copilotinteractions) with 34 columns');
      const written = readFileSync(join(dir, 'msdyn_copilotinteraction.json'), 'utf8');
      expect(written, 'Int64 bounds as the page gives them').to.contain('"MinValue": -9223372036854775808,').and.contain('"MaxValue": 9223372036854775807');
      const s = await startServer(dir, database);
      try {
        const created = await call('POST', `${s.root}msdyn_copilotinteractions`, { msdyn_name: 'imported', msdyn_scenariorequestid: 'r1', msdyn_interactiontype: 100230301, msdyn_scenariotype: 100230204 }, { Prefer: 'return=representation' });
        expect(created.status, created.text).to.equal(201);
        expect(created.json.statecode).to.equal(0);
        const retained = await call('POST', `${s.root}Retain`, { Target: { '@odata.type': 'Microsoft.Dynamics.CRM.msdyn_copilotinteraction', msdyn_copilotinteractionid: created.json.msdyn_copilotinteractionid } });
        expect(retained.status, 'the page lists Retain: the table keeps rows for retention').to.equal(200);
      } finally {
        await s.close();
      }
    }));
  }
});
