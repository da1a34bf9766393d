import { expect } from 'chai';
import { call, startServer, type TestServer } from './support/server.js';

describe('smoke', () => {
  let s: TestServer;
  before(async () => { s = await startServer(); });
  after(async () => { await s.close(); });

  it('serves the service document', async () => {
    const r = await call('GET', s.root);
    expect(r.status).to.equal(200);
    expect(r.json.value.map((v: { name: string }) => v.name)).to.include('msdyn_copilotinteractions');
  });
});
