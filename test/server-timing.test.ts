import { expect } from 'chai';
import { call, DATABASES, SHIPPED_METADATA, startServer, type Reply, type TestServer } from './support/server.js';

/**
 * Stage timings in a `Server-Timing` header (DESIGN.md §5; W3C Server Timing): parse, the wall time
 * waiting on the database, and the total, in milliseconds.
 */
function timings(r: Reply): { parse: number; db: number; total: number } {
  const header = r.headers.get('server-timing');
  expect(header, 'every answer has Server-Timing').to.match(/^parse;dur=\d+\.\d\d, db;dur=\d+\.\d\d, total;dur=\d+\.\d\d$/);
  const [parse, db, total] = [...header!.matchAll(/dur=([\d.]+)/g)].map((m) => Number(m[1]));
  return { parse: parse!, db: db!, total: total! };
}

for (const database of DATABASES) {
  describe(`Server-Timing [${database.name}]`, () => {
    let s: TestServer;
    before(async () => { s = await startServer(SHIPPED_METADATA, database); });
    after(() => s.close());

    it('times reads, writes, errors and batches; the stages fit in the total', async () => {
      const answers = [
        await call('POST', `${s.root}msdyn_copilotinteractions`, { msdyn_name: 'timed' }),
        await call('GET', `${s.root}msdyn_copilotinteractions?$select=msdyn_name&$filter=msdyn_name eq 'timed'`),
        await call('GET', `${s.root}$metadata`),
        await call('GET', `${s.root}nosuchset`),
      ];
      expect(answers.map((a) => a.status)).to.deep.equal([204, 200, 200, 404]);
      for (const a of answers) {
        const t = timings(a);
        expect(t.parse + t.db).to.be.at.most(t.total + 0.02);
      }
      expect(timings(answers[0]!).db, 'a write waits on the database').to.be.above(0);
      expect(timings(answers[1]!).db, 'a read waits on the database').to.be.above(0);
      expect(timings(answers[2]!).db, '$metadata does not touch it').to.equal(0);
      expect(timings(answers[3]!).db, 'an unknown set is refused before it').to.equal(0);
      const boundary = 'batch_t';
      const batch = await call('POST', `${s.root}$batch`,
        `--${boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nGET ${s.root}msdyn_copilotinteractions?$select=msdyn_name HTTP/1.1\r\n\r\n\r\n--${boundary}--\r\n`,
        { 'Content-Type': `multipart/mixed;boundary=${boundary}` });
      expect(batch.status, batch.text).to.equal(200);
      expect(timings(batch).db, "a batch's parts count in its one header").to.be.above(0);
      expect(batch.text, 'parts have no header of their own').not.to.match(/Server-Timing/i);
    });
  });
}

describe('Server-Timing db time [sqlite]', () => {
  it("counts the wait for SQLite's write lock as database time", async () => {
    const s = await startServer();
    try {
      let sent: Promise<Reply> | undefined;
      // While this transaction is open, the POST waits for the write lock.
      await s.db.transaction(async () => {
        sent = call('POST', `${s.root}msdyn_copilotinteractions`, { msdyn_name: 'waits' });
        await new Promise((resolve) => setTimeout(resolve, 300));
      });
      const r = await sent!;
      expect(r.status).to.equal(204);
      expect(timings(r).db).to.be.at.least(200);
    } finally {
      await s.close();
    }
  });
});
