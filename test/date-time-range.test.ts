import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { call, copyMetadata, DATABASES, startServer, type Reply, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';
const NS = 'Microsoft.Dynamics.CRM';
const TOO_LATE = 'DateTime is greater than maximum value supported by CrmDateTime. Actual value: 12/31/9999 00:00:00, Maximum value supported: 12/30/9999 23:59:59';

/**
 * The range a DateTime column holds is the one EntityDefinitions reports (MinSupportedValue
 * 1753-01-01T00:00:00Z, MaxSupportedValue 9999-12-30T23:59:59Z): every write path and `$filter`
 * refuses an instant outside it with Dataverse's CrmDateTime range error, 400 `0x80040239`.
 */
for (const database of DATABASES) {
  describe(`date-time range [${database.name}]`, () => {
    let s: TestServer;
    let dir: string;
    before(async () => {
      dir = copyMetadata();
      writeFileSync(join(dir, 'new_day.json'), JSON.stringify({
        LogicalName: 'new_day', EntitySetName: 'new_days', PrimaryIdAttribute: 'new_dayid', PrimaryNameAttribute: 'new_name', OwnershipType: 'OrganizationOwned',
        Attributes: [{ LogicalName: 'new_name', AttributeType: 'String' }, { LogicalName: 'new_on', AttributeType: 'DateTime', DateTimeBehavior: 'DateOnly', Format: 'DateOnly' }],
      }));
      s = await startServer(dir, database);
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const refused = (r: Reply, message: string | RegExp = TOO_LATE) => {
      expect(r.status, r.text).to.equal(400);
      expect(r.json.error.code).to.equal('0x80040239');
      if (typeof message === 'string') expect(r.json.error.message).to.equal(message);
      else expect(r.json.error.message).to.match(message);
    };
    const named = async (name: string) => (await call('GET', `${s.root}${SET}?$select=msdyn_clienttimestamp&$filter=msdyn_name eq '${name}'`)).json.value;

    it('accepts the MaxSupportedValue EntityDefinitions reports and refuses the second after it, whatever the offset', async () => {
      const reported = await call('GET', `${s.root}EntityDefinitions(LogicalName='${SET.slice(0, -1)}')/Attributes(LogicalName='msdyn_clienttimestamp')/${NS}.DateTimeAttributeMetadata?$select=MinSupportedValue,MaxSupportedValue`);
      const { MinSupportedValue: min, MaxSupportedValue: max } = reported.json;
      for (const at of [min, max, '9999-12-30T23:59:59.999Z', '9999-12-31T01:00:00+02:00']) {
        const r = await call('POST', `${s.root}${SET}`, { msdyn_name: `in range ${at}`, msdyn_clienttimestamp: at }, { Prefer: 'return=representation' });
        expect(r.status, `${at}: ${r.text}`).to.equal(201);
      }
      expect((await named(`in range ${max}`))[0].msdyn_clienttimestamp).to.equal('9999-12-30T23:59:59Z');
      refused(await call('POST', `${s.root}${SET}`, { msdyn_name: 'too late', msdyn_clienttimestamp: '9999-12-31T00:00:00Z' }));
      refused(await call('POST', `${s.root}${SET}`, { msdyn_name: 'too late', msdyn_clienttimestamp: '9999-12-31T00:00:00.000Z' }));
      refused(await call('POST', `${s.root}${SET}`, { msdyn_name: 'too late', msdyn_clienttimestamp: '9999-12-30T23:00:00-01:00' }));
      refused(await call('POST', `${s.root}${SET}`, { msdyn_name: 'too late', msdyn_clienttimestamp: '9999-12-31' }));
      refused(await call('POST', `${s.root}${SET}`, { msdyn_name: 'too early', msdyn_clienttimestamp: '1752-12-31T23:59:59Z' }),
        'DateTime is less than minumum value supported by CrmDateTime. Actual value: 12/31/1752 23:59:59, Minimum value supported: 01/01/1753 00:00:00');
      // A two-digit year with an offset is that year, not 1900 + it.
      refused(await call('POST', `${s.root}${SET}`, { msdyn_name: 'too early', msdyn_clienttimestamp: '0050-06-01T00:00:00+01:00' }), /Actual value: 05\/31\/0050 23:00:00,/);
      expect(await named('too late')).to.deep.equal([]);
      expect(await named('too early')).to.deep.equal([]);
    });

    it('refuses a date past the range on update, upsert, bulk messages and $batch, writing nothing', async () => {
      const created = await call('POST', `${s.root}${SET}`, { msdyn_name: 'kept', msdyn_clienttimestamp: '2024-01-01T00:00:00Z' }, { Prefer: 'return=representation' });
      const url = `${s.root}${SET}(${created.json.msdyn_copilotinteractionid})`;
      refused(await call('PATCH', url, { msdyn_clienttimestamp: '9999-12-31T12:00:00Z' }), /^DateTime is greater than maximum value supported by CrmDateTime\. Actual value: 12\/31\/9999 12:00:00,/);
      expect((await named('kept'))[0].msdyn_clienttimestamp).to.equal('2024-01-01T00:00:00Z');
      refused(await call('PATCH', `${s.root}${SET}(0a1b2c3d-0000-4000-8000-00000000d001)`, { msdyn_name: 'upserted', msdyn_clienttimestamp: '9999-12-31T00:00:00Z' }));
      const target = (name: string, at: string) => ({ '@odata.type': `${NS}.msdyn_copilotinteraction`, msdyn_name: name, msdyn_clienttimestamp: at });
      // Bulk messages name the target before the message.
      const bulk = /^Targets\[\d\]: DateTime is greater than maximum value supported by CrmDateTime\./;
      refused(await call('POST', `${s.root}${SET}/${NS}.CreateMultiple`, { Targets: [target('bulk', '2024-01-01T00:00:00Z'), target('bulk', '9999-12-31T00:00:00Z')] }), bulk);
      refused(await call('POST', `${s.root}${SET}/${NS}.UpsertMultiple`, { Targets: [{ ...target('bulk', '9999-12-31T00:00:00Z'), msdyn_copilotinteractionid: '0a1b2c3d-0000-4000-8000-00000000d002' }] }), bulk);
      const batch = [
        '--b', 'Content-Type: multipart/mixed;boundary=cs', '',
        '--cs', 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', 'Content-ID: 1', '',
        `POST /api/data/v9.2/${SET} HTTP/1.1`, 'Content-Type: application/json', '', '{"msdyn_name":"batched"}',
        '--cs', 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', 'Content-ID: 2', '',
        `POST /api/data/v9.2/${SET} HTTP/1.1`, 'Content-Type: application/json', '', '{"msdyn_name":"batched","msdyn_clienttimestamp":"9999-12-31T00:00:00Z"}',
        '--cs--', '--b--', '',
      ].join('\n');
      const r = await call('POST', `${s.root}$batch`, batch, { 'Content-Type': 'multipart/mixed;boundary=b' });
      expect(r.text).to.contain('0x80040239').and.contain(TOO_LATE);
      for (const name of ['upserted', 'bulk', 'batched']) expect(await named(name), name).to.deep.equal([]);
    });

    it('holds a DateOnly column to the same last day, a single-property PUT too', async () => {
      const last = await call('POST', `${s.root}new_days`, { new_name: 'last', new_on: '9999-12-30' });
      expect(last.status).to.equal(204);
      refused(await call('POST', `${s.root}new_days`, { new_name: 'past', new_on: '9999-12-31' }));
      refused(await call('PUT', `${last.headers.get('odata-entityid')}/new_on`, { value: '9999-12-31' }));
      expect((await call('GET', `${s.root}new_days?$select=new_on&$orderby=new_on`)).json.value.map((r: { new_on: string }) => r.new_on)).to.deep.equal(['9999-12-30']);
    });

    it('refuses a $filter literal past the range, and an On() of the day after the last', async () => {
      const filter = (f: string) => call('GET', `${s.root}${SET}?$select=msdyn_name&$filter=${encodeURIComponent(f)}`);
      expect((await filter('msdyn_clienttimestamp le 9999-12-30T23:59:59Z')).status).to.equal(200);
      refused(await filter('msdyn_clienttimestamp lt 9999-12-31T00:00:00Z'));
      refused(await filter(`${NS}.In(PropertyName='msdyn_clienttimestamp',PropertyValues=["9999-12-31T00:00:00Z"])`));
      refused(await filter(`${NS}.On(PropertyName='msdyn_clienttimestamp',PropertyValue='9999-12-31')`));
      expect((await filter(`${NS}.On(PropertyName='msdyn_clienttimestamp',PropertyValue='9999-12-30')`)).json.value.length).to.be.greaterThan(0);
      refused(await filter(`${NS}.OnOrBefore(PropertyName='msdyn_clienttimestamp',PropertyValue='9999-12-31')`));
      // A bound past the instants JavaScript's Date holds is named by the range, not as "NaN/NaN/0NaN".
      refused(await filter(`${NS}.OlderThanXWeeks(PropertyName='msdyn_clienttimestamp',PropertyValue=2000000000)`),
        'The date-time is outside the range supported by CrmDateTime, 01/01/1753 00:00:00 to 12/30/9999 23:59:59.');
    });
  });
}
