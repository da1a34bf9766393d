import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { SqliteDatabase } from '../src/store/sqlite.js';
import { call, startServer, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';
const TYPE = 'Microsoft.Dynamics.CRM.msdyn_copilotinteraction';

/**
 * The WAL index's counters (sqlite.org/walformat.html, "The WAL-Index Format"): `mxFrame`, the
 * last valid frame in the WAL (header offset 16), and `nBackfill`, how many frames a checkpoint has
 * copied into the database file (offset 96, after the two header copies). Native byte order, told
 * by the version field at offset 0 (3007000).
 */
function walIndex(path: string): { mxFrame: number; nBackfill: number } {
  const shm = readFileSync(`${path}-shm`);
  const u32 = (offset: number) => (shm.readUInt32LE(0) === 3007000 ? shm.readUInt32LE(offset) : shm.readUInt32BE(offset));
  return { mxFrame: u32(16), nBackfill: u32(96) };
}

describe('SQLite WAL checkpoints in the background', () => {
  let s: TestServer;
  before(async () => { s = await startServer(); });
  after(async () => { await s.close(); });

  it('copies committed pages into the database file without a request paying for it', async () => {
    const path = (s.db as SqliteDatabase).path;
    for (let k = 0; k < 3; k++) {
      const targets = Array.from({ length: 500 }, (_, i) => ({ '@odata.type': TYPE, msdyn_name: `wal ${k}-${i}`, msdyn_interactioncontext: 'x'.repeat(200) }));
      const r = await call('POST', `${s.root}${SET}/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: targets });
      expect(r.status, r.text).to.equal(200);
    }
    // Far below the writer's own auto-checkpoint threshold (10,000 pages): only the background
    // checkpoint copies these frames.
    const written = walIndex(path);
    expect(written.mxFrame).to.be.within(50, 10_000);
    let now = written;
    for (let waited = 0; now.nBackfill < written.mxFrame && waited < 5000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      now = walIndex(path);
    }
    expect(now.nBackfill).to.be.at.least(written.mxFrame);
  });
});
