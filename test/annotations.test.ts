import { expect } from 'chai';
import { call, DATABASES, startServer, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';
const FV = 'OData.Community.Display.V1.FormattedValue';
const LLN = 'Microsoft.Dynamics.CRM.lookuplogicalname';
const ANP = 'Microsoft.Dynamics.CRM.associatednavigationproperty';
const HELP = 'Microsoft.PowerApps.CDS.HelpLink';
const INNER = 'Microsoft.PowerApps.CDS.InnerError.Message';

for (const database of DATABASES) {
  describe(`annotations (Prefer: odata.include-annotations) [${database.name}]`, () => {
    let s: TestServer;
    let id: string;
    let dataId: string;
    before(async () => {
      s = await startServer(undefined, database);
      dataId = (await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'Payload #1' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractiondataid;
      id = (await call('POST', `${s.root}${SET}`, {
        msdyn_name: 'annotated', msdyn_interactiontype: 100230302, importsequencenumber: 9500, msdyn_clienttimestamp: '2023-04-07T14:59:00Z',
        overriddencreatedon: '2023-04-01', 'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${dataId})`,
      }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractionid;
      await call('POST', `${s.root}${SET}`, { msdyn_name: 'plain' });
    });
    after(async () => { await s.close(); });

    it('adds FormattedValue, lookuplogicalname and associatednavigationproperty with "*", in Dataverse\'s order', async () => {
      const r = await call('GET', `${s.root}${SET}(${id})?$select=msdyn_name,msdyn_interactiontype,statecode,importsequencenumber,msdyn_clienttimestamp,createdon,overriddencreatedon,_msdyn_interactiondataid_value,_createdby_value,_modifiedonbehalfby_value`, undefined, { Prefer: 'odata.include-annotations="*"' });
      expect(r.status).to.equal(200);
      expect(r.headers.get('preference-applied')).to.equal('odata.include-annotations="*"');
      const keys = Object.keys(r.json);
      expect(keys.slice(0, 2)).to.deep.equal(['@odata.context', '@odata.etag']);
      expect(r.json).to.include({
        [`msdyn_interactiontype@${FV}`]: 'ThumbsDown',
        [`statecode@${FV}`]: 'Active',
        [`importsequencenumber@${FV}`]: '9,500',
        [`msdyn_clienttimestamp@${FV}`]: '4/7/2023 2:59 PM',
        [`createdon@${FV}`]: '4/1/2023 12:00 AM',
        [`_msdyn_interactiondataid_value@${FV}`]: 'Payload #1',
        [`_msdyn_interactiondataid_value@${LLN}`]: 'msdyn_copilotinteractiondata',
        [`_msdyn_interactiondataid_value@${ANP}`]: 'msdyn_interactiondataid',
        [`_createdby_value@${FV}`]: 'SYSTEM',
        [`_createdby_value@${LLN}`]: 'systemuser',
      });
      const i = keys.indexOf('_msdyn_interactiondataid_value');
      expect(keys.slice(i - 3, i + 1)).to.deep.equal([`_msdyn_interactiondataid_value@${ANP}`, `_msdyn_interactiondataid_value@${LLN}`, `_msdyn_interactiondataid_value@${FV}`, '_msdyn_interactiondataid_value']);
      expect(keys.indexOf(`msdyn_interactiontype@${FV}`)).to.equal(keys.indexOf('msdyn_interactiontype') - 1);
      // A DateOnly-format column is formatted without its time (the migration's date: today).
      expect(r.json[`overriddencreatedon@${FV}`]).to.match(/^\d{1,2}\/\d{1,2}\/\d{4}$/);
      expect(r.json).to.not.have.property(`msdyn_name@${FV}`);
      expect(r.json).to.not.have.property(`_modifiedonbehalfby_value@${FV}`);
      expect(r.json).to.have.property('_modifiedonbehalfby_value', null);
    });

    it('orders by a column named like a looked-up primary name (systemusers by fullname, createdby formatted)', async () => {
      const r = await call('GET', `${s.root}systemusers?$select=fullname,_createdby_value&$orderby=fullname`, undefined, { Prefer: 'odata.include-annotations="*"' });
      expect(r.status, r.text).to.equal(200);
      expect(r.json.value[0]).to.include({ fullname: 'SYSTEM', [`_createdby_value@${FV}`]: 'SYSTEM' });
    });

    it('annotates expanded rows as top-level ones, single-valued and collection-valued, nested too', async () => {
      const expand = '$expand=createdby($select=fullname,createdon),msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid($select=msdyn_interactiontype,statecode,_createdby_value;$expand=createdby($select=fullname,createdon))';
      const r = await call('GET', `${s.root}msdyn_copilotinteractiondatas(${dataId})?$select=msdyn_name&${expand}`, undefined, { Prefer: 'odata.include-annotations="*"' });
      expect(r.status, r.text).to.equal(200);
      expect(Object.keys(r.json.createdby)).to.deep.equal(['@odata.etag', 'fullname', `createdon@${FV}`, 'createdon', 'systemuserid', 'ownerid']);
      const [child] = r.json.msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid;
      expect(child).to.deep.include({
        [`msdyn_interactiontype@${FV}`]: 'ThumbsDown',
        [`statecode@${FV}`]: 'Active',
        [`_createdby_value@${ANP}`]: 'createdby',
        [`_createdby_value@${LLN}`]: 'systemuser',
        [`_createdby_value@${FV}`]: 'SYSTEM',
        msdyn_copilotinteractionid: id,
      });
      expect(child.createdby).to.have.property(`createdon@${FV}`);
      expect(Object.keys(child).filter((k) => k.startsWith('$'))).to.deep.equal([]);
      const lookupsOnly = await call('GET', `${s.root}msdyn_copilotinteractiondatas(${dataId})?$select=msdyn_name&${expand}`, undefined, { Prefer: `odata.include-annotations="${LLN}"` });
      const [bare] = lookupsOnly.json.msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid;
      expect(Object.keys(bare)).to.deep.equal(['@odata.etag', 'msdyn_interactiontype', 'statecode', `_createdby_value@${LLN}`, '_createdby_value', 'msdyn_copilotinteractionid', 'createdby']);
      const none = await call('GET', `${s.root}msdyn_copilotinteractiondatas(${dataId})?$select=msdyn_name&${expand}`);
      expect(Object.keys(none.json.createdby)).to.deep.equal(['@odata.etag', 'fullname', 'createdon', 'systemuserid', 'ownerid']);
    });

    it('honours a list of terms and wildcards', async () => {
      const only = await call('GET', `${s.root}${SET}(${id})?$select=msdyn_interactiontype,_createdby_value`, undefined, { Prefer: `odata.include-annotations="${FV}"` });
      expect(only.json).to.have.property(`msdyn_interactiontype@${FV}`, 'ThumbsDown');
      expect(only.json).to.not.have.property(`_createdby_value@${LLN}`);
      const crm = await call('GET', `${s.root}${SET}(${id})?$select=msdyn_interactiontype,_createdby_value`, undefined, { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.*"' });
      expect(crm.json).to.have.property(`_createdby_value@${LLN}`, 'systemuser');
      expect(crm.json).to.not.have.property(`msdyn_interactiontype@${FV}`);
      const none = await call('GET', `${s.root}${SET}(${id})?$select=msdyn_interactiontype`);
      expect(Object.keys(none.json).some((k) => k.includes('@OData.Community'))).to.equal(false);
      expect(none.headers.get('preference-applied')).to.equal(null);
    });

    it('annotates collections, with totalrecordcount and totalrecordcountlimitexceeded', async () => {
      const prefer = 'odata.include-annotations="Microsoft.Dynamics.CRM.totalrecordcount,Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded,OData.Community.Display.V1.FormattedValue",odata.maxpagesize=1';
      const r = await call('GET', `${s.root}${SET}?$select=msdyn_name,msdyn_interactiontype&$orderby=msdyn_name&$count=true`, undefined, { Prefer: prefer });
      expect(Object.keys(r.json)).to.deep.equal(['@odata.context', '@odata.count', '@Microsoft.Dynamics.CRM.totalrecordcount', '@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded', 'value', '@odata.nextLink']);
      expect(r.json['@Microsoft.Dynamics.CRM.totalrecordcount']).to.equal(2);
      expect(r.json['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded']).to.equal(false);
      expect(r.json.value[0][`msdyn_interactiontype@${FV}`]).to.equal('ThumbsDown');
      expect(r.headers.get('preference-applied')).to.contain('odata.include-annotations=').and.contain('odata.maxpagesize=1');
      const noCount = await call('GET', `${s.root}${SET}?$select=msdyn_name`, undefined, { Prefer: 'odata.include-annotations="*"' });
      expect(noCount.json['@Microsoft.Dynamics.CRM.totalrecordcount']).to.equal(-1);
    });

    it('annotates the representation of a write and never answers 304 with annotations', async () => {
      const r = await call('PATCH', `${s.root}${SET}(${id})?$select=statecode,statuscode`, { statecode: 1 }, { Prefer: 'return=representation,odata.include-annotations="*"' });
      expect(r.status).to.equal(200);
      expect(r.json).to.include({ [`statecode@${FV}`]: 'Inactive', [`statuscode@${FV}`]: 'Inactive' });
      expect(r.headers.get('preference-applied')).to.equal('return=representation,odata.include-annotations="*"');
      const etag = r.headers.get('etag')!;
      expect((await call('GET', `${s.root}${SET}(${id})`, undefined, { 'If-None-Match': etag, Prefer: 'odata.include-annotations="*"' })).status).to.equal(200);
      expect((await call('GET', `${s.root}${SET}(${id})`, undefined, { 'If-None-Match': etag })).status).to.equal(304);
    });

    it('adds HelpLink and InnerError.Message to platform errors when asked, after code and message', async () => {
      const missing = `${s.root}${SET}(00000000-0000-0000-0000-000000000001)`;
      const plain = await call('GET', missing);
      expect(plain.status).to.equal(404);
      expect(Object.keys(plain.json.error)).to.deep.equal(['code', 'message']);
      const r = await call('GET', missing, undefined, { Prefer: 'odata.include-annotations="*"' });
      expect(r.status).to.equal(404);
      expect(r.json.error).to.deep.equal({
        code: '0x80040217',
        message: plain.json.error.message,
        [`@${HELP}`]: 'http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a80040217&client=platform',
        [`@${INNER}`]: plain.json.error.message,
      });
      expect(Object.keys(r.json.error).slice(0, 2)).to.deep.equal(['code', 'message']);
    });

    it('selects error annotations by term, wildcard and exclusion, never on OData-layer errors', async () => {
      const bad = { msdyn_name: 'x', msdyn_interactiontype: 7 };
      const only = await call('POST', `${s.root}${SET}`, bad, { Prefer: `odata.include-annotations="${HELP}"` });
      expect(only.status).to.equal(400);
      expect(Object.keys(only.json.error)).to.deep.equal(['code', 'message', `@${HELP}`]);
      expect(only.json.error[`@${HELP}`]).to.contain(`%3a${only.json.error.code.slice(2)}&`);
      const wildcard = await call('POST', `${s.root}${SET}`, bad, { Prefer: `odata.include-annotations="Microsoft.PowerApps.CDS.*,-${HELP}"` });
      expect(Object.keys(wildcard.json.error)).to.deep.equal(['code', 'message', `@${INNER}`]);
      const others = await call('POST', `${s.root}${SET}`, bad, { Prefer: `odata.include-annotations="${FV},Microsoft.PowerApps.CDS.ErrorDetails*"` });
      expect(Object.keys(others.json.error)).to.deep.equal(['code', 'message']);
      const odataLayer = await call('POST', `${s.root}${SET}`, { nosuchcolumn: 1 }, { Prefer: 'odata.include-annotations="*"' });
      expect(odataLayer.status).to.equal(400);
      expect(odataLayer.json.error.code).to.equal('0x0');
      expect(Object.keys(odataLayer.json.error)).to.deep.equal(['code', 'message']);
    });

    it('annotates errors of a request whose other preferences are refused, and of $batch parts', async () => {
      const badPrefer = await call('GET', `${s.root}${SET}`, undefined, { Prefer: 'odata.include-annotations="*", odata.maxpagesize=0' });
      expect(badPrefer.status).to.equal(400);
      expect(badPrefer.json.error).to.have.property(`@${INNER}`, badPrefer.json.error.message);
      const boundary = 'batch_errors';
      const body = [
        `--${boundary}`, 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '',
        `GET ${s.root}${SET}(00000000-0000-0000-0000-000000000002) HTTP/1.1`, 'Prefer: odata.include-annotations="*"', '', '',
        `--${boundary}--`, '',
      ].join('\r\n');
      const batch = await fetch(`${s.root}$batch`, { method: 'POST', headers: { 'Content-Type': `multipart/mixed; boundary=${boundary}` }, body });
      const text = await batch.text();
      expect(text).to.contain('"code":"0x80040217"');
      expect(text).to.contain(`"@${HELP}":"http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a80040217&client=platform"`);
    });

    it('formats booleans as Yes/No', async () => {
      const r = await call('GET', `${s.root}systemusers?$select=fullname,isdisabled`, undefined, { Prefer: 'odata.include-annotations="*"' });
      await call('PATCH', `${s.root}systemusers(${s.service.caller.systemuserid})`, { isdisabled: false });
      const after = await call('GET', `${s.root}systemusers(${s.service.caller.systemuserid})?$select=isdisabled`, undefined, { Prefer: 'odata.include-annotations="*"' });
      expect(r.status).to.equal(200);
      expect(after.json[`isdisabled@${FV}`]).to.equal('No');
    });
  });
}
