'use strict';

// A jest reporter for test/run-all.sh (`npm test`). The very last line of the run is
//
//   tests: N passed, N failed, N skipped
//
// so that CI logs and people have one line to read. It also turns three quiet ways for a run to
// look green into failures (jest exits 1 when a reporter's getLastError() returns an error):
//   - a project of jest.config.js that ran no tests at all (a renamed folder, a broken testMatch);
//     checked only when no path or name filter narrowed the run;
//   - in CI (jest's `ci` option, on when CI=true), a skipped integration or e2e test: a test that
//     skips itself when a service is missing would otherwise hide that the service was missing;
//   - jest still alive WATCHDOG_MS after the run: an open handle (a client, a timer, a child
//     process) keeps it from exiting, and CI would wait for its own timeout instead.
// Failed counts include test files that crashed before running a test, which jest counts apart.
// The lines are written on process exit: jest's own summary reporter always runs after custom
// reporters, and the line must come after it.
// When WISP_TEST_PROBLEMS_FILE names a file, these problems are appended to it too, so that
// test/harness/rerun-failed.js never reruns away a failure that is not a failed test.

const { appendFileSync } = require('node:fs');

const WATCHDOG_MS = 30_000;

function recordProblem(text) {
  const file = process.env.WISP_TEST_PROBLEMS_FILE;
  if (file) appendFileSync(file, `${text}\n`);
}
const SERVICE_TIERS = ['integration', 'e2e'];
const SKIP_STATUSES = new Set(['pending', 'skipped', 'disabled']);

function projectName(displayName) {
  if (!displayName) return '(no project)';
  return typeof displayName === 'string' ? displayName : displayName.name;
}

function emptyCounts() {
  return { files: 0, passed: 0, failed: 0, skipped: 0 };
}

function summaryLine(totals) {
  return `tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`;
}

class SummaryReporter {
  constructor(globalConfig) {
    // jest 29 keeps the path filter in testPathPattern (a string); jest 30 in testPathPatterns.
    const filtered = Boolean(globalConfig.testPathPattern) || globalConfig.testPathPatterns?.patterns?.length > 0 || Boolean(globalConfig.testNamePattern);
    // --selectProjects does not reach reporters; run-all.sh selects every project, so all must run.
    this.expectedProjects = filtered
      ? []
      : (globalConfig.projects ?? []).filter((p) => typeof p === 'object').map((p) => projectName(p.displayName));
    this.strict = Boolean(globalConfig.ci);
    this.byProject = new Map();
    this.skippedServiceTests = [];
    this.problems = [];
  }

  onTestResult(test, result) {
    const project = projectName(test.context.config.displayName);
    const counts = this.byProject.get(project) ?? emptyCounts();
    counts.files += 1;
    counts.passed += result.numPassingTests;
    counts.failed += result.numFailingTests + (result.testExecError ? 1 : 0);
    counts.skipped += result.numPendingTests + result.numTodoTests;
    this.byProject.set(project, counts);
    if (SERVICE_TIERS.includes(project)) {
      for (const assertion of result.testResults) {
        if (SKIP_STATUSES.has(assertion.status)) this.skippedServiceTests.push(`${project}: ${assertion.fullName}`);
      }
    }
  }

  onRunComplete(_contexts, results) {
    const totals = {
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    for (const name of this.expectedProjects) {
      const counts = this.byProject.get(name);
      if (!counts || counts.passed + counts.failed === 0) this.problems.push(`project "${name}" ran no tests`);
    }
    if (this.strict && this.skippedServiceTests.length > 0) {
      this.problems.push(
        `${this.skippedServiceTests.length} integration/e2e test(s) skipped in CI, where every service is up:\n` +
          this.skippedServiceTests.map((name) => `    ${name}`).join('\n'),
      );
    }
    if (results.wasInterrupted) this.problems.push('the run was interrupted');

    const lines = ['', 'by project:'];
    for (const [name, c] of [...this.byProject].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`  ${name.padEnd(12)} ${c.files} files, ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
    }
    for (const problem of this.problems) {
      lines.push(`FAILED: ${problem}`);
      recordProblem(problem);
    }
    lines.push(summaryLine(totals));
    // 'exit' handlers must write synchronously; stdout to a file, pipe or terminal is synchronous on Linux.
    process.once('exit', () => process.stdout.write(`${lines.join('\n')}\n`));

    // unref(): the timer itself never keeps jest alive, so it only fires when something else does.
    setTimeout(() => {
      recordProblem(`jest was still running ${WATCHDOG_MS / 1000}s after the last test (an open handle)`);
      process.stdout.write(
        `\nFAILED: jest was still running ${WATCHDOG_MS / 1000}s after the last test: an open handle ` +
          '(client, consumer, timer, child process) was not closed. Find it with ' +
          '`npx jest --detectOpenHandles <file>`.\n',
      );
      process.exit(1);
    }, WATCHDOG_MS).unref();
  }

  getLastError() {
    return this.problems.length > 0 ? new Error(this.problems.join('; ')) : undefined;
  }
}

module.exports = SummaryReporter;
