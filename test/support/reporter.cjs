// Mocha's spec reporter plus the databases the run covered and one closing line,
// `N passed, N failed, N skipped`, that CI tools read.
'use strict';
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      // Same rule as DATABASES in test/support/server.ts.
      const dbs = ['sqlite'];
      if (process.env.TESSERA_TEST_POSTGRES_URL) dbs.push('postgres');
      if (process.env.TESSERA_TEST_MSSQL_URL) dbs.push('mssql');
      process.stdout.write(`\ndatabases covered: ${dbs.join(', ')}\n${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}
module.exports = SpecWithSummary;
