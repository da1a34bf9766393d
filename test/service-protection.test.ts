import { expect } from 'chai';
import { Errors } from '../src/errors.js';
import type { ServiceProtectionLimits } from '../src/http/service-protection.js';
import { call, SHIPPED_METADATA, startServer, type Reply, type TestServer } from './support/server.js';

/**
 * Service protection limits (digest §9): 429 with Retry-After and Dataverse's codes, over the
 * request count, the combined execution time or the concurrent requests. HTTP-level, so on
 * SQLite only; the writes are held by a transaction kept open on the server's database.
 */
describe('service protection limits', () => {
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const expect429 = (r: Reply, code: string, message: string) => {
    expect(r.status, r.text).to.equal(429);
    expect(r.json.error).to.deep.equal({ code, message });
    expect(r.headers.get('retry-after')).to.match(/^[1-9]\d*$/);
    expect(r.headers.get('odata-version')).to.equal('4.0');
  };
  const withServer = async (limits: ServiceProtectionLimits, test: (s: TestServer) => Promise<void>) => {
    const s = await startServer(SHIPPED_METADATA, undefined, { serviceProtection: limits });
    try {
      await test(s);
    } finally {
      await s.close();
    }
  };
  const post = (s: TestServer) => call('POST', `${s.root}msdyn_copilotinteractions`, { msdyn_name: 'x' });

  it('refuses requests over the count in the window with 0x80072322 and a Retry-After, then lets them through again', () =>
    withServer({ windowSeconds: 2, requests: 3, executionMs: 1e9, concurrent: 50 }, async (s) => {
      for (let i = 0; i < 3; i++) expect((await call('GET', `${s.root}systemusers?$select=fullname`)).status).to.equal(200);
      const refused = await call('GET', `${s.root}systemusers?$select=fullname`);
      expect429(refused, '0x80072322', 'Number of requests exceeded the limit of 3 over time window of 2 seconds.');
      expect(Number(refused.headers.get('retry-after'))).to.be.at.most(2);
      await wait(Number(refused.headers.get('retry-after')) * 1000 + 100);
      expect((await call('GET', `${s.root}systemusers?$select=fullname`)).status).to.equal(200);
    }));

  it('refuses a request over the concurrent limit at once with 0x80072326', () =>
    withServer({ windowSeconds: 300, requests: 100, executionMs: 1e9, concurrent: 2 }, async (s) => {
      const answeredWhileHeld: number[] = [];
      let sent: Array<Promise<Reply>> = [];
      // Writes take turns on SQLite: while this transaction is open, the posts stay in flight.
      await s.db.transaction(async () => {
        sent = [post(s), post(s), post(s)];
        for (const p of sent) void p.then((r) => answeredWhileHeld.push(r.status));
        await wait(300);
      });
      expect(answeredWhileHeld, 'the refused one is answered at once, the others wait').to.deep.equal([429]);
      const answers = await Promise.all(sent);
      expect(answers.map((a) => a.status).sort()).to.deep.equal([204, 204, 429]);
      expect429(answers.find((a) => a.status === 429)!, '0x80072326', 'Number of concurrent requests exceeded the limit of 2.');
      expect((await post(s)).status, 'the limit counts requests in flight, not requests made').to.equal(204);
    }));

  it('refuses requests once the window\'s combined execution time is spent, with 0x80072321', () =>
    withServer({ windowSeconds: 300, requests: 100, executionMs: 200, concurrent: 50 }, async (s) => {
      let slow: Promise<Reply> | undefined;
      await s.db.transaction(async () => {
        slow = post(s);
        await wait(300);
      });
      expect((await slow!).status).to.equal(204);
      await wait(20);
      const refused = await call('GET', `${s.root}systemusers?$select=fullname`);
      expect429(refused, '0x80072321', 'Combined execution time of incoming requests exceeded limit of 200 milliseconds over time window of 300 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.');
      // Dataverse's own limit is written as its message gives it.
      expect(Errors.executionTimeLimit(1_200_000, 300).message).to.contain('exceeded limit of 1,200,000 milliseconds over');
      expect(Number(refused.headers.get('retry-after'))).to.be.within(290, 300);
    }));
});
