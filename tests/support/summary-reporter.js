// Writes the run's counts to .test-results/summary.json so .ci/run can print
// `N passed, N failed` from the results themselves rather than from scraped console text.
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const dir = path.join(this.rootDir, '.test-results');
    fs.mkdirSync(dir, { recursive: true });
    const failedSuites = results.numFailedTestSuites;
    const summary = {
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
      failedSuites,
      success: results.success,
    };
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  }
}

module.exports = SummaryReporter;
