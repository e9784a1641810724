#!/usr/bin/env node
// The API reports of the package's two entry points, api/k8s-stack.api.md (`.`) and
// api/k8s-stack-pulumi.api.md (`./pulumi`), made by API Extractor from the declarations that
// `tsc -p tsconfig.build.json` writes to build/lib (the ones the package ships).
//
//   node scripts/api-report.js           check: fails when a report differs (`npm run api:check`)
//   node scripts/api-report.js --local   rewrite the reports (`npm run api:update`), then review the diff
//
// API Extractor reads one entry point at a time. The Pulumi entry's types name the chart's
// (`ObservabilityStack`, its props), which the main entry exports: those references are
// accepted, and any other type the Pulumi entry does not export is still an error.
const { execFileSync } = require('child_process');
const { readFileSync } = require('fs');
const { join } = require('path');
const { Extractor, ExtractorConfig, ExtractorLogLevel } = require('@microsoft/api-extractor');

const ROOT = join(__dirname, '..');
const MAIN_CONFIG = join(ROOT, 'api-extractor.json');
const PULUMI_CONFIG = join(ROOT, 'api-extractor.pulumi.json');

function buildDeclarations() {
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

/** The names a report declares as exported (`export declare class X`, `export interface X`...). */
function reportedExports(reportText) {
  const names = new Set();
  const declaration =
    /^export (?:declare )?(?:abstract )?(?:class|interface|type|enum|const|function|namespace) ([A-Za-z_$][\w$]*)/gm;
  for (const match of reportText.matchAll(declaration)) names.add(match[1]);
  return names;
}

function forgottenSymbol(message) {
  return message.messageId === 'ae-forgotten-export'
    ? /The symbol "([^"]+)"/.exec(message.text)?.[1]
    : undefined;
}

function runEntry(configFile, { local, quiet, sharedExports }) {
  const config = ExtractorConfig.loadFileAndPrepare(configFile);
  const problems = [];
  const result = Extractor.invoke(config, {
    localBuild: local,
    printApiReportDiff: !local,
    messageCallback: (message) => {
      const symbol = forgottenSymbol(message);
      if (symbol !== undefined && sharedExports?.has(symbol)) {
        message.logLevel = ExtractorLogLevel.None;
        message.handled = true;
        return;
      }
      if (
        message.logLevel === ExtractorLogLevel.Error ||
        message.logLevel === ExtractorLogLevel.Warning
      ) {
        problems.push(
          message.formatMessageWithLocation
            ? message.formatMessageWithLocation(ROOT)
            : message.text,
        );
      }
      if (quiet) message.handled = true;
    },
  });
  const reportPath = config.reportConfigs.map((r) => join(config.reportFolder, r.fileName))[0];
  const tempReportPath = config.reportConfigs.map((r) =>
    join(config.reportTempFolder, r.fileName),
  )[0];
  return {
    succeeded: result.succeeded,
    changed: result.apiReportChanged,
    problems,
    reportPath,
    tempReportPath,
  };
}

/**
 * Builds the declarations, then checks (or, with `local`, rewrites) both reports.
 * `quiet` keeps API Extractor's console output back (the jest test prints the problems itself).
 */
function runApiReports({ local = false, quiet = false } = {}) {
  buildDeclarations();
  const main = runEntry(MAIN_CONFIG, { local, quiet });
  const sharedExports = reportedExports(readFileSync(main.tempReportPath, 'utf8'));
  const pulumi = runEntry(PULUMI_CONFIG, { local, quiet, sharedExports });
  const entries = [main, pulumi];
  return {
    succeeded: entries.every((e) => e.succeeded),
    changedReports: entries.filter((e) => e.changed).map((e) => e.reportPath),
    problems: entries.flatMap((e) => e.problems),
  };
}

module.exports = { runApiReports, reportedExports };

if (require.main === module) {
  const local = process.argv.includes('--local');
  const result = runApiReports({ local });
  if (!result.succeeded) {
    console.error(
      local
        ? '\nAPI Extractor reported errors (above): export the types they name, or make the members private.'
        : '\nThe API reports are not current (above). Run `npm run api:update`, review the diff of api/*.api.md and commit it.',
    );
    process.exitCode = 1;
  } else if (local && result.changedReports.length > 0) {
    console.log(
      `Updated ${result.changedReports.map((p) => p.slice(ROOT.length + 1)).join(', ')}: review the diff and commit it.`,
    );
  }
}
