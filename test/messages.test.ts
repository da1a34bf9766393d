import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseStringPromise } from 'xml2js';
import { call, copyMetadata, DATABASES, startServer, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';
const TYPE = 'Microsoft.Dynamics.CRM.msdyn_copilotinteraction';
const NS = 'Microsoft.Dynamics.CRM';

/** A table with an alternate key and an enforced state model, for UpsertMultiple and transitions. */
const TICKET = {
  LogicalName: 'new_ticket', EntitySetName: 'new_tickets', PrimaryIdAttribute: 'new_ticketid', PrimaryNameAttribute: 'new_title',
  OwnershipType: 'OrganizationOwned', EnforceStateTransitions: true,
  Attributes: [
    { LogicalName: 'new_title', AttributeType: 'String', MaxLength: 100 },
    { LogicalName: 'new_code', AttributeType: 'String', MaxLength: 20 },
    { LogicalName: 'new_seq', AttributeType: 'Integer', MinValue: 0, MaxValue: 1000 },
    { LogicalName: 'statecode', AttributeType: 'State', OptionSet: { Options: [
      { Value: 0, Label: 'Active', DefaultStatus: 1, InvariantName: 'Active' },
      { Value: 1, Label: 'Resolved', DefaultStatus: 2, InvariantName: 'Resolved' },
    ] } },
    { LogicalName: 'statuscode', AttributeType: 'Status', OptionSet: { Options: [
      { Value: 1, Label: 'New', State: 0, TransitionData: '<allowedtransitions xmlns="http://schemas.microsoft.com/crm/2009/WebServices"><allowedtransition sourcestatusid="1" tostatusid="3" /></allowedtransitions>' },
      { Value: 3, Label: 'In progress', State: 0 },
      { Value: 2, Label: 'Solved', State: 1 },
    ] } },
  ],
  Keys: [{ LogicalName: 'new_code_key', KeyAttributes: ['new_code'] }, { LogicalName: 'new_seq_key', KeyAttributes: ['new_seq'] }],
};

/** A column of every type the bulk path writes (PostgreSQL: binary COPY), for a like-for-like check against single creates. */
const SAMPLE = {
  LogicalName: 'new_sample', EntitySetName: 'new_samples', PrimaryIdAttribute: 'new_sampleid', PrimaryNameAttribute: 'new_name',
  OwnershipType: 'OrganizationOwned',
  Attributes: [
    { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
    { LogicalName: 'new_notes', AttributeType: 'Memo', MaxLength: 10000 },
    { LogicalName: 'new_count', AttributeType: 'Integer' },
    { LogicalName: 'new_big', AttributeType: 'BigInt' },
    // Dataverse's own BigInt range: beyond 2^53, where a JSON number stands for many integers.
    { LogicalName: 'new_huge', AttributeType: 'BigInt', MinValue: -9223372036854775808, MaxValue: 9223372036854775807 },
    // A range wider than an Integer column holds is kept to int4, as BigInt ranges are to int8.
    { LogicalName: 'new_wide', AttributeType: 'Integer', MinValue: -3000000000, MaxValue: 3000000000 },
    { LogicalName: 'new_amount', AttributeType: 'Decimal', Precision: 3 },
    { LogicalName: 'new_price', AttributeType: 'Money', Precision: 2 },
    { LogicalName: 'new_ratio', AttributeType: 'Double' },
    { LogicalName: 'new_flag', AttributeType: 'Boolean' },
    { LogicalName: 'new_optout', AttributeType: 'Boolean', DefaultValue: true },
    { LogicalName: 'new_when', AttributeType: 'DateTime' },
    { LogicalName: 'new_day', AttributeType: 'DateTime', DateTimeBehavior: 'DateOnly' },
    { LogicalName: 'new_kind', AttributeType: 'Picklist', OptionSet: { Options: [{ Value: 1, Label: 'One' }, { Value: 100000000, Label: 'Big' }] } },
    { LogicalName: 'new_userid', AttributeType: 'Lookup', Targets: ['systemuser'] },
  ],
};

for (const database of DATABASES) {
  describe(`Dataverse messages [${database.name}]`, () => {
    let s: TestServer;
    let metadataDir: string;
    const item = (body: Record<string, unknown>) => ({ '@odata.type': TYPE, ...body });
    const createMultiple = (targets: unknown[]) => call('POST', `${s.root}${SET}/${NS}.CreateMultiple`, { Targets: targets });
    const count = async (set = SET) => Number((await call('GET', `${s.root}${set}/$count`)).text);

    before(async () => {
      metadataDir = copyMetadata();
      writeFileSync(join(metadataDir, 'new_ticket.json'), JSON.stringify(TICKET));
      writeFileSync(join(metadataDir, 'new_sample.json'), JSON.stringify(SAMPLE));
      s = await startServer(metadataDir, database, { maxTargets: 600, maxBodyBytes: 2 * 1024 * 1024 });
    });
    after(async () => {
      await s.close();
      rmSync(metadataDir, { recursive: true, force: true });
    });

    describe('$metadata', () => {
      it('declares every operation, its binding, parameters and ComplexType return type', async () => {
        const doc = await parseStringPromise((await call('GET', `${s.root}$metadata`)).text);
        const schema = doc['edmx:Edmx']['edmx:DataServices'][0].Schema[0];
        const actions = Object.fromEntries(schema.Action.map((a: any) => [a.$.Name, a]));
        const functions = Object.fromEntries(schema.Function.map((f: any) => [f.$.Name, f]));
        for (const name of ['CreateMultiple', 'UpdateMultiple', 'UpsertMultiple']) {
          expect(actions[name].$.IsBound, name).to.equal('true');
          expect(actions[name].Parameter.map((p: any) => p.$)).to.deep.equal([
            { Name: 'entityset', Type: 'Collection(mscrm.crmbaseentity)', Nullable: 'false' },
            { Name: 'Targets', Type: 'Collection(mscrm.crmbaseentity)', Nullable: 'false' },
          ]);
        }
        expect(actions['CreateMultiple'].ReturnType[0].$.Type).to.equal('mscrm.CreateMultipleResponse');
        expect(actions['UpdateMultiple'].ReturnType).to.equal(undefined);
        // Declared, though the Web API answers 204 without it (digest §6.4).
        expect(actions['UpsertMultiple'].ReturnType[0].$).to.deep.equal({ Type: 'mscrm.UpsertMultipleResponse', Nullable: 'false' });
        expect(functions['IsValidStateTransition'].$.IsBound).to.equal(undefined);
        expect(functions['IsValidStateTransition'].Parameter.map((p: any) => p.$)).to.deep.equal([
          { Name: 'Entity', Type: 'mscrm.crmbaseentity', Nullable: 'false' },
          { Name: 'NewState', Type: 'Edm.String', Nullable: 'false', Unicode: 'false' },
          { Name: 'NewStatus', Type: 'Edm.Int32', Nullable: 'false' },
        ]);
        expect(functions['WhoAmI'].ReturnType[0].$.Type).to.equal('mscrm.WhoAmIResponse');
        const complex = Object.fromEntries(schema.ComplexType.map((c: any) => [c.$.Name, c.Property.map((p: any) => `${p.$.Name}:${p.$.Type}`)]));
        expect(complex['CreateMultipleResponse']).to.deep.equal(['Ids:Collection(Edm.Guid)']);
        expect(complex['UpsertMultipleResponse']).to.deep.equal(['Results:Collection(mscrm.UpsertResponse)']);
        const upsertResponse = schema.ComplexType.find((c: any) => c.$.Name === 'UpsertResponse');
        expect([upsertResponse.Property[0].$, upsertResponse.NavigationProperty[0].$]).to.deep.equal([
          { Name: 'RecordCreated', Type: 'Edm.Boolean', Nullable: 'false' },
          { Name: 'Target', Type: 'mscrm.crmbaseentity', Nullable: 'false' },
        ]);
        expect(complex['IsValidStateTransitionResponse']).to.deep.equal(['IsValid:Edm.Boolean']);
        expect(complex['WhoAmIResponse']).to.deep.equal(['BusinessUnitId:Edm.Guid', 'UserId:Edm.Guid', 'OrganizationId:Edm.Guid']);
        const container = schema.EntityContainer[0];
        expect(container.FunctionImport.map((f: any) => f.$)).to.deep.include({ Name: 'WhoAmI', Function: `${NS}.WhoAmI` });
      });
    });

    describe('CreateMultiple', () => {
      it('creates every target in input order and returns their Ids', async () => {
        const mine = randomUUID();
        const r = await createMultiple([item({ msdyn_name: 'cm 1' }), item({ msdyn_name: 'cm 2', msdyn_copilotinteractionid: mine, msdyn_interactiontype: 100230301 }), item({ msdyn_name: 'cm 3' })]);
        expect(r.status, r.text).to.equal(200);
        expect(r.json['@odata.context']).to.equal(`${s.root}$metadata#${NS}.CreateMultipleResponse`);
        expect(Object.keys(r.json)).to.deep.equal(['@odata.context', 'Ids']);
        expect(r.json.Ids).to.have.length(3);
        expect(r.json.Ids[1]).to.equal(mine);
        const rows = await Promise.all(r.json.Ids.map((id: string) => call('GET', `${s.root}${SET}(${id})`).then((x) => x.json)));
        expect(rows.map((x) => x.msdyn_name)).to.deep.equal(['cm 1', 'cm 2', 'cm 3']);
        for (const row of rows) {
          expect(row).to.include({ statecode: 0, statuscode: 1, _createdby_value: s.service.caller.systemuserid, _organizationid_value: s.service.caller.organizationid });
          expect(row.createdon).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        }
        expect(new Set(rows.map((x) => x.versionnumber)).size).to.equal(3);
      });

      it('stores strings with quotes, backslashes, tabs, line breaks, braces, commas, NULL and \\N exactly as sent (an empty text as null, as a single create does)', async () => {
        const names = ['say "hi"', 'C:\\temp\\x', 'NULL', '\\N', '{a,b}', '', ' lead, trail ', 'ünï \\" mix', 'tab\there', 'two\nlines\r\nend'];
        const r = await createMultiple(names.map((msdyn_name) => item({ msdyn_name, msdyn_scenariorequestid: msdyn_name })));
        expect(r.status, r.text).to.equal(200);
        const rows = await Promise.all(r.json.Ids.map((id: string) => call('GET', `${s.root}${SET}(${id})`).then((x) => x.json)));
        const stored = names.map((n) => (n === '' ? null : n));
        expect(rows.map((x) => x.msdyn_name)).to.deep.equal(stored);
        expect(rows.map((x) => x.msdyn_scenariorequestid)).to.deep.equal(stored);
      });

      it('stores every column type as a single create stores it (extremes, rounding, zones, nulls)', async () => {
        const user = s.service.caller.systemuserid;
        const bodies: Array<Record<string, unknown>> = [
          { new_name: 'plain', new_notes: 'x'.repeat(5000), new_count: 0, new_big: 0, new_amount: 0, new_price: 0, new_ratio: 0, new_flag: false, new_when: '2000-01-01T00:00:00Z', new_day: '2000-01-01', new_kind: 1 },
          { new_name: 'lows', new_count: -2147483648, new_big: -9007199254740991, new_huge: -9223372036854774784, new_amount: -99999999999.999, new_price: -922337203685477, new_ratio: -99999999999.5, new_flag: true, new_when: '1753-01-01T00:00:00Z', new_day: '1753-01-01', new_kind: 100000000 },
          { new_name: 'highs', new_count: 2147483647, new_big: 9007199254740991, new_huge: 9223372036854774784, new_amount: 100000000000, new_price: 922337203685477, new_ratio: 100000000000, new_when: '9999-12-30T23:59:59Z', new_day: '9999-12-30' },
          { new_name: 'fractions', new_huge: 1152921504606846977, new_amount: 0.0005, new_price: 12.345, new_ratio: 3.141592653589793, new_when: '1999-12-31T23:59:59Z', new_day: '1999-12-31' },
          { new_name: 'tiny', new_amount: 1e-7, new_price: -0.005, new_ratio: 1e-300, new_when: '2024-02-29T23:59:59.999Z', new_day: '2024-02-29' },
          { new_name: 'digits', new_amount: 12345678.9012, new_price: 0.1, new_ratio: -0.000001, new_when: '2024-03-01T10:00:00+02:00', new_day: '2024-03-01' },
          { new_name: 'ünï 😀 \\N\t"\n', new_notes: 'tab\there\r\nnext \\ NULL', new_big: 1, new_amount: -1.5, new_price: 1e6, 'new_userid@odata.bind': `/systemusers(${user})` },
          { new_name: null, new_notes: null, new_count: null, new_big: null, new_amount: null, new_price: null, new_ratio: null, new_flag: null, new_optout: null, new_when: null, new_day: null, new_kind: null, 'new_userid@odata.bind': null },
        ];
        const one = [];
        for (const body of bodies) {
          const r = await call('POST', `${s.root}new_samples`, body, { Prefer: 'return=representation' });
          expect(r.status, r.text).to.equal(201);
          one.push(r.json);
        }
        const bulk = await call('POST', `${s.root}new_samples/${NS}.CreateMultiple`, { Targets: bodies.map((b) => ({ '@odata.type': `${NS}.new_sample`, ...b })) });
        expect(bulk.status, bulk.text).to.equal(200);
        const many = await Promise.all(bulk.json.Ids.map((id: string) => call('GET', `${s.root}new_samples(${id})`).then((x) => x.json)));
        const columns = (row: Record<string, unknown>) => Object.fromEntries(SAMPLE.Attributes.map(({ LogicalName: n }) => (n === 'new_userid' ? `_${n}_value` : n)).map((k) => [k, row[k]]));
        expect(many.map(columns)).to.deep.equal(one.map(columns));
        // The single path is the reference; a few values pinned, so both cannot be wrong alike.
        expect(many[0]).to.include({ new_when: '2000-01-01T00:00:00Z', new_day: '2000-01-01', new_flag: false });
        expect(many[2]).to.include({ new_big: 9007199254740991, new_count: 2147483647, new_when: '9999-12-30T23:59:59Z', new_day: '9999-12-30' });
        // A Boolean left out takes its DefaultValue (false unless the file says otherwise); a null sent stays null.
        expect(many[2]).to.include({ new_flag: false, new_optout: true });
        expect(many[1]).to.include({ new_flag: true, new_optout: true });
        expect(many[5]).to.include({ new_when: '2024-03-01T08:00:00Z', new_price: 0.1 });
        // Decimal and Money values are rounded to their Precision, half away from zero, on every database.
        expect(many[3]).to.include({ new_amount: 0.001, new_price: 12.35 });
        expect(many[4]).to.include({ new_amount: 0, new_price: -0.01 });
        expect(many[5]).to.include({ new_amount: 12345678.901 });
        expect(many[6]).to.include({ new_name: 'ünï 😀 \\N\t"\n', new_notes: 'tab\there\r\nnext \\ NULL', _new_userid_value: user });
        expect(Object.values(columns(many[7])).every((v) => v === null), JSON.stringify(many[7])).to.equal(true);
        // A JSON number past 2^53 is stored as JSON parsing reads it (1152921504606846976), by both
        // paths alike; filters compare exactly, so the digits sent find neither row, those stored both.
        const huge = await call('GET', `${s.root}new_samples/$count?$filter=new_huge eq 1152921504606846976`);
        expect(huge.text).to.equal('2');
        expect((await call('GET', `${s.root}new_samples/$count?$filter=new_huge eq 1152921504606846977`)).text).to.equal('0');
        // Past the largest double below 2^63 a value cannot be stored: refused before any SQL.
        const over = await call('POST', `${s.root}new_samples/${NS}.CreateMultiple`, { Targets: [{ '@odata.type': `${NS}.new_sample`, new_huge: 9223372036854775807 }, { '@odata.type': `${NS}.new_sample` }] });
        expect(over.status, over.text).to.equal(400);
        for (const wide of [3000000000, -2147483649]) {
          const r = await call('POST', `${s.root}new_samples/${NS}.CreateMultiple`, { Targets: [{ '@odata.type': `${NS}.new_sample`, new_wide: wide }, { '@odata.type': `${NS}.new_sample`, new_wide: wide }] });
          expect(r.status, r.text).to.equal(400);
          expect(r.json.error.code).to.equal('0x8004432F');
          expect(r.json.error.message).to.contain('Accepted Values: -2147483648 to 2147483647');
        }
        const widest = await call('POST', `${s.root}new_samples/${NS}.CreateMultiple`, { Targets: [{ '@odata.type': `${NS}.new_sample`, new_wide: 2147483647 }, { '@odata.type': `${NS}.new_sample`, new_wide: -2147483648 }] });
        expect(widest.status, widest.text).to.equal(200);
        // The string form carries digits a double cannot: refused rather than stored as a neighbour, on every write path.
        const inexact = await call('POST', `${s.root}new_samples`, { new_huge: '9007199254740993' });
        expect(inexact.status, inexact.text).to.equal(400);
        expect(inexact.json.error.code).to.equal('0x8004432F');
        expect(inexact.json.error.message).to.contain("The value 9007199254740993 of 'new_huge' on record of type 'new_sample' cannot be held exactly");
        const bulkInexact = await call('POST', `${s.root}new_samples/${NS}.CreateMultiple`, { Targets: [{ '@odata.type': `${NS}.new_sample`, new_huge: '-1152921504606846977' }] });
        expect(bulkInexact.status, bulkInexact.text).to.equal(400);
        const exact = await call('POST', `${s.root}new_samples`, { new_huge: '1152921504606846976' }, { Prefer: 'return=representation' });
        expect(exact.status, exact.text).to.equal(201);
        expect(exact.json.new_huge).to.equal(1152921504606846976);
        // FormattedValue shows a Decimal with its Precision's digits, as Dataverse does.
        const formatted = await call('GET', `${s.root}new_samples?$select=new_amount&$filter=new_name eq 'digits'`, undefined, { Prefer: 'odata.include-annotations="*"' });
        expect(formatted.json.value.map((v: Record<string, unknown>) => v['new_amount@OData.Community.Display.V1.FormattedValue'])).to.deep.equal(['12,345,678.901', '12,345,678.901']);
        const plain = await call('GET', `${s.root}new_samples?$select=new_amount&$filter=new_name eq 'plain'`, undefined, { Prefer: 'odata.include-annotations="*"' });
        expect(plain.json.value[0]['new_amount@OData.Community.Display.V1.FormattedValue']).to.equal('0.000');
        // Two values near 2^63 sum past any int8: 400 0x80040203 on every database, as SQL Server's
        // arithmetic overflow, not a database error and not a number no Int64 holds.
        const sum = await call('GET', `${s.root}new_samples?$apply=${encodeURIComponent("filter(new_name eq 'highs')/aggregate(new_huge with sum as s)")}`);
        expect(sum.status, sum.text).to.equal(400);
        expect(sum.json.error.code).to.equal('0x80040203');
      });

      it('is all or nothing: 500 targets with one invalid item write no row, and the error names the item', async () => {
        const before = await count();
        const targets = Array.from({ length: 500 }, (_, i) => item({ msdyn_name: i === 317 ? 'x'.repeat(101) : `bulk ${i}` }));
        const r = await createMultiple(targets);
        expect(r.status).to.equal(400);
        expect(r.json.error.code).to.equal('0x80044331');
        expect(r.json.error.message).to.match(/^Targets\[317\]: A validation error occurred/);
        expect(await count()).to.equal(before);
        const ok = await createMultiple(targets.map((t, i) => (i === 317 ? item({ msdyn_name: 'fixed' }) : t)));
        expect(ok.status).to.equal(200);
        expect(await count()).to.equal(before + 500);
      });

      it('requires the right @odata.type on every target', async () => {
        const before = await count();
        const missing = await createMultiple([item({ msdyn_name: 'a' }), { msdyn_name: 'b' }]);
        expect(missing.status).to.equal(400);
        // The index once: `Targets[1]: Targets[1]: …` was printed before.
        expect(missing.json.error.message).to.match(/^Targets\[1\]: (?!Targets).*'@odata.type' annotation is required/);
        const wrong = await createMultiple([{ '@odata.type': `${NS}.systemuser`, fullname: 'x' }]);
        expect(wrong.status).to.equal(400);
        expect(wrong.json.error.message).to.match(/^Targets\[0\]: (?!Targets)/);
        for (const [bad, what] of [[null, 'null'], [['x'], 'an array'], ['x', 'string']] as const) {
          for (const name of ['CreateMultiple', 'UpdateMultiple', 'UpsertMultiple']) {
            const r = await call('POST', `${s.root}${SET}/${NS}.${name}`, { Targets: [item({ msdyn_copilotinteractionid: randomUUID(), msdyn_name: 'a' }), bad] });
            expect(r.status, `${name} ${r.text}`).to.equal(400);
            expect(r.json.error.message).to.match(/^Targets\[1\]: (?!Targets)/);
            expect(r.json.error.message).to.contain(`Each record in Targets is a JSON object with its '@odata.type' ("@odata.type": "Microsoft.Dynamics.CRM.msdyn_copilotinteraction"), not ${what}.`);
          }
        }
        expect(await count()).to.equal(before);
      });

      it('rolls back on a duplicate primary key and names the item (412 0x80040237): repeated in the batch or already stored', async () => {
        const before = await count();
        const id = randomUUID();
        const twice = await createMultiple([item({ msdyn_copilotinteractionid: id }), item({ msdyn_name: 'x' }), item({ msdyn_copilotinteractionid: id })]);
        expect(twice.status).to.equal(412);
        expect(twice.json.error).to.deep.equal({ code: '0x80040237', message: 'Targets[2]: A record with matching key values already exists.' });
        expect(await count()).to.equal(before);
        const existing = (await createMultiple([item({ msdyn_name: 'stored' })])).json.Ids[0];
        const clash = await createMultiple([item({ msdyn_name: 'new' }), item({ msdyn_copilotinteractionid: existing.toUpperCase() })]);
        expect(clash.status).to.equal(412);
        expect(clash.json.error.message).to.equal('Targets[1]: A record with matching key values already exists.');
        expect(await count()).to.equal(before + 1);
      });

      it('checks lookup targets and names the item', async () => {
        const r = await createMultiple([item({ msdyn_name: 'ok' }), item({ 'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${randomUUID()})` })]);
        expect(r.status).to.equal(404);
        expect(r.json.error.message).to.match(/^Targets\[1\]: msdyn_copilotinteractiondata With Id = .* Does Not Exist$/);
      });

      it('rolls back rows sent before a later item fails: lookup, repeated key and stored key past the first 200 items', async () => {
        // Rows are planned and written 200 items at a time, so these failures come after rows were sent.
        const before = await count();
        const data = (await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'shared' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractiondataid;
        const bind = { 'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${data})` };
        const targets = () => Array.from({ length: 480 }, (_, i) => item({ msdyn_name: `step ${i}`, ...bind }));
        const missing = targets();
        missing[420] = item({ 'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${randomUUID()})` });
        const lookup = await createMultiple(missing);
        expect(lookup.status, lookup.text).to.equal(404);
        expect(lookup.json.error.message).to.match(/^Targets\[420\]: msdyn_copilotinteractiondata With Id = .* Does Not Exist$/);
        const mine = randomUUID();
        const repeated = targets();
        repeated[3] = item({ msdyn_copilotinteractionid: mine });
        repeated[450] = item({ msdyn_copilotinteractionid: mine });
        const twice = await createMultiple(repeated);
        expect(twice.status, twice.text).to.equal(412);
        expect(twice.json.error.message).to.equal('Targets[450]: A record with matching key values already exists.');
        const [stored] = (await createMultiple([item({ msdyn_name: 'stored' })])).json.Ids;
        const clashing = targets();
        clashing[430] = item({ msdyn_copilotinteractionid: stored });
        const clash = await createMultiple(clashing);
        expect(clash.status, clash.text).to.equal(412);
        expect(clash.json.error.message).to.equal('Targets[430]: A record with matching key values already exists.');
        expect(await count()).to.equal(before + 1);
        const ok = await createMultiple(targets());
        expect(ok.status, ok.text).to.equal(200);
        expect(await count()).to.equal(before + 481);
        const linked = await call('GET', `${s.root}${SET}/$count?$filter=_msdyn_interactiondataid_value eq ${data}`);
        expect(linked.text).to.equal('480');
      });

      /** The versionnumber of each row, in the order of `ids`. */
      const versionsOf = async (ids: readonly string[]): Promise<number[]> => {
        const byId = new Map<string, number>();
        for (let i = 0; i < ids.length; i += 50) {
          const filter = ids.slice(i, i + 50).map((id) => `msdyn_copilotinteractionid eq ${id}`).join(' or ');
          const page = await call('GET', `${s.root}${SET}?$select=versionnumber&$filter=${encodeURIComponent(filter)}`);
          for (const row of page.json.value) byId.set(row.msdyn_copilotinteractionid, row.versionnumber);
        }
        return ids.map((id) => byId.get(id)!);
      };

      it('gives every row of concurrent requests its own row version', async () => {
        const answers = await Promise.all(Array.from({ length: 4 }, (_, k) => createMultiple(Array.from({ length: 250 }, (_, i) => item({ msdyn_name: `concurrent ${k}-${i}` })))));
        for (const r of answers) expect(r.status, r.text).to.equal(200);
        const versions = (await Promise.all(answers.map((r) => versionsOf(r.json.Ids)))).flat();
        expect(versions.filter((v) => typeof v === 'number')).to.have.length(1000);
        expect(new Set(versions).size).to.equal(1000);
      });

      if (database.name === 'postgres') {
        it('reserves row versions a block of 1,000 per nextval: consecutive within a write, several blocks for more rows', async () => {
          const r = await createMultiple(Array.from({ length: 30 }, (_, i) => item({ msdyn_name: `block ${i}` })));
          expect(r.status, r.text).to.equal(200);
          const versions = await versionsOf(r.json.Ids);
          expect(versions.slice(1).map((v, i) => v - versions[i]!)).to.deep.equal(Array(29).fill(1));
          const runs = await s.db.rows(s.db.dialect.reserveVersions(2500));
          const first = Number(runs[0]![0]);
          expect(runs.map(([start, length]) => [Number(start) - first, Number(length)])).to.deep.equal([[0, 1000], [1000, 1000], [2000, 500]]);
          expect(first - versions[0]!).to.equal(1000);
          const next = await createMultiple([item({ msdyn_name: 'after the blocks' })]);
          expect((await versionsOf(next.json.Ids))[0]).to.equal(first + 3000);
        });
      }

      it('rolls back on a duplicate alternate key found by the database, early or late in the rows sent, and names the item (412 0x80060892)', async () => {
        const t = `${NS}.new_ticket`;
        const tickets = (prefix: string) => Array.from({ length: 450 }, (_, i) => ({ '@odata.type': t, new_title: `ticket ${i}`, new_code: `${prefix}-${i}` }));
        const createTickets = (targets: unknown[]) => call('POST', `${s.root}new_tickets/${NS}.CreateMultiple`, { Targets: targets });
        const before = await count('new_tickets');
        // Keys compare as the column does: case-insensitively.
        for (const [first, second] of [[1, 2], [10, 420]] as const) {
          const targets = tickets(`K${first}`);
          targets[second]!.new_code = targets[first]!.new_code.toLowerCase();
          const r = await createTickets(targets);
          expect(r.status, r.text).to.equal(412);
          expect(r.json.error).to.deep.equal({ code: '0x80060892', message: `Targets[${second}]: Entity Key new_code_key violated. A record with the same value for new_code already exists. A duplicate record cannot be created. Select one or more unique values and try again.` });
          expect(await count('new_tickets')).to.equal(before);
        }
        expect((await createTickets([{ '@odata.type': t, new_title: 'stored', new_code: 'STORED-1' }])).status).to.equal(200);
        const clash = tickets('S');
        clash[333]!.new_code = 'stored-1';
        const stored = await createTickets(clash);
        expect(stored.status, stored.text).to.equal(412);
        expect(stored.json.error.message).to.equal('Targets[333]: Entity Key new_code_key violated. A record with the same value for new_code already exists. A duplicate record cannot be created. Select one or more unique values and try again.');
        const one = await createTickets([{ '@odata.type': t, new_title: 'again', new_code: 'Stored-1' }]);
        expect(one.json.error).to.deep.equal({ code: '0x80060892', message: 'Targets[0]: Entity Key new_code_key violated. A record with the same value for new_code already exists. A duplicate record cannot be created. Select one or more unique values and try again.' });
        expect(await count('new_tickets')).to.equal(before + 1);
        expect((await call('DELETE', `${s.root}new_tickets(new_code='STORED-1')`)).status).to.equal(204);
      });

      it('limits the number of targets and the body size', async () => {
        const tooMany = await createMultiple(Array.from({ length: 601 }, () => item({})));
        expect(tooMany.status).to.equal(400);
        expect(tooMany.json.error.message).to.contain('at most 600');
        expect((await createMultiple([])).status).to.equal(400);
        const huge = await createMultiple([item({ msdyn_interactioncontext: 'x'.repeat(1000000) }), item({ msdyn_interactioncontext: 'y'.repeat(1100000) })]);
        expect(huge.status).to.equal(413);
        expect(huge.json.error.code).to.equal('0x8004418A');
      });
    });

    describe('UpdateMultiple', () => {
      it('updates each target by primary key (204), applying state rules', async () => {
        const ids = (await createMultiple([item({ msdyn_name: 'u1' }), item({ msdyn_name: 'u2' })])).json.Ids;
        const r = await call('POST', `${s.root}${SET}/${NS}.UpdateMultiple`, { Targets: [
          item({ msdyn_copilotinteractionid: ids[0], msdyn_name: 'u1 changed' }),
          item({ msdyn_copilotinteractionid: ids[1], statecode: 1 }),
        ] });
        expect(r.status, r.text).to.equal(204);
        expect((await call('GET', `${s.root}${SET}(${ids[0]})`)).json.msdyn_name).to.equal('u1 changed');
        expect((await call('GET', `${s.root}${SET}(${ids[1]})`)).json).to.include({ msdyn_name: 'u2', statecode: 1, statuscode: 2 });
      });

      it('fails the whole request when a row is missing (404 0x80040217) and changes nothing', async () => {
        const [id] = (await createMultiple([item({ msdyn_name: 'keep me' })])).json.Ids;
        const missing = randomUUID();
        const r = await call('POST', `${s.root}${SET}/${NS}.UpdateMultiple`, { Targets: [
          item({ msdyn_copilotinteractionid: id, msdyn_name: 'changed' }),
          item({ msdyn_copilotinteractionid: missing, msdyn_name: 'ghost' }),
        ] });
        expect(r.status).to.equal(404);
        expect(r.json.error).to.deep.equal({ code: '0x80040217', message: `msdyn_copilotinteraction With Ids = ${missing} Do Not Exist` });
        expect((await call('GET', `${s.root}${SET}(${id})`)).json.msdyn_name).to.equal('keep me');
        expect((await call('GET', `${s.root}${SET}(${missing})`)).status).to.equal(404);
      });

      it('needs the primary key on every target and validates each like a single update', async () => {
        const [id] = (await createMultiple([item({ msdyn_name: 'v' })])).json.Ids;
        const noKey = await call('POST', `${s.root}${SET}/${NS}.UpdateMultiple`, { Targets: [item({ msdyn_copilotinteractionid: id }), item({ msdyn_name: 'x' })] });
        expect(noKey.status).to.equal(400);
        expect(noKey.json.error.message).to.match(/^Targets\[1\]: /);
        const bad = await call('POST', `${s.root}${SET}/${NS}.UpdateMultiple`, { Targets: [item({ msdyn_copilotinteractionid: id, statuscode: 2 })] });
        expect(bad.status).to.equal(400);
        expect(bad.json.error.code).to.equal('0x80048408');
      });

      it('applies only the first of Targets with the same key, as Dataverse does', async () => {
        const [id] = (await createMultiple([item({ msdyn_name: 'twice' })])).json.Ids;
        const r = await call('POST', `${s.root}${SET}/${NS}.UpdateMultiple`, { Targets: [
          item({ msdyn_copilotinteractionid: id, msdyn_name: 'first' }),
          item({ msdyn_copilotinteractionid: id.toUpperCase(), msdyn_name: 'second', importsequencenumber: 7 }),
        ] });
        expect(r.status, r.text).to.equal(204);
        expect((await call('GET', `${s.root}${SET}(${id})`)).json).to.include({ msdyn_name: 'first', importsequencenumber: null });
      });
    });

    describe('UpsertMultiple', () => {
      it('creates or updates by primary key (204)', async () => {
        const [existing] = (await createMultiple([item({ msdyn_name: 'before' })])).json.Ids;
        const fresh = randomUUID();
        const r = await call('POST', `${s.root}${SET}/${NS}.UpsertMultiple`, { Targets: [
          item({ msdyn_copilotinteractionid: existing, msdyn_name: 'after' }),
          item({ msdyn_copilotinteractionid: fresh, msdyn_name: 'created' }),
        ] });
        expect(r.status, r.text).to.equal(204);
        expect((await call('GET', `${s.root}${SET}(${existing})`)).json.msdyn_name).to.equal('after');
        expect((await call('GET', `${s.root}${SET}(${fresh})`)).json).to.include({ msdyn_name: 'created', statecode: 0 });
      });

      it('takes the primary key named in @odata.id, as URLs do (new_tickets(new_ticketid=<id>))', async () => {
        const t = `${NS}.new_ticket`;
        const id = (await call('POST', `${s.root}new_tickets`, { new_title: 'named' }, { Prefer: 'return=representation' })).json.new_ticketid;
        for (const [message, title] of [['UpdateMultiple', 'named update'], ['UpsertMultiple', 'named upsert']]) {
          const r = await call('POST', `${s.root}new_tickets/${NS}.${message}`, { Targets: [{ '@odata.type': t, '@odata.id': `new_tickets(new_ticketid=${id})`, new_title: title }] });
          expect(r.status, `${message}: ${r.text}`).to.equal(204);
          expect((await call('GET', `${s.root}new_tickets(${id})?$select=new_title`)).json.new_title).to.equal(title);
        }
        expect((await call('DELETE', `${s.root}new_tickets(${id})`)).status).to.equal(204);
      });

      it('creates or updates by alternate key in @odata.id', async () => {
        const t = `${NS}.new_ticket`;
        const first = await call('POST', `${s.root}new_tickets/${NS}.UpsertMultiple`, { Targets: [
          { '@odata.type': t, '@odata.id': "new_tickets(new_code='T-1')", new_title: 'one' },
          { '@odata.type': t, '@odata.id': `${s.root}new_tickets(new_code='T-2')`, new_title: 'two' },
        ] });
        expect(first.status, first.text).to.equal(204);
        const again = await call('POST', `${s.root}new_tickets/${NS}.UpsertMultiple`, { Targets: [
          { '@odata.type': t, '@odata.id': "new_tickets(new_code='t-1')", new_title: 'one again' },
        ] });
        expect(again.status).to.equal(204);
        const rows = (await call('GET', `${s.root}new_tickets?$select=new_code,new_title&$orderby=new_code`)).json.value;
        expect(rows.map((x: { new_code: string; new_title: string }) => [x.new_code, x.new_title])).to.deep.equal([['T-1', 'one again'], ['T-2', 'two']]);
        const badKey = await call('POST', `${s.root}new_tickets/${NS}.UpsertMultiple`, { Targets: [{ '@odata.type': t, '@odata.id': "new_tickets(new_title='x')" }] });
        expect(badKey.status).to.equal(400);
        expect(badKey.json.error.message).to.match(/^Targets\[0\]: The key \(new_title\) is not an alternate key/);
      });

      it('refuses Targets that name one record twice (by primary or alternate key) and writes nothing', async () => {
        const t = `${NS}.new_ticket`;
        const fresh = randomUUID();
        const byId = await call('POST', `${s.root}${SET}/${NS}.UpsertMultiple`, { Targets: [
          item({ msdyn_copilotinteractionid: fresh, msdyn_name: 'a' }), item({ msdyn_copilotinteractionid: fresh, msdyn_name: 'b' }),
        ] });
        expect(byId.status).to.equal(400);
        expect(byId.json.error).to.deep.equal({ code: '0x80040203', message: 'Targets[1]: This record has the same key as Targets[0]; UpsertMultiple takes each record once.' });
        expect((await call('GET', `${s.root}${SET}(${fresh})`)).status).to.equal(404);
        const byKey = await call('POST', `${s.root}new_tickets/${NS}.UpsertMultiple`, { Targets: [
          { '@odata.type': t, '@odata.id': "new_tickets(new_code='DUP-1')", new_title: 'a' },
          { '@odata.type': t, '@odata.id': "new_tickets(new_code='D2')", new_title: 'b' },
          { '@odata.type': t, '@odata.id': "new_tickets(new_code='dup-1')", new_title: 'c' },
        ] });
        expect(byKey.status).to.equal(400);
        expect(byKey.json.error.message).to.equal('Targets[2]: This record has the same key as Targets[0]; UpsertMultiple takes each record once.');
        expect((await call('GET', `${s.root}new_tickets?$filter=new_code eq 'D2'`)).json.value).to.deep.equal([]);
      });

      it('creates one row when requests upsert the same new alternate key at once; the others update it', async () => {
        const t = `${NS}.new_ticket`;
        const upserts = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2
          ? call('PATCH', `${s.root}new_tickets(new_code='RACE-1')`, { new_title: `patch ${i}` })
          : call('POST', `${s.root}new_tickets/${NS}.UpsertMultiple`, { Targets: [{ '@odata.type': t, '@odata.id': "new_tickets(new_code='RACE-1')", new_title: `bulk ${i}` }] }))));
        expect(upserts.map((r) => r.status), upserts.map((r) => r.text).join(' ')).to.deep.equal(Array(8).fill(204));
        const rows = (await call('GET', `${s.root}new_tickets?$select=new_code&$filter=new_code eq 'RACE-1'`)).json.value;
        expect(rows).to.have.length(1);
        expect((await call('DELETE', `${s.root}new_tickets(${rows[0].new_ticketid})`)).status).to.equal(204);
      });

      it('an UpsertMultiple whose creates keep losing their keys to racing PATCHes and DELETEs answers 204 or the retryable 503, never the 412 of a key it only names', async () => {
        const t = `${NS}.new_ticket`;
        const keys = Array.from({ length: 8 }, (_, i) => `RACE-2${i}`);
        const url = (k: string) => `${s.root}new_tickets(new_code='${k}')`;
        // Writers creating and deleting the keys without pause, so that an upsert's lookup keeps
        // finding a row about to go, or none where one is about to be made. SQLite's writers take
        // turns, so only PostgreSQL races; there, without the 503, about every other run of 4 s
        // ended an UpsertMultiple in the 412.
        const until = Date.now() + (database.name === 'postgres' ? 4000 : 500);
        const churn = async (offset: number) => {
          for (let i = offset; Date.now() < until; i++) {
            const k = keys[i % keys.length]!;
            await call('PATCH', url(k), { new_title: 'churn' });
            await call('DELETE', url(k));
          }
        };
        const answers: Array<{ status: number; text: string; retryAfter: string | null }> = [];
        const upserts = async () => {
          while (Date.now() < until) {
            const r = await call('POST', `${s.root}new_tickets/${NS}.UpsertMultiple`, { Targets: keys.map((k) => ({ '@odata.type': t, '@odata.id': `new_tickets(new_code='${k}')`, new_title: 'bulk' })) });
            answers.push({ status: r.status, text: r.text, retryAfter: r.headers.get('retry-after') });
          }
        };
        await Promise.all([churn(0), churn(3), churn(5), upserts(), upserts()]);
        const unexpected = answers.filter((a) => a.status !== 204 && a.status !== 503);
        expect(unexpected.map((a) => `${a.status} ${a.text}`)).to.deep.equal([]);
        for (const a of answers.filter((x) => x.status === 503)) {
          expect(JSON.parse(a.text).error.code).to.equal('0x80044150');
          expect(a.retryAfter).to.equal('1');
        }
        expect(answers.filter((a) => a.status === 204)).to.not.be.empty;
        for (const row of (await call('GET', `${s.root}new_tickets?$select=new_code&$filter=startswith(new_code,'RACE-2')`)).json.value) {
          await call('DELETE', `${s.root}new_tickets(${row.new_ticketid})`);
        }
      });

      it('requests upserting the same new alternate keys at once all succeed: rows are written in key order, not in new-id order', async () => {
        const t = `${NS}.new_ticket`;
        const keys = Array.from({ length: 20 }, (_, i) => `MANY-${i}`);
        // PostgreSQL resolves a deadlock by failing one transaction, which Tessera retries: the
        // answers alone may not show it, the database's count does.
        const deadlocks = async () => Number((await s.db.rows({ sql: 'SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()', params: [] }))[0]![0]);
        const before = database.name === 'postgres' ? await deadlocks() : 0;
        const upserts = await Promise.all(Array.from({ length: 8 }, (_, r) => call('POST', `${s.root}new_tickets/${NS}.UpsertMultiple`, {
          Targets: keys.map((k) => ({ '@odata.type': t, '@odata.id': `new_tickets(new_code='${k}')`, new_title: `request ${r}` })),
        })));
        expect(upserts.map((r) => r.status), upserts.map((r) => r.text).join(' ')).to.deep.equal(Array(8).fill(204));
        const rows = (await call('GET', `${s.root}new_tickets?$select=new_code,new_title&$filter=startswith(new_code,'MANY-')`)).json.value;
        expect(rows).to.have.length(20);
        // Each request wrote every key in one transaction: the last one to commit holds all of them.
        expect(new Set(rows.map((r: { new_title: string }) => r.new_title)).size).to.equal(1);
        if (database.name === 'postgres') {
          // A backend reports its statistics within a second of going idle.
          await new Promise((resolve) => setTimeout(resolve, 1500));
          expect(await deadlocks() - before, 'deadlocks between the requests').to.equal(0);
        }
        for (const row of rows) expect((await call('DELETE', `${s.root}new_tickets(${row.new_ticketid})`)).status).to.equal(204);
      });

      it('UpsertMultiple by alternate key locks rows in id order, as UpdateMultiple does: the two over the same rows never deadlock', async () => {
        const t = `${NS}.new_ticket`;
        // Ids in the reverse order of their keys: key order and id order disagree.
        const rows = [['ffffffff-0000-4000-8000-0000000000a1', 'ORDER-A'], ['00000000-0000-4000-8000-0000000000b2', 'ORDER-B']] as const;
        for (const [id, code] of rows) expect((await call('POST', `${s.root}new_tickets`, { new_ticketid: id, new_code: code, new_title: 'order' })).status).to.equal(204);
        const deadlocks = async () => Number((await s.db.rows({ sql: 'SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()', params: [] }))[0]![0]);
        const before = database.name === 'postgres' ? await deadlocks() : 0;
        const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2
          ? call('POST', `${s.root}new_tickets/${NS}.UpdateMultiple`, { Targets: rows.map(([id]) => ({ '@odata.type': t, new_ticketid: id, new_title: `update ${i}` })) })
          : call('POST', `${s.root}new_tickets/${NS}.UpsertMultiple`, { Targets: rows.map(([, code]) => ({ '@odata.type': t, '@odata.id': `new_tickets(new_code='${code}')`, new_title: `upsert ${i}` })) }))));
        expect(answers.map((r) => r.status), answers.map((r) => r.text).join(' ')).to.deep.equal(Array(24).fill(204));
        if (database.name === 'postgres') {
          await new Promise((resolve) => setTimeout(resolve, 1500));
          expect(await deadlocks() - before, 'deadlocks between the requests').to.equal(0);
        }
        for (const [id] of rows) expect((await call('DELETE', `${s.root}new_tickets(${id})`)).status).to.equal(204);
      });

      it('UpdateMultiple and UpsertMultiple write in item order whatever the ids: a later item takes the key value an earlier one frees; the first missing item is named', async () => {
        const t = `${NS}.new_ticket`;
        // Id order is the reverse of item order below (each wrote in id order before, and failed).
        const [z, a] = ['ffffffff-0000-4000-8000-00000000d0f1', '00000000-0000-4000-8000-00000000d0f2'];
        for (const [id, code] of [[z, 'SW-1'], [a, 'SW-2']]) expect((await call('POST', `${s.root}new_tickets`, { new_ticketid: id, new_code: code, new_title: 'swap' })).status).to.equal(204);
        const codes = async () => (await call('GET', `${s.root}new_tickets?$select=new_code&$filter=startswith(new_code,'SW-')&$orderby=new_ticketid`)).json.value.map((x: { new_code: string }) => x.new_code);
        const update = await call('POST', `${s.root}new_tickets/${NS}.UpdateMultiple`, { Targets: [
          { '@odata.type': t, new_ticketid: z, new_code: 'SW-3' },
          { '@odata.type': t, new_ticketid: a, new_code: 'SW-1' },
        ] });
        expect(update.status, update.text).to.equal(204);
        expect(await codes()).to.deep.equal(['SW-1', 'SW-3']);
        const upsert = await call('POST', `${s.root}new_tickets/${NS}.UpsertMultiple`, { Targets: [
          { '@odata.type': t, new_ticketid: z, new_code: 'SW-4' },
          { '@odata.type': t, new_ticketid: a, new_code: 'SW-3' },
        ] });
        expect(upsert.status, upsert.text).to.equal(204);
        expect(await codes()).to.deep.equal(['SW-3', 'SW-4']);
        const [missingFirst, missingSecond] = ['0a1b2c3d-0000-4000-8000-00000000d0f9', '0a1b2c3d-0000-4000-8000-00000000d0f8'];
        const missing = await call('POST', `${s.root}new_tickets/${NS}.UpdateMultiple`, { Targets: [
          { '@odata.type': t, new_ticketid: a, new_title: 'not written' },
          { '@odata.type': t, new_ticketid: missingFirst, new_title: 'x' },
          { '@odata.type': t, new_ticketid: missingSecond, new_title: 'x' },
        ] });
        expect(missing.status, missing.text).to.equal(404);
        expect(missing.json.error.message).to.contain(missingFirst);
        expect((await call('GET', `${s.root}new_tickets(${a})?$select=new_title`)).json.new_title).to.equal('swap');
        for (const id of [z, a]) expect((await call('DELETE', `${s.root}new_tickets(${id})`)).status).to.equal(204);
      });

      it('UpdateMultiple takes alternate keys in @odata.id too; a key no row has fails all with 404', async () => {
        const t = `${NS}.new_ticket`;
        const r = await call('POST', `${s.root}new_tickets/${NS}.UpdateMultiple`, { Targets: [
          { '@odata.type': t, '@odata.id': "new_tickets(new_code='t-2')", new_title: 'two by key' },
        ] });
        expect(r.status, r.text).to.equal(204);
        const missing = await call('POST', `${s.root}new_tickets/${NS}.UpdateMultiple`, { Targets: [
          { '@odata.type': t, '@odata.id': "new_tickets(new_code='T-1')", new_title: 'not written' },
          { '@odata.type': t, '@odata.id': "new_tickets(new_code='NOPE')", new_title: 'x' },
        ] });
        expect(missing.status).to.equal(404);
        expect(missing.json.error).to.deep.equal({ code: '0x80040217', message: 'Targets[1]: A record with the specified key values does not exist in new_ticket entity' });
        const rows = (await call('GET', `${s.root}new_tickets?$select=new_code,new_title&$filter=new_code eq 'T-1' or new_code eq 'T-2'&$orderby=new_code`)).json.value;
        expect(rows.map((x: { new_title: string }) => x.new_title)).to.deep.equal(['one again', 'two by key']);
      });

      it('an integer alternate key past its type\'s range is a 400 in URLs and @odata.id, never a database error', async () => {
        const t = `${NS}.new_ticket`;
        for (const [method, body] of [['GET', undefined], ['PATCH', { new_title: 'x' }], ['DELETE', undefined]] as const) {
          const r = await call(method, `${s.root}new_tickets(new_seq=99999999999)`, body);
          expect(r.status, `${method} ${r.text}`).to.equal(400);
          expect(r.json.error).to.deep.equal({ code: '0x80060888', message: "The key value 99999999999 of 'new_seq' is not a valid Edm.Int32." });
        }
        expect((await call('GET', `${s.root}new_tickets(new_seq=-2147483649)`)).status).to.equal(400);
        expect((await call('GET', `${s.root}new_tickets(new_seq=2147483647)`)).status, 'in range, no such row').to.equal(404);
        for (const name of ['UpsertMultiple', 'UpdateMultiple']) {
          const r = await call('POST', `${s.root}new_tickets/${NS}.${name}`, { Targets: [{ '@odata.type': t, '@odata.id': 'new_tickets(new_seq=2147483648)', new_title: 'x' }] });
          expect(r.status, r.text).to.equal(400);
          expect(r.json.error.message).to.equal("Targets[0]: The key value 2147483648 of 'new_seq' is not a valid Edm.Int32.");
        }
      });

      it('reads @odata.id keys percent-encoded as URLs are', async () => {
        const t = `${NS}.new_ticket`;
        const r = await call('POST', `${s.root}new_tickets/${NS}.UpsertMultiple`, { Targets: [
          { '@odata.type': t, '@odata.id': 'new_tickets(new_code=%27PCT%201%27)', new_title: 'encoded' },
        ] });
        expect(r.status, r.text).to.equal(204);
        const rows = (await call('GET', `${s.root}new_tickets?$select=new_code,new_title&$filter=new_title eq 'encoded'`)).json.value;
        expect(rows.map((x: { new_code: string }) => x.new_code)).to.deep.equal(['PCT 1']);
        expect((await call('DELETE', `${s.root}new_tickets(${rows[0].new_ticketid})`)).status).to.equal(204);
      });

      it('takes a row named twice by different keys (its id, an alternate key) as a row named twice by one key', async () => {
        const t = `${NS}.new_ticket`;
        const id = (await call('POST', `${s.root}new_tickets`, { new_title: 'twice', new_code: 'TWICE-1' }, { Prefer: 'return=representation' })).json.new_ticketid;
        const upsert = await call('POST', `${s.root}new_tickets/${NS}.UpsertMultiple`, { Targets: [
          { '@odata.type': t, new_ticketid: id, new_title: 'by id' },
          { '@odata.type': t, '@odata.id': "new_tickets(new_code='twice-1')", new_title: 'by key' },
        ] });
        expect(upsert.status, upsert.text).to.equal(400);
        expect(upsert.json.error.message).to.equal('Targets[1]: This record has the same key as Targets[0]; UpsertMultiple takes each record once.');
        const update = await call('POST', `${s.root}new_tickets/${NS}.UpdateMultiple`, { Targets: [
          { '@odata.type': t, '@odata.id': "new_tickets(new_code='TWICE-1')", new_title: 'first' },
          { '@odata.type': t, new_ticketid: id, new_title: 'second' },
        ] });
        expect(update.status, update.text).to.equal(204);
        expect((await call('GET', `${s.root}new_tickets(${id})?$select=new_title`)).json.new_title).to.equal('first');
        expect((await call('DELETE', `${s.root}new_tickets(${id})`)).status).to.equal(204);
        // A new row: the key an item names by @odata.id is the one an earlier item's row takes.
        const fresh = await call('POST', `${s.root}new_tickets/${NS}.UpsertMultiple`, { Targets: [
          { '@odata.type': t, new_ticketid: '0a1b2c3d-0000-4000-8000-00000000ab01', new_code: 'TWICE-2', new_title: 'by id' },
          { '@odata.type': t, '@odata.id': "new_tickets(new_code='twice-2')", new_title: 'by key' },
        ] });
        expect(fresh.status, fresh.text).to.equal(400);
        expect(fresh.json.error).to.deep.equal({ code: '0x80040203', message: 'Targets[1]: This record has the same key as Targets[0]; UpsertMultiple takes each record once.' });
        expect((await call('GET', `${s.root}new_tickets?$filter=new_code eq 'TWICE-2'`)).json.value).to.deep.equal([]);
      });

      it('UpsertMultiple answers in a $batch change set as it does alone: its retry after a lost key starts from where the message began', async () => {
        const t = `${NS}.new_ticket`;
        const body = JSON.stringify({ Targets: [
          { '@odata.type': t, '@odata.id': "new_tickets(new_code='CS-K')" },
          { '@odata.type': t, new_ticketid: '0a1b2c3d-0000-4000-8000-00000000c501', new_code: 'CS-K' },
        ] });
        const alone = await call('POST', `${s.root}new_tickets/${NS}.UpsertMultiple`, body);
        expect(alone.status, alone.text).to.equal(412);
        const part = (i: number, request: string) => `--cs\nContent-Type: application/http\nContent-ID: ${i}\n\n${request}\n`;
        const set = `--b\nContent-Type: multipart/mixed;boundary=cs\n\n${part(1, 'POST /api/data/v9.2/new_tickets HTTP/1.1\nContent-Type: application/json\n\n{"new_code":"CS-FIRST"}')}`
          + `${part(2, `POST /api/data/v9.2/new_tickets/${NS}.UpsertMultiple HTTP/1.1\nContent-Type: application/json\n\n${body}`)}--cs--\n--b--\n`;
        const batched = await call('POST', `${s.root}$batch`, set, { 'Content-Type': 'multipart/mixed;boundary=b' });
        expect(batched.status).to.equal(412);
        const answer = batched.text.slice(batched.text.indexOf('{'), batched.text.lastIndexOf('}') + 1);
        expect(JSON.parse(answer)).to.deep.equal(alone.json);
        expect((await call('GET', `${s.root}new_tickets?$select=new_code&$filter=startswith(new_code,'CS-')`)).json.value).to.deep.equal([]);
      });

      it('UpdateMultiple names the item a write refuses (a taken alternate key) and converts a primary key that is not a GUID as a write does', async () => {
        const t = `${NS}.new_ticket`;
        const ids = (await call('GET', `${s.root}new_tickets?$select=new_code&$filter=new_code eq 'T-1' or new_code eq 'T-2'&$orderby=new_code`)).json.value.map((x: { new_ticketid: string }) => x.new_ticketid);
        const taken = await call('POST', `${s.root}new_tickets/${NS}.UpdateMultiple`, { Targets: [
          { '@odata.type': t, new_ticketid: ids[0], new_title: 'not written' },
          { '@odata.type': t, new_ticketid: ids[1], new_code: 'T-1' },
        ] });
        expect(taken.status, taken.text).to.equal(412);
        expect(taken.json.error).to.deep.equal({ code: '0x80060892', message: 'Targets[1]: Entity Key new_code_key violated. A record with the same value for new_code already exists. A duplicate record cannot be created. Select one or more unique values and try again.' });
        const numeric = await call('POST', `${s.root}new_tickets/${NS}.UpdateMultiple`, { Targets: [{ '@odata.type': t, new_ticketid: 5, new_title: 'x' }] });
        expect(numeric.status).to.equal(400);
        expect(numeric.json.error.code).to.equal('0x80048d19');
        expect(numeric.json.error.message).to.match(/^Targets\[0\]: .*Cannot convert the literal '5' to the expected type 'Edm.Guid'/);
        const rows = (await call('GET', `${s.root}new_tickets?$select=new_title&$filter=new_code eq 'T-1'`)).json.value;
        expect(rows.map((x: { new_title: string }) => x.new_title)).to.deep.equal(['one again']);
      });
    });

    describe('state model with EnforceStateTransitions', () => {
      it('allows only the transitions in TransitionData, on PATCH and in bulk', async () => {
        const create = await call('POST', `${s.root}new_tickets`, { new_title: 'flow' }, { Prefer: 'return=representation' });
        const id = create.json.new_ticketid;
        expect(create.json).to.include({ statecode: 0, statuscode: 1 });
        const jump = await call('PATCH', `${s.root}new_tickets(${id})`, { statecode: 1, statuscode: 2 });
        expect(jump.status).to.equal(400);
        expect(jump.json.error.code).to.equal('0x8004F00E');
        expect(jump.json.error.message).to.contain('New (1)').and.contain('Solved (2)');
        const bulk = await call('POST', `${s.root}new_tickets/${NS}.UpdateMultiple`, { Targets: [{ '@odata.type': `${NS}.new_ticket`, new_ticketid: id, statecode: 1 }] });
        expect(bulk.status).to.equal(400);
        expect(bulk.json.error.code).to.equal('0x8004F00E');
        expect((await call('PATCH', `${s.root}new_tickets(${id})`, { statuscode: 3 })).status).to.equal(204);
        expect((await call('PATCH', `${s.root}new_tickets(${id})`, { statecode: 1, statuscode: 2 })).status).to.equal(204);
        expect((await call('GET', `${s.root}new_tickets(${id})`)).json).to.include({ statecode: 1, statuscode: 2 });
      });

      it('refuses statecode null with 400 on every update path: statecode is always required', async () => {
        const id = (await call('POST', `${s.root}new_tickets`, { new_title: 'null state', new_code: 'NULL-1' }, { Prefer: 'return=representation' })).json.new_ticketid;
        const attempts: Array<[string, string, unknown, Record<string, string>]> = [
          ['PATCH', `new_tickets(${id})`, { statecode: null }, { 'If-Match': '*' }],
          ['PATCH', `new_tickets(${id})`, { statecode: null }, {}],
          ['PATCH', "new_tickets(new_code='NULL-1')", { statecode: null }, {}],
          ['DELETE', `new_tickets(${id})/statecode`, undefined, {}],
          ['POST', `new_tickets/${NS}.UpdateMultiple`, { Targets: [{ '@odata.type': `${NS}.new_ticket`, new_ticketid: id, statecode: null }] }, {}],
          ['POST', `new_tickets/${NS}.UpsertMultiple`, { Targets: [{ '@odata.type': `${NS}.new_ticket`, '@odata.id': "new_tickets(new_code='NULL-1')", statecode: null }] }, {}],
        ];
        for (const [method, path, body, headers] of attempts) {
          const r = await call(method, `${s.root}${path}`, body, headers);
          expect(r.status, `${method} ${path}: ${r.text}`).to.equal(400);
          expect(r.json.error.message, path).to.contain("'statecode'");
        }
        expect((await call('GET', `${s.root}new_tickets(${id})?$select=statecode,statuscode`)).json).to.include({ statecode: 0, statuscode: 1 });
        const attribute = await call('GET', `${s.root}EntityDefinitions(LogicalName='new_ticket')/Attributes(LogicalName='statecode')?$select=IsValidForCreate,RequiredLevel`);
        expect(attribute.json).to.include({ IsValidForCreate: false });
        expect(attribute.json.RequiredLevel.Value).to.equal('SystemRequired');
      });

      it('an upsert that creates its row takes the body as a Create does: state ignored, the body\'s id kept', async () => {
        const byKey = await call('PATCH', `${s.root}new_tickets(new_code='UP-1')`, { statecode: 1, statuscode: 3, new_title: 'upserted' }, { Prefer: 'return=representation' });
        expect(byKey.status, byKey.text).to.equal(201);
        const posted = await call('POST', `${s.root}new_tickets`, { new_code: 'UP-2', statecode: 1, statuscode: 3, new_title: 'posted' }, { Prefer: 'return=representation' });
        expect(posted.status, posted.text).to.equal(201);
        for (const r of [byKey, posted]) expect(r.json).to.include({ statecode: 0, statuscode: 3 });
        const again = await call('PATCH', `${s.root}new_tickets(new_code='UP-1')`, { statecode: 1, statuscode: 3 });
        expect(again.status, 'the row exists now: an update, whose state must agree').to.equal(400);
        expect(again.json.error.code).to.equal('0x80048408');
        const chosen = [randomUUID(), randomUUID()];
        expect((await call('PATCH', `${s.root}new_tickets(new_code='UP-3')`, { new_ticketid: chosen[0], new_title: 'mine' })).status).to.equal(204);
        const bulk = await call('POST', `${s.root}new_tickets/${NS}.UpsertMultiple`, { Targets: [{ '@odata.type': `${NS}.new_ticket`, '@odata.id': "new_tickets(new_code='UP-4')", new_ticketid: chosen[1] }] });
        expect(bulk.status, bulk.text).to.equal(204);
        for (const [i, code] of ['UP-3', 'UP-4'].entries()) {
          expect((await call('GET', `${s.root}new_tickets(new_code='${code}')?$select=new_ticketid`)).json.new_ticketid).to.equal(chosen[i]);
        }
        const fresh = await call('POST', `${s.root}new_tickets/${NS}.UpsertMultiple`, { Targets: [{ '@odata.type': `${NS}.new_ticket`, '@odata.id': "new_tickets(new_code='UP-5')" }] });
        expect(fresh.status).to.equal(204);
        const made = (await call('GET', `${s.root}new_tickets(new_code='UP-5')?$select=new_ticketid`)).json.new_ticketid as string;
        expect(made[14], 'a new row\'s id is time-ordered (version 7), as single creates make them').to.equal('7');
      });
    });

    describe('IsValidStateTransition and WhoAmI', () => {
      const isValid = (ref: string, state: string, status: number | string) =>
        call('GET', `${s.root}IsValidStateTransition(Entity=@p1,NewState=@p2,NewStatus=@p3)?@p1=${encodeURIComponent(ref)}&@p2=${encodeURIComponent(`'${state}'`)}&@p3=${status}`);

      it('answers by the state model, with record references in either quote style', async () => {
        const [id] = (await createMultiple([item({ msdyn_name: 'sm' })])).json.Ids;
        const yes = await isValid(`{'@odata.id':'${SET}(${id})'}`, 'Inactive', 2);
        expect(yes.status, yes.text).to.equal(200);
        expect(yes.json).to.deep.equal({ '@odata.context': `${s.root}$metadata#${NS}.IsValidStateTransitionResponse`, IsValid: true });
        expect((await isValid(`{"@odata.id":"${s.root}${SET}(${id})"}`, 'Active', 2)).json.IsValid).to.equal(false);
        expect((await isValid(`{'@odata.id':'/${SET}(${id})'}`, 'active', 1)).json.IsValid).to.equal(true);
        const inline = await call('GET', `${s.root}IsValidStateTransition(Entity=${encodeURIComponent(`{'@odata.id':'${SET}(${id})'}`)},NewState='Inactive',NewStatus=2)`);
        expect(inline.json.IsValid).to.equal(true);
        const ticket = (await call('POST', `${s.root}new_tickets`, { new_title: 't' }, { Prefer: 'return=representation' })).json.new_ticketid;
        expect((await isValid(`{'@odata.id':'new_tickets(${ticket})'}`, 'Resolved', 2)).json.IsValid).to.equal(false);
        expect((await isValid(`{'@odata.id':'new_tickets(${ticket})'}`, 'Active', 3)).json.IsValid).to.equal(true);
      });

      it('takes record references by alternate key, with quotes doubled, JSON-escaped or percent-encoded', async () => {
        await call('POST', `${s.root}new_tickets`, { new_title: 'keyed', new_code: "O'K-1" });
        expect((await isValid(`{'@odata.id':'new_tickets(new_code=''O''''K-1'')'}`, 'Active', 3)).json.IsValid).to.equal(true);
        const json = await isValid(`{"@odata.id":"new_tickets(new_code='O''K-1')"}`, 'Resolved', 2);
        expect(json.status, json.text).to.equal(200);
        expect(json.json.IsValid).to.equal(false);
        expect((await isValid(`{"@odata.id":"new_tickets(new_code=%27O%27%27K-1%27)"}`, 'Active', 3)).json.IsValid).to.equal(true);
        const unknown = await isValid(`{'@odata.id':'new_tickets(new_code=''NOPE'')'}`, 'Active', 3);
        expect(unknown.status).to.equal(404);
        expect(unknown.json.error.code).to.equal('0x80040217');
        expect((await call('DELETE', `${s.root}new_tickets(new_code='O''K-1')`)).status).to.equal(204);
      });

      it('answers 404 for an unknown record and 400 for a bad state, a bad type or a missing parameter', async () => {
        const missing = await isValid(`{'@odata.id':'${SET}(${randomUUID()})'}`, 'Inactive', 2);
        expect(missing.status).to.equal(404);
        expect(missing.json.error.code).to.equal('0x80040217');
        const [id] = (await createMultiple([item({})])).json.Ids;
        expect((await isValid(`{'@odata.id':'${SET}(${id})'}`, 'Closed', 2)).status).to.equal(400);
        expect((await isValid(`{'@odata.id':'${SET}(${id})'}`, 'Inactive', "'two'")).status).to.equal(400);
        expect((await isValid(`{'@odata.id':'${SET}(${id})'}`, 'Inactive', 2147483648)).status, 'past Edm.Int32').to.equal(400);
        expect((await isValid('not-a-reference', 'Inactive', 2)).status).to.equal(400);
        expect((await call('GET', `${s.root}IsValidStateTransition(Entity=@p1,NewState=@p2)?@p1={'@odata.id':'${SET}(${id})'}&@p2='Inactive'`)).status).to.equal(400);
        expect((await call('GET', `${s.root}IsValidStateTransition(Entity=@p1,NewState=@p2,NewStatus=@p3)?@p2='Inactive'&@p3=2`)).status).to.equal(400);
        expect((await call('GET', `${s.root}IsValidStateTransition(Bogus=1)`)).status).to.equal(400);
      });

      it('WhoAmI returns the caller', async () => {
        const r = await call('GET', `${s.root}WhoAmI()`);
        expect(r.status).to.equal(200);
        expect(r.json).to.deep.equal({
          '@odata.context': `${s.root}$metadata#${NS}.WhoAmIResponse`,
          BusinessUnitId: s.service.caller.businessunitid, UserId: s.service.caller.systemuserid, OrganizationId: s.service.caller.organizationid,
        });
      });
    });

    describe('routing errors', () => {
      it('answers Dataverse\'s errors for wrong names, verbs and bindings', async () => {
        const unqualified = await call('POST', `${s.root}${SET}/CreateMultiple`, { Targets: [] });
        expect(unqualified.status).to.equal(400);
        expect(unqualified.json.error.message).to.equal('Request message has unresolved parameters.');
        const verb = await call('GET', `${s.root}${SET}/${NS}.CreateMultiple`);
        expect(verb.status).to.equal(404);
        expect(verb.json.error.message).to.equal(`No HTTP resource was found that matches the request URI '${s.root}${SET}/${NS}.CreateMultiple'.`);
        expect((await call('POST', `${s.root}WhoAmI()`, {})).status).to.equal(404);
        const unknown = await call('POST', `${s.root}${SET}/${NS}.Nope`, {});
        expect(unknown.status).to.equal(404);
        expect(unknown.json.error.code).to.equal('0x8006088a');
        expect((await call('GET', `${s.root}${NS}.WhoAmI()`)).status).to.equal(404);
        expect((await call('POST', `${s.root}CreateMultiple`, { Targets: [item({})] })).status).to.equal(404);
        expect((await call('POST', `${s.root}nosuchset/${NS}.CreateMultiple`, { Targets: [] })).status).to.equal(404);
        const badBody = await call('POST', `${s.root}${SET}/${NS}.CreateMultiple`, { Targets: 'nope' });
        expect(badBody.status).to.equal(400);
        const extra = await call('POST', `${s.root}${SET}/${NS}.CreateMultiple`, { Targets: [item({})], Other: 1 });
        expect(extra.status).to.equal(400);
        expect(extra.json.error.message).to.contain("'Other' is not a parameter");
      });

      it('answers 404 naming the segment for paths past an operation call, 501 for operations bound to an alternate key', async () => {
        const paths: Array<[string, string, string]> = [
          ['GET', 'WhoAmI()/UserId', 'WhoAmI'],
          ['GET', "IsValidStateTransition(Entity=@p1,NewState=@p2,NewStatus=@p3)/IsValid", 'IsValidStateTransition'],
          ['GET', 'WhoAmI()/$count', '$count'],
          ['POST', `${SET}/${NS}.CreateMultiple/foo`, 'foo'],
        ];
        for (const [method, path, segment] of paths) {
          const r = await call(method, `${s.root}${path}`, method === 'POST' ? {} : undefined);
          expect(r.status, `${path}: ${r.text}`).to.equal(404);
          expect(r.json.error).to.deep.equal({ code: '0x8006088a', message: `Resource not found for the segment '${segment}'.` });
        }
        const byKey = await call('POST', `${s.root}new_tickets(new_code='X')/${NS}.Nope`, {});
        expect(byKey.status).to.equal(501);
      });
    });
  });
}
