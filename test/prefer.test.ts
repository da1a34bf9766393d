import { expect } from 'chai';
import { call, startServer, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';
const FV = 'OData.Community.Display.V1.FormattedValue';

/** The Prefer header (RFC 7240 §2; digest §4.3): preferences, comma-separated or in several headers, each with its own `;` parameters. */
describe('Prefer header', () => {
  let s: TestServer;
  before(async () => { s = await startServer(); });
  after(async () => { await s.close(); });

  const create = (prefer: string) => call('POST', `${s.root}${SET}?$select=msdyn_name,statecode`, { msdyn_name: prefer.slice(0, 100) }, { Prefer: prefer });

  it('reads a preference\'s ";" parameters as its own: return=representation with parameters still answers the row', async () => {
    for (const prefer of ['return=representation;odata.include-annotations="*"', 'return=representation; foo=bar ;baz', 'return="representation"']) {
      const r = await create(prefer);
      expect(r.status, `${prefer}: ${r.text}`).to.equal(201);
      expect(r.headers.get('preference-applied'), prefer).to.equal('return=representation');
      expect(r.json, `${prefer}: a parameter is no preference`).not.to.have.property(`statecode@${FV}`);
    }
  });

  it('keeps comma-separated preferences apart, with parameters and quoted commas and semicolons', async () => {
    const r = await create('odata.include-annotations="Microsoft.Dynamics.CRM.a;b,OData.Community.Display.V1.FormattedValue";q=1, return=representation;p');
    expect(r.status, r.text).to.equal(201);
    expect(r.headers.get('preference-applied')).to.equal('return=representation,odata.include-annotations="Microsoft.Dynamics.CRM.a;b,OData.Community.Display.V1.FormattedValue"');
    expect(r.json[`statecode@${FV}`]).to.equal('Active');
    const page = await call('GET', `${s.root}${SET}?$select=msdyn_name`, undefined, { Prefer: 'odata.maxpagesize=1;unknown="a,b", return=minimal' });
    expect(page.status, page.text).to.equal(200);
    expect(page.json.value).to.have.length(1);
    expect(page.headers.get('preference-applied')).to.equal('odata.maxpagesize=1');
  });

  it('counts a preference given more than once by its first instance only (RFC 7240 §2)', async () => {
    const minimal = await create('return=minimal, return=representation');
    expect(minimal.status, minimal.text).to.equal(204);
    expect(minimal.text).to.equal('');
    expect(minimal.headers.get('preference-applied')).to.equal(null);
    const representation = await create('return=representation, return=minimal');
    expect(representation.status, representation.text).to.equal(201);
    expect(representation.json.msdyn_name).to.equal('return=representation, return=minimal');
    const page = await call('GET', `${s.root}${SET}?$select=msdyn_name`, undefined, { Prefer: 'odata.maxpagesize=1, odata.maxpagesize=2, odata.maxpagesize=0' });
    expect(page.status, page.text).to.equal(200);
    expect(page.json.value).to.have.length(1);
    expect(page.headers.get('preference-applied')).to.equal('odata.maxpagesize=1');
  });
});
