import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { relationshipMetadata } from './support/relationship-metadata.js';
import { asUser, makeRole, makeUnit, makeUserIn } from './support/principals.js';
import { call, DATABASES, startServer, type TestServer } from './support/server.js';

/**
 * A bulk insert reads each row its items reference once (store/execute.ts insertStream), but a
 * reference that carries the caller's privilege checks (AppendTo at Local: the row must be in the
 * caller's unit) is checked even where an earlier item referenced the same row without them (as
 * its owner, which takes Assign, not AppendTo): before, the first reference's plain check stood
 * for both, and a CreateMultiple set a lookup to a user its caller may not append to.
 */
for (const database of DATABASES) {
  describe(`bulk inserts check each reference's privileges, not only each row once [${database.name}]`, () => {
    let s: TestServer;
    let dir: string;
    before(async () => {
      dir = relationshipMetadata();
      const path = join(dir, 'account.json');
      const file = JSON.parse(readFileSync(path, 'utf8')) as { Attributes: object[] };
      file.Attributes.push({ LogicalName: 'new_reviewerid', AttributeType: 'Lookup', Targets: ['systemuser'] });
      writeFileSync(path, JSON.stringify(file));
      s = await startServer(dir, database);
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('CreateMultiple: a lookup to a user the caller may not append to is refused after an item owned by that user', async () => {
      const root = (await call('GET', `${s.root}WhoAmI()`)).json.BusinessUnitId as string;
      const a = await makeUnit(s, 'BRG A', root);
      const b = await makeUnit(s, 'BRG B', root);
      const other = await makeUserIn(s, 'BRG other', b);
      const role = await makeRole(s, 'BRG creator', { prvCreateaccount: 'Global', prvReadaccount: 'Global', prvAppendaccount: 'Global', prvAssignaccount: 'Global', prvAppendToUser: 'Local', prvReadUser: 'Global' });
      const caller = await makeUserIn(s, 'BRG caller', a, role);
      const type = 'Microsoft.Dynamics.CRM.account';
      const alone = await call('POST', `${s.root}accounts`, { name: 'brg alone', 'new_reviewerid@odata.bind': `/systemusers(${other})` }, asUser(caller));
      expect(alone.status, alone.text).to.equal(403);
      const owned = await call('POST', `${s.root}accounts/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: [
        { '@odata.type': type, name: 'brg owned', 'ownerid@odata.bind': `/systemusers(${other})` },
      ] }, asUser(caller));
      expect(owned.status, 'owning needs Assign, not AppendTo').to.equal(200);
      const bulk = await call('POST', `${s.root}accounts/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: [
        { '@odata.type': type, name: 'brg 0', 'ownerid@odata.bind': `/systemusers(${other})` },
        { '@odata.type': type, name: 'brg 1', 'new_reviewerid@odata.bind': `/systemusers(${other})` },
      ] }, asUser(caller));
      expect(bulk.status, bulk.text).to.equal(403);
      expect(bulk.json.error.message).to.match(/^Targets\[1\]: /).and.contain('AccessRights: AppendToAccess');
      expect((await call('GET', `${s.root}accounts?$select=name&$filter=name eq 'brg 0' or name eq 'brg 1'`)).json.value, 'nothing written').to.deep.equal([]);
    });
  });
}
