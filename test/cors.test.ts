import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { call, startServer, type TestServer } from './support/server.js';

const CLI = join(import.meta.dirname, '..', 'src', 'cli.js');
const APP = 'https://app.example.com';

describe('CORS', () => {
  describe('with --cors-origins', () => {
    let s: TestServer;
    before(async () => { s = await startServer(undefined, undefined, { corsOrigins: [APP] }); });
    after(async () => { await s.close(); });

    it('answers a preflight from an allowed origin with 204 and the methods and headers asked for', async () => {
      const r = await call('OPTIONS', `${s.root}msdyn_copilotinteractions`, undefined, {
        Origin: APP, 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'authorization,content-type,prefer,if-match',
      });
      expect(r.status).to.equal(204);
      expect(r.headers.get('access-control-allow-origin')).to.equal(APP);
      expect(r.headers.get('access-control-allow-methods')).to.equal('GET,POST,PATCH,PUT,DELETE');
      expect(r.headers.get('access-control-allow-headers')).to.equal('authorization,content-type,prefer,if-match');
    });

    it('lets a script of the allowed origin read OData-EntityId, ETag and the other Dataverse headers', async () => {
      const r = await call('POST', `${s.root}msdyn_copilotinteractions`, { msdyn_name: 'from a browser' }, { Origin: APP });
      expect(r.status).to.equal(204);
      expect(r.headers.get('access-control-allow-origin')).to.equal(APP);
      expect(r.headers.get('access-control-expose-headers')!.split(',')).to.include.members(['OData-EntityId', 'ETag', 'Preference-Applied', 'OData-Version']);
    });

    it('gives another origin no CORS headers', async () => {
      const r = await call('GET', `${s.root}msdyn_copilotinteractions?$top=1`, undefined, { Origin: 'https://elsewhere.example.com' });
      expect(r.status).to.equal(200);
      expect(r.headers.get('access-control-allow-origin')).to.equal(null);
    });
  });

  it('is off by default: no CORS headers, and OPTIONS is 405', async () => {
    const s = await startServer();
    try {
      const get = await call('GET', `${s.root}msdyn_copilotinteractions?$top=1`, undefined, { Origin: APP });
      expect(get.headers.get('access-control-allow-origin')).to.equal(null);
      const preflight = await call('OPTIONS', `${s.root}msdyn_copilotinteractions`, undefined, { Origin: APP, 'Access-Control-Request-Method': 'GET' });
      expect(preflight.status).to.equal(405);
    } finally {
      await s.close();
    }
  });

  it('refuses to start with an origin that is not one', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--cors-origins', 'https://ok.example.com,not an origin'], { encoding: 'utf8', timeout: 20000 });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain("--cors-origins: 'not an origin' is not an origin");
  });
});
