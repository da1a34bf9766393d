import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { EntityFile } from '../src/model/types.js';
import { relationshipMetadata } from './support/relationship-metadata.js';
import { call, DATABASES, startServer, type TestServer } from './support/server.js';

/**
 * Ordering by a lookup column sorts by the related row's primary name, and in FetchXML by a choice
 * column by its label, as Dataverse does ("Order rows", Ordering lookup and choice columns, in
 * both the Web API and FetchXML docs), through `$orderby`, keyset paging, `$expand`'s `$orderby`
 * and FetchXML `<order>` (on the root's columns and on link-entity columns) with paging cookies.
 */

/** Notes of an account, each pointing at a contact: a collection whose rows have a varying lookup. */
const NOTE: EntityFile = {
  LogicalName: 'new_note', EntitySetName: 'new_notes', PrimaryIdAttribute: 'new_noteid', PrimaryNameAttribute: 'new_name', OwnershipType: 'OrganizationOwned',
  Attributes: [
    { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
    { LogicalName: 'new_accountid', AttributeType: 'Lookup', Targets: ['account'], RelationshipSchemaName: 'new_account_notes' },
    { LogicalName: 'new_contactid', AttributeType: 'Lookup', Targets: ['contact'] },
    { LogicalName: 'new_kind', AttributeType: 'Picklist', OptionSet: { Options: [{ Value: 1, Label: 'Zebra' }, { Value: 2, Label: 'apple' }, { Value: 3, Label: 'Mango' }] } },
    { LogicalName: 'new_parentnoteid', AttributeType: 'Lookup', Targets: ['new_note'] },
  ],
};

/** Contact ids in the reverse order of their names, so that GUID order and name order differ. */
const ZOE = '00000000-0000-0000-0000-000000000001';
const BOB = '00000000-0000-0000-0000-000000000002';
const ANN = '00000000-0000-0000-0000-000000000003';

for (const database of DATABASES) {
  describe(`Ordering by lookup and choice columns [${database.name}]`, function () {
    this.timeout(60000);
    let s: TestServer;
    let dir: string;
    const account: Record<string, string> = {};

    const names = async (url: string, headers: Record<string, string> = {}): Promise<string[]> => {
      const r = await call('GET', url, undefined, headers);
      expect(r.status, r.text).to.equal(200);
      return r.json.value.map((row: Record<string, string>) => row['name'] ?? row['fullname'] ?? row['new_name']);
    };
    /** Every page of `url` at `size` rows a page, following @odata.nextLink. */
    const allPages = async (url: string, size: number): Promise<string[]> => {
      const out: string[] = [];
      for (let next: string | undefined = url; next;) {
        const r = await call('GET', next, undefined, { Prefer: `odata.maxpagesize=${size}` });
        expect(r.status, r.text).to.equal(200);
        out.push(...r.json.value.map((row: Record<string, string>) => row['name'] ?? row['fullname']));
        next = r.json['@odata.nextLink'];
      }
      return out;
    };

    before(async () => {
      dir = relationshipMetadata();
      writeFileSync(join(dir, 'new_note.json'), JSON.stringify(NOTE));
      s = await startServer(dir, database);
      for (const [id, fullname] of [[ZOE, 'zoe adams'], [BOB, 'Bob Jones'], [ANN, 'ann smith']]) {
        expect((await call('POST', `${s.root}contacts`, { contactid: id, fullname })).status).to.equal(204);
      }
      // GUID order of the accounts' names differs from their contacts' name order too.
      for (const [name, contact] of [['a-zoe', ZOE], ['b-ann', ANN], ['c-bob', BOB], ['d-bob', BOB], ['e-none', null]] as const) {
        const body = { name, ...(contact ? { 'primarycontactid@odata.bind': `/contacts(${contact})` } : {}) };
        const r = await call('POST', `${s.root}accounts`, body, { Prefer: 'return=representation' });
        expect(r.status, r.text).to.equal(201);
        account[name] = r.json.accountid;
      }
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('$orderby on a lookup sorts by the related name, case-insensitively, nulls first ascending and last descending', async () => {
      expect(await names(`${s.root}accounts?$select=name&$orderby=_primarycontactid_value,name`)).to.deep.equal(['e-none', 'b-ann', 'c-bob', 'd-bob', 'a-zoe']);
      expect(await names(`${s.root}accounts?$select=name&$orderby=_primarycontactid_value desc,name`)).to.deep.equal(['a-zoe', 'c-bob', 'd-bob', 'b-ann', 'e-none']);
      // The rows answer the lookup as ever: the GUID, not the name.
      const r = await call('GET', `${s.root}accounts?$select=name,_primarycontactid_value&$orderby=_primarycontactid_value&$top=2`);
      expect(r.json.value.map((a: Record<string, unknown>) => a['_primarycontactid_value'])).to.deep.equal([null, ANN]);
      expect(r.json.value[0]).to.have.all.keys('@odata.etag', 'name', '_primarycontactid_value', 'accountid');
    });

    it('pages through a lookup order without repeating or losing rows, in both directions', async () => {
      const up = await allPages(`${s.root}accounts?$select=name&$orderby=_primarycontactid_value`, 1);
      expect(up.slice(0, 2)).to.deep.equal(['e-none', 'b-ann']);
      expect(up.slice(2, 4)).to.have.members(['c-bob', 'd-bob']);
      expect(up[4]).to.equal('a-zoe');
      const down = await allPages(`${s.root}accounts?$select=name&$orderby=_primarycontactid_value desc`, 2);
      expect(down[0]).to.equal('a-zoe');
      expect(down.slice(1, 3)).to.have.members(['c-bob', 'd-bob']);
      expect(down.slice(3)).to.deep.equal(['b-ann', 'e-none']);
    });

    it('a polymorphic lookup sorts by the name in whichever table its row points at', async () => {
      const child = async (fullname: string, set: 'accounts' | 'contacts', id: string) => {
        const body = { fullname, [`parentcustomerid_${set.slice(0, -1)}@odata.bind`]: `/${set}(${id})` };
        const r = await call('POST', `${s.root}contacts`, body);
        expect(r.status, r.text).to.equal(204);
      };
      await child('child of d-bob', 'accounts', account['d-bob']!);
      await child('child of ann smith', 'contacts', ANN);
      await child('child of a-zoe', 'accounts', account['a-zoe']!);
      await child('child of Bob Jones', 'contacts', BOB);
      const sorted = await names(`${s.root}contacts?$select=fullname&$orderby=_parentcustomerid_value&$filter=_parentcustomerid_value ne null`);
      expect(sorted).to.deep.equal(['child of a-zoe', 'child of ann smith', 'child of Bob Jones', 'child of d-bob']);
    });

    it('orders expanded collections by a lookup, and their nextLink past 5,000 rows continues in that order', async () => {
      const contacts = [ZOE, ANN, BOB, null];
      const targets = Array.from({ length: 5003 }, (_, i) => ({
        '@odata.type': 'Microsoft.Dynamics.CRM.new_note',
        new_name: `n${i}`,
        'new_accountid@odata.bind': `/accounts(${account['a-zoe']})`,
        ...(contacts[i % 4] ? { 'new_contactid@odata.bind': `/contacts(${contacts[i % 4]})` } : {}),
      }));
      for (let i = 0; i < targets.length; i += 1000) {
        const r = await call('POST', `${s.root}new_notes/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: targets.slice(i, i + 1000) });
        expect(r.status, r.text).to.equal(200);
      }
      const contactOf = new Map(targets.map((t, i) => [t.new_name, contacts[i % 4]]));
      const rank = (id: string | null | undefined) => [null, ANN, BOB, ZOE].indexOf(id ?? null);
      const r = await call('GET', `${s.root}accounts(${account['a-zoe']})?$select=name&$expand=new_account_notes($select=new_name;$orderby=_new_contactid_value desc)`);
      expect(r.status, r.text).to.equal(200);
      const page: string[] = r.json.new_account_notes.map((n: { new_name: string }) => n.new_name);
      expect(page).to.have.length(5000);
      const link = r.json['new_account_notes@odata.nextLink'] as string;
      expect(link).to.be.a('string');
      const rest = await call('GET', link);
      expect(rest.status, rest.text).to.equal(200);
      const all = [...page, ...rest.json.value.map((n: { new_name: string }) => n.new_name)];
      expect(new Set(all).size).to.equal(5003);
      const ranks = all.map((n) => rank(contactOf.get(n)));
      expect(ranks, 'Zoe, Bob, Ann, then no contact').to.deep.equal([...ranks].sort((a, b) => b - a));
      expect(ranks[0]).to.equal(3);
      expect(ranks[ranks.length - 1]).to.equal(0);
    });

    it('FetchXML <order> on a lookup sorts by the related name, and paging cookies continue in that order', async () => {
      const fetch = (extra: string, order: string) => `${s.root}accounts?fetchXml=${encodeURIComponent(`<fetch ${extra}><entity name='account'><attribute name='name' />${order}<order attribute='name' /></entity></fetch>`)}`;
      expect(await names(fetch('', "<order attribute='primarycontactid' />"))).to.deep.equal(['e-none', 'b-ann', 'c-bob', 'd-bob', 'a-zoe']);
      expect(await names(fetch('', "<order attribute='primarycontactid' descending='true' />"))).to.deep.equal(['a-zoe', 'c-bob', 'd-bob', 'b-ann', 'e-none']);
      expect(await names(fetch("distinct='true'", "<attribute name='primarycontactid' /><order attribute='primarycontactid' />"))).to.deep.equal(['e-none', 'b-ann', 'c-bob', 'd-bob', 'a-zoe']);
      const first = await call('GET', fetch("count='2' page='1'", "<order attribute='primarycontactid' />"), undefined, { Prefer: 'odata.include-annotations="*"' });
      expect(first.json.value.map((a: { name: string }) => a.name)).to.deep.equal(['e-none', 'b-ann']);
      const annotation = first.json['@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'] as string;
      // As Dataverse sends it, the inner cookie URL-encoded twice.
      const cookie = decodeURIComponent(decodeURIComponent(/pagingcookie="([^"]*)"/.exec(annotation)![1]!));
      const attribute = cookie.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
      const second = await call('GET', fetch(`count='2' page='2' paging-cookie='${attribute}'`, "<order attribute='primarycontactid' />"));
      expect(second.status, second.text).to.equal(200);
      expect(second.json.value.map((a: { name: string }) => a.name)).to.deep.equal(['c-bob', 'd-bob']);
    });

    it('FetchXML sorts a choice by its label (case-insensitively) unless useraworderby; the Web API by its value', async () => {
      for (const [name, kind] of [['k-zebra', 1], ['k-apple', 2], ['k-mango', 3], ['k-none', null], ['k-apple-2', 2]] as const) {
        expect((await call('POST', `${s.root}new_notes`, { new_name: name, new_kind: kind, 'new_accountid@odata.bind': `/accounts(${account['b-ann']})` })).status).to.equal(204);
      }
      const fetch = (extra: string, order: string) => `${s.root}new_notes?fetchXml=${encodeURIComponent(`<fetch ${extra}><entity name='new_note'><attribute name='new_name' />${order}<order attribute='new_name' /><filter><condition attribute='new_accountid' operator='eq' value='${account['b-ann']}' /></filter></entity></fetch>`)}`;
      expect(await names(fetch('', "<order attribute='new_kind' />"))).to.deep.equal(['k-none', 'k-apple', 'k-apple-2', 'k-mango', 'k-zebra']);
      expect(await names(fetch('', "<order attribute='new_kind' descending='true' />"))).to.deep.equal(['k-zebra', 'k-mango', 'k-apple', 'k-apple-2', 'k-none']);
      expect(await names(fetch("useraworderby='true'", "<order attribute='new_kind' />"))).to.deep.equal(['k-none', 'k-zebra', 'k-apple', 'k-apple-2', 'k-mango']);
      expect(await names(`${s.root}new_notes?$select=new_name&$orderby=new_kind,new_name&$filter=_new_accountid_value eq ${account['b-ann']}`)).to.deep.equal(['k-none', 'k-zebra', 'k-apple', 'k-apple-2', 'k-mango']);
      // Pages of two continue in label order.
      const seen: string[] = [];
      let cookie: string | undefined;
      for (let page = 1; page <= 3; page++) {
        const attribute = cookie ? ` paging-cookie='${cookie.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;')}'` : '';
        const r = await call('GET', fetch(`count='2' page='${page}'${attribute}`, "<order attribute='new_kind' />"), undefined, { Prefer: 'odata.include-annotations="*"' });
        expect(r.status, r.text).to.equal(200);
        seen.push(...r.json.value.map((n: { new_name: string }) => n.new_name));
        const annotation = r.json['@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'] as string | undefined;
        cookie = annotation ? decodeURIComponent(decodeURIComponent(/pagingcookie="([^"]*)"/.exec(annotation)![1]!)) : undefined;
      }
      expect(seen).to.deep.equal(['k-none', 'k-apple', 'k-apple-2', 'k-mango', 'k-zebra']);
    });

    it('FetchXML orders by link-entity columns by the same rules: inside the link after the root\'s orders, by entityname where it stands; pages continue', async () => {
      const parent: Record<string, string> = {};
      for (const [name, kind] of [['p-zebra', 1], ['p-apple', 2], ['p-mango', 3]] as const) {
        parent[name] = (await call('POST', `${s.root}new_notes`, { new_name: name, new_kind: kind }, { Prefer: 'return=representation' })).json.new_noteid;
      }
      for (const [name, up, acc] of [['c-1', 'p-zebra', 'a-zoe'], ['c-2', 'p-apple', 'c-bob'], ['c-3', 'p-mango', 'b-ann'], ['c-4', null, 'e-none'], ['c-5', 'p-apple', 'b-ann']] as const) {
        const body = { new_name: name, 'new_accountid@odata.bind': `/accounts(${account[acc]})`, ...(up ? { 'new_parentnoteid@odata.bind': `/new_notes(${parent[up]})` } : {}) };
        expect((await call('POST', `${s.root}new_notes`, body)).status).to.equal(204);
      }
      const links = (inParent = '', inAccount = '') => `<link-entity name='new_note' from='new_noteid' to='new_parentnoteid' link-type='outer' alias='p'>${inParent}</link-entity><link-entity name='account' from='accountid' to='new_accountid' alias='a'>${inAccount}</link-entity>`;
      const fetch = (extra: string, body: string) => `${s.root}new_notes?fetchXml=${encodeURIComponent(`<fetch ${extra}><entity name='new_note'><attribute name='new_name' /><filter><condition attribute='new_name' operator='begins-with' value='c-' /></filter>${body}</entity></fetch>`)}`;
      // The parent's choice by its label (apple, Mango, Zebra), nulls first; by value with useraworderby.
      const byParentKind = `${links()}<order entityname='p' attribute='new_kind' /><order attribute='new_name' />`;
      expect(await names(fetch('', byParentKind))).to.deep.equal(['c-4', 'c-2', 'c-5', 'c-3', 'c-1']);
      expect(await names(fetch("useraworderby='true'", byParentKind))).to.deep.equal(['c-4', 'c-1', 'c-2', 'c-5', 'c-3']);
      // The account's lookup by the contact's name (none, ann, Bob, zoe), descending too.
      const byContact = (descending: boolean) => `${links()}<order entityname='a' attribute='primarycontactid' descending='${descending}' /><order attribute='new_name' />`;
      expect(await names(fetch('', byContact(false)))).to.deep.equal(['c-4', 'c-3', 'c-5', 'c-2', 'c-1']);
      expect(await names(fetch('', byContact(true)))).to.deep.equal(['c-1', 'c-2', 'c-3', 'c-5', 'c-4']);
      // An order inside a link comes after the root's: it only breaks the ties of the account's name.
      expect(await names(fetch('', `${links("<order attribute='new_kind' />")}<order attribute='new_accountid' />`))).to.deep.equal(['c-1', 'c-5', 'c-3', 'c-2', 'c-4']);
      // Pages of two continue in that order.
      const seen: string[] = [];
      let cookie: string | undefined;
      for (let page = 1; page <= 3; page++) {
        const attribute = cookie ? ` paging-cookie='${cookie.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;')}'` : '';
        const r = await call('GET', fetch(`count='2' page='${page}'${attribute}`, byContact(false)), undefined, { Prefer: 'odata.include-annotations="*"' });
        expect(r.status, r.text).to.equal(200);
        expect(Object.keys(r.json.value[0]), 'sort keys are not returned').to.deep.equal(['@odata.etag', 'new_name', 'new_noteid']);
        seen.push(...r.json.value.map((n: { new_name: string }) => n.new_name));
        const annotation = r.json['@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'] as string | undefined;
        cookie = annotation ? decodeURIComponent(decodeURIComponent(/pagingcookie="([^"]*)"/.exec(annotation)![1]!)) : undefined;
        if (page === 1) expect(cookie).to.contain('<a_x002e_primarycontactidname last="ann smith"');
      }
      expect(seen).to.deep.equal(['c-4', 'c-3', 'c-5', 'c-2', 'c-1']);
    });
  });
}
