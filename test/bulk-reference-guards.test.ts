import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { relationshipMetadata } from './support/relationship-metadata.js';
import { asUser, makeRole, makeUnit, makeUserIn } from './support/principals.js';
import { call, DATABASES, startServer, type TestServer } from './support/server.js';

/**
 * A bulk insert reads each row its items reference once (store/execute.ts insertStream), but a
 * reference that carries checks is checked all the same: the caller's privileges (AppendTo at
 * Local: the row must be in the caller's unit), even where an earlier item referenced the same row
 * without them (as its owner, which takes Assign, not AppendTo); the caller's Create depth on an
 * owner an earlier item created; a hierarchy's depth over units earlier items created. Before, a
 * first plain check, or the row being the request's own, stood for them.
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

    it('CreateMultiple: a row owned by a user an earlier item created in another unit is refused at Local Create depth, as a single create is', async () => {
      const root = (await call('GET', `${s.root}WhoAmI()`)).json.BusinessUnitId as string;
      const a = await makeUnit(s, 'BRG2 A', root);
      const b = await makeUnit(s, 'BRG2 B', root);
      const role = await makeRole(s, 'BRG2 creator', {
        prvCreateaccount: 'Local', prvReadaccount: 'Global', prvAppendaccount: 'Global', prvAssignaccount: 'Global',
        prvCreateUser: 'Global', prvReadUser: 'Global', prvAppendUser: 'Global', prvAppendToUser: 'Global',
        prvReadBusinessUnit: 'Global', prvAppendToBusinessUnit: 'Global',
      });
      const caller = await makeUserIn(s, 'BRG2 caller', a, role);
      const type = 'Microsoft.Dynamics.CRM.account';
      const user = '0a1b2c3d-0000-4000-8000-0000000b2c01';
      const bulk = await call('POST', `${s.root}accounts/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: [
        { '@odata.type': type, name: 'brg2 0', new_reviewerid: { systemuserid: user, fullname: 'BRG2 new user', 'businessunitid@odata.bind': `/businessunits(${b})` } },
        { '@odata.type': type, name: 'brg2 1', 'ownerid@odata.bind': `/systemusers(${user})` },
      ] }, asUser(caller));
      expect(bulk.status, bulk.text).to.equal(403);
      expect(bulk.json.error.message).to.match(/^Targets\[1\]: /).and.contain('AccessRights: CreateAccess').and.contain(`objectBusinessUnitId: ${b}`);
      expect((await call('GET', `${s.root}accounts?$select=name&$filter=startswith(name,'brg2 ')`)).json.value, 'nothing written').to.deep.equal([]);
      expect((await call('GET', `${s.root}systemusers?$select=fullname&$filter=systemuserid eq ${user}`)).json.value).to.deep.equal([]);
    });

    it('CreateMultiple: a chain of units, each under the one before, stops at the 99 levels a single create keeps to', async () => {
      const root = (await call('GET', `${s.root}WhoAmI()`)).json.BusinessUnitId as string;
      const id = (i: number) => `0a1b2c3d-0000-4000-8000-${String(0xc00000 + i).padStart(12, '0')}`;
      const targets = Array.from({ length: 101 }, (_, i) => ({ '@odata.type': 'Microsoft.Dynamics.CRM.businessunit', businessunitid: id(i), name: `BRG chain ${i}`, 'parentbusinessunitid@odata.bind': `/businessunits(${i ? id(i - 1) : root})` }));
      const chain = await call('POST', `${s.root}businessunits/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: targets });
      expect(chain.status, chain.text).to.equal(400);
      expect(chain.json.error.code).to.equal('0x80040203');
      expect(chain.json.error.message).to.match(/^Targets\[99\]: /);
      expect((await call('GET', `${s.root}businessunits?$select=name&$filter=startswith(name,'BRG chain')`)).json.value, 'nothing written').to.deep.equal([]);
    });
  });
}
