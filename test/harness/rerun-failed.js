'use strict';

// test/run-all.sh calls this when the whole jest run failed. It reruns the failed test files
// once, alone, and passes the run only when every one of them passes on its own and nothing
// else was wrong (ADR 0020). Everything it rescues is named on a FLAKY line, so an intermittent
// failure stays visible in the log instead of deciding a 90-minute CI run by chance.
//
//   node test/harness/rerun-failed.js <first-run.json> <problems-file>
//
// Exits 0 when the rerun rescued the run, 1 otherwise. The last line it prints is the combined
// "tests: N passed, N failed, N skipped" of both runs (the first run's tests in files that
// passed, plus the rerun's).

const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, rmSync } = require('node:fs');
const { relative } = require('node:path');

// More failed files than this is a breakage, not a flake: no rerun hides it.
const MAX_RERUN_FILES = 3;

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function countsOf(fileResults) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const file of fileResults) {
    for (const assertion of file.assertionResults) {
      if (assertion.status === 'passed') counts.passed += 1;
      else if (assertion.status === 'failed') counts.failed += 1;
      else counts.skipped += 1;
    }
    // A file that crashed before running a test counts as one failure, as the summary reporter does.
    if (file.status === 'failed' && !file.assertionResults.some((a) => a.status === 'failed')) counts.failed += 1;
  }
  return counts;
}

function summaryLine(counts) {
  return `tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
}

function refuse(reason, counts) {
  process.stdout.write(`\nrerun-failed: no rerun: ${reason}\n`);
  if (counts) process.stdout.write(`${summaryLine(counts)}\n`);
  process.exit(1);
}

function main() {
  const [resultsPath, problemsPath] = process.argv.slice(2);
  const first = readJson(resultsPath);
  if (!first || !Array.isArray(first.testResults)) refuse(`jest wrote no results to ${resultsPath}`);
  const firstCounts = countsOf(first.testResults);
  const problems = problemsPath && existsSync(problemsPath) ? readFileSync(problemsPath, 'utf8').trim() : '';
  if (problems) refuse(`the run failed for reasons a rerun cannot judge:\n${problems}`, firstCounts);

  const failedFiles = first.testResults.filter((file) => file.status === 'failed').map((file) => file.name);
  if (failedFiles.length === 0) refuse('jest failed but no test file did (see above)', firstCounts);
  if (failedFiles.length > MAX_RERUN_FILES) refuse(`${failedFiles.length} test files failed (more than ${MAX_RERUN_FILES})`, firstCounts);

  const secondPath = `${resultsPath}.rerun.json`;
  rmSync(secondPath, { force: true });
  process.stdout.write(`\n== rerun, once and alone, of ${failedFiles.length} failed file(s):\n${failedFiles.map((f) => `   ${relative(process.cwd(), f)}`).join('\n')}\n`);
  const rerun = spawnSync(
    'npx',
    ['jest', '--runInBand', '--testTimeout=30000', '--reporters=default', '--reporters=./test/harness/summary-reporter.js', '--json', `--outputFile=${secondPath}`, ...failedFiles],
    { stdio: 'inherit', env: process.env },
  );
  const second = readJson(secondPath);
  const rerunProblems = problemsPath && existsSync(problemsPath) ? readFileSync(problemsPath, 'utf8').trim() : '';

  const kept = first.testResults.filter((file) => file.status !== 'failed');
  const combined = countsOf(kept.concat(second?.testResults ?? []));
  if (!second) combined.failed += failedFiles.length;

  const rescued = rerun.status === 0 && second !== undefined && second.numFailedTests === 0 && second.numRuntimeErrorTestSuites === 0 && !rerunProblems;
  process.stdout.write('\n');
  if (rescued) {
    for (const file of failedFiles) process.stdout.write(`FLAKY: ${relative(process.cwd(), file)} failed in the full run and passed alone\n`);
  } else {
    process.stdout.write(`FAILED: the rerun failed too (exit ${rerun.status})\n`);
  }
  process.stdout.write(`${summaryLine(combined)}\n`);
  process.exit(rescued ? 0 : 1);
}

main();
