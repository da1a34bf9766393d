import { expect } from 'chai';
import { asUser, makeRole, makeUser } from './support/principals.js';
import { call, DATABASES, startServer, type TestServer } from './support/server.js';

/**
 * SetParentSystemUser (Dataverse Web API action bound to a systemuser; SDK
 * SetParentSystemUserRequest, KeepChildUsers: "use false to update the child users to report to
 * the original manager of the user") and RemoveParent (unbound, RemoveParentRequest), over HTTP on
 * every test database.
 */

const ACTION = 'Microsoft.Dynamics.CRM.SetParentSystemUser';

for (const database of DATABASES) {
  describe(`SetParentSystemUser [${database.name}]`, () => {
    let s: TestServer;
    before(async () => { s = await startServer(undefined, database); });
    after(async () => { await s.close(); });

    /** A new user reporting to `manager` (none: no manager); its id. */
    const user = async (name: string, manager?: string): Promise<string> => {
      const id = await makeUser(s, name);
      if (manager) expect((await call('PATCH', `${s.root}systemusers(${id})`, { 'parentsystemuserid@odata.bind': `/systemusers(${manager})` })).status).to.equal(204);
      return id;
    };
    const managerOf = async (id: string): Promise<string | null> => (await call('GET', `${s.root}systemusers(${id})?$select=_parentsystemuserid_value`)).json._parentsystemuserid_value;
    const setParent = (id: string, parent: unknown, keep: boolean, headers: Record<string, string> = {}) =>
      call('POST', `${s.root}systemusers(${id})/${ACTION}`, { Parent: parent, KeepChildUsers: keep }, headers);
    const ref = (id: string) => ({ '@odata.type': 'Microsoft.Dynamics.CRM.systemuser', systemuserid: id });

    /** Ann manages Bob, who manages Cy and Di; Eve manages no one. */
    async function tree() {
      const ann = await user('Ann');
      const bob = await user('Bob', ann);
      const cy = await user('Cy', bob);
      const di = await user('Di', bob);
      const eve = await user('Eve');
      return { ann, bob, cy, di, eve };
    }

    it('is declared in $metadata, bound to a systemuser, with Parent and KeepChildUsers', async () => {
      const xml = (await call('GET', `${s.root}$metadata`)).text;
      const declaration = /<Action Name="SetParentSystemUser" IsBound="true">([\s\S]*?)<\/Action>/.exec(xml)?.[1];
      expect(declaration).to.be.a('string');
      expect(declaration).to.match(/<Parameter Name="entity" Type="mscrm\.systemuser" Nullable="false"\s*\/>/);
      expect(declaration).to.match(/<Parameter Name="Parent" Type="mscrm\.systemuser"/);
      expect(declaration).to.match(/<Parameter Name="KeepChildUsers" Type="Edm\.Boolean"/);
    });

    it('KeepChildUsers true: the user moves with its reports', async () => {
      const t = await tree();
      const r = await setParent(t.bob, ref(t.eve), true);
      expect(r.status, r.text).to.equal(204);
      expect(await managerOf(t.bob)).to.equal(t.eve);
      expect(await managerOf(t.cy)).to.equal(t.bob);
      expect(await managerOf(t.di)).to.equal(t.bob);
    });

    it('KeepChildUsers false: the reports move to the previous manager first, so a report may become the manager', async () => {
      const t = await tree();
      const r = await setParent(t.bob, ref(t.cy), false);
      expect(r.status, r.text).to.equal(204);
      expect(await managerOf(t.bob)).to.equal(t.cy);
      expect(await managerOf(t.cy)).to.equal(t.ann);
      expect(await managerOf(t.di)).to.equal(t.ann);
    });

    it('KeepChildUsers false for a user without a manager leaves its reports without one', async () => {
      const t = await tree();
      expect((await setParent(t.ann, { systemuserid: t.eve }, false)).status).to.equal(204);
      expect(await managerOf(t.ann)).to.equal(t.eve);
      expect(await managerOf(t.bob)).to.equal(null);
      expect(await managerOf(t.cy)).to.equal(t.bob);
    });

    it('a loop is refused with 0x80040507 and changes nothing', async () => {
      const t = await tree();
      const below = await setParent(t.ann, ref(t.cy), true);
      expect(below.status, below.text).to.equal(400);
      expect(below.json.error.code).to.equal('0x80040507');
      const self = await setParent(t.eve, ref(t.eve), false);
      expect(self.status, self.text).to.equal(400);
      expect(self.json.error.code).to.equal('0x80040507');
      expect(await managerOf(t.ann)).to.equal(null);
      expect(await managerOf(t.bob)).to.equal(t.ann);
    });

    it('all or nothing: a Parent that does not exist leaves the reports where they were', async () => {
      const t = await tree();
      const r = await setParent(t.bob, ref('00000000-0000-0000-0000-00000000abcd'), false);
      expect(r.status, r.text).to.equal(404);
      expect(r.json.error.code).to.equal('0x80040217');
      expect(await managerOf(t.cy)).to.equal(t.bob);
      expect(await managerOf(t.bob)).to.equal(t.ann);
    });

    it('bad input: 400 for a Parent without its id or a missing parameter, 404 for an unknown user or another binding', async () => {
      const t = await tree();
      const noId = await setParent(t.bob, { fullname: 'x' }, true);
      expect(noId.status, noId.text).to.equal(400);
      expect(noId.json.error.message).to.contain('Parent');
      const missing = await call('POST', `${s.root}systemusers(${t.bob})/${ACTION}`, { Parent: ref(t.eve) });
      expect(missing.status, missing.text).to.equal(400);
      expect(missing.json.error.message).to.contain('KeepChildUsers');
      const notObject = await setParent(t.bob, t.eve, true);
      expect(notObject.status, notObject.text).to.equal(400);
      const unknown = await setParent('00000000-0000-0000-0000-00000000abcd', ref(t.eve), true);
      expect(unknown.status, unknown.text).to.equal(404);
      const elsewhere = await call('POST', `${s.root}teams(${t.bob})/${ACTION}`, { Parent: ref(t.eve), KeepChildUsers: true });
      expect(elsewhere.status, elsewhere.text).to.equal(404);
    });

    it('RemoveParent: the user has no manager any more, its reports stay under it; errors', async () => {
      const t = await tree();
      const r = await call('POST', `${s.root}RemoveParent`, { Target: ref(t.bob) });
      expect(r.status, r.text).to.equal(204);
      expect(await managerOf(t.bob)).to.equal(null);
      expect(await managerOf(t.cy)).to.equal(t.bob);
      const other = await call('POST', `${s.root}RemoveParent`, { Target: { '@odata.type': 'Microsoft.Dynamics.CRM.team', teamid: t.bob } });
      expect(other.status, other.text).to.equal(400);
      expect(other.json.error.code).to.equal('0x80040203');
      const untyped = await call('POST', `${s.root}RemoveParent`, { Target: { systemuserid: t.bob } });
      expect(untyped.status, untyped.text).to.equal(400);
      const missing = await call('POST', `${s.root}RemoveParent`, { Target: ref('00000000-0000-0000-0000-00000000abcd') });
      expect(missing.status, missing.text).to.equal(404);
      expect(missing.json.error.code).to.equal('0x80040217');
      const reader = await makeRole(s, `remove readers ${t.ann}`, { prvReadUser: 'Global' });
      const denied = await call('POST', `${s.root}RemoveParent`, { Target: ref(t.cy) }, asUser(await makeUser(s, 'Reader', reader)));
      expect(denied.status, denied.text).to.equal(403);
      expect(await managerOf(t.cy)).to.equal(t.bob);
    });

    it('takes prvWriteUser (and the Append privileges a lookup takes) on every user it changes: without it 403 and nothing moves', async () => {
      const t = await tree();
      const reader = await makeRole(s, `readers ${t.ann}`, { prvReadUser: 'Global' });
      const caller = await makeUser(s, 'Reader', reader);
      const r = await setParent(t.bob, ref(t.eve), false, asUser(caller));
      expect(r.status, r.text).to.equal(403);
      expect(await managerOf(t.bob)).to.equal(t.ann);
      expect(await managerOf(t.cy)).to.equal(t.bob);
      const writer = await makeRole(s, `writers ${t.ann}`, { prvReadUser: 'Global', prvWriteUser: 'Global', prvAppendUser: 'Global', prvAppendToUser: 'Global' });
      const allowed = await makeUser(s, 'Writer', writer);
      const done = await setParent(t.bob, ref(t.eve), false, asUser(allowed));
      expect(done.status, done.text).to.equal(204);
      expect(await managerOf(t.cy)).to.equal(t.ann);
    });
  });
}
