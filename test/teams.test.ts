import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { parseStringPromise } from 'xml2js';
import { call, createRow, DATABASES, startServer, type TestServer } from './support/server.js';
import { relationshipMetadata } from './support/relationship-metadata.js';

/**
 * Teams as Dataverse has them: `$metadata`'s abstract principal that users and teams derive from
 * (principal EntityType: key ownerid), the team table with the root business unit's default team,
 * membership (teammembership_association, AddMembersTeam/RemoveMembersTeam) and rows owned by a
 * team (ownerid@odata.bind to /teams(<id>), owningteam).
 */
const ALL = { Prefer: 'odata.include-annotations="*"' };

for (const database of DATABASES) {
  describe(`teams [${database.name}]`, () => {
    let s: TestServer;
    let dir: string;
    before(async () => {
      dir = relationshipMetadata();
      s = await startServer(dir, database);
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('declares the abstract principal (key ownerid) that systemuser derives from, and types ownerid as it', async () => {
      const doc = await parseStringPromise((await call('GET', `${s.root}$metadata`)).text);
      const schema = doc['edmx:Edmx']['edmx:DataServices'][0].Schema[0];
      const types = Object.fromEntries(schema.EntityType.map((t: any) => [t.$.Name, t]));
      expect(types['principal'].$).to.deep.equal({ Name: 'principal', BaseType: 'mscrm.crmbaseentity', Abstract: 'true' });
      expect(types['principal'].Key[0].PropertyRef[0].$.Name).to.equal('ownerid');
      expect(types['principal'].Property.map((p: any) => p.$)).to.deep.equal([{ Name: 'ownerid', Type: 'Edm.Guid' }]);
      expect(types['systemuser'].$.BaseType).to.equal('mscrm.principal');
      expect(types['systemuser'].Key, 'a derived type inherits its key').to.equal(undefined);
      const owner = types['account'].NavigationProperty.find((n: any) => n.$.Name === 'ownerid');
      expect(owner.$).to.deep.equal({ Name: 'ownerid', Type: 'mscrm.principal', Partner: 'owner_account' });
      expect(owner.ReferentialConstraint[0].$).to.deep.equal({ Property: '_ownerid_value', ReferencedProperty: 'ownerid' });
    });

    it('answers users with ownerid beside systemuserid, retrieved or expanded', async () => {
      const me = (await call('GET', `${s.root}WhoAmI()`)).json.UserId as string;
      const user = await call('GET', `${s.root}systemusers(${me})?$select=fullname`);
      expect(user.json).to.include({ systemuserid: me, ownerid: me });
      const account = (await createRow(s, 'accounts', { name: 'Owned by me' })).accountid as string;
      const expanded = await call('GET', `${s.root}accounts(${account})?$select=name&$expand=createdby($select=fullname)`);
      expect(expanded.json.createdby).to.include({ systemuserid: me, ownerid: me });
    });
  });
}
