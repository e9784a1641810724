#!/usr/bin/env node
// The API reports of the package's two entry points, api/k8s-stack.api.md (`.`) and
// api/k8s-stack-pulumi.api.md (`./pulumi`), made by API Extractor from the declarations that
// `tsc -p tsconfig.build.json` makes (the ones the package ships), written to
// build/api-report/lib so that no other build overwrites them.
//
//   node scripts/api-report.js           check: fails when a report differs (`npm run api:check`)
//   node scripts/api-report.js --local   rewrite the reports (`npm run api:update`), then review the diff
//
// API Extractor reads one entry point at a time; both share one TypeScript program. The Pulumi
// entry's types name the chart's (`ObservabilityStack`, its props), which the main entry
// exports: those references are accepted, and any other type the Pulumi entry does not export
// is still an error.
//
// Both steps are pure functions of files, so each is skipped when what it reads is unchanged
// since it last ran: the build when lib/, the compiler options and the dependencies are;
// the check, when it passed on the same declarations, configs, committed reports and script.
const { execFileSync } = require('child_process');
const { createHash } = require('crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('fs');
const { join, relative } = require('path');

const ROOT = join(__dirname, '..');
const MAIN_CONFIG = join(ROOT, 'api-extractor.json');
const PULUMI_CONFIG = join(ROOT, 'api-extractor.pulumi.json');
/** Where the declarations (and the JavaScript) of lib/ go: `lib/index.d.ts` and so on. */
const DECLARATIONS_DIR = join(ROOT, 'build', 'api-report');
/** What the last build of DECLARATIONS_DIR was made from, and what it wrote. */
const BUILD_RECORD = join(DECLARATIONS_DIR, 'build.json');
/** The hash of what the last check that passed read. */
const CHECK_RECORD = join(DECLARATIONS_DIR, 'check.json');

/** API Extractor, loaded when a check runs (loading it takes a second). */
function apiExtractor() {
  return require('@microsoft/api-extractor');
}

/** Every file under `dir`, as paths relative to ROOT, sorted. */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return filesUnder(path);
      return entry.isFile() ? [relative(ROOT, path)] : [];
    })
    .sort();
}

function sha256(text) {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * One hash of everything the declarations depend on: every file of lib/, the compiler
 * options, the installed dependencies (their types are read) and the compiler's version.
 */
function declarationInputs() {
  const hash = createHash('sha256');
  hash.update(`typescript ${require('typescript/package.json').version}\n`);
  const files = [
    ...filesUnder(join(ROOT, 'lib')),
    'tsconfig.json',
    'tsconfig.build.json',
    'package-lock.json',
  ];
  for (const file of files) hash.update(`${file}\n${sha256(readFileSync(join(ROOT, file)))}\n`);
  return hash.digest('hex');
}

/** The hash of every file the build wrote, by path. */
function declarationOutputs() {
  return Object.fromEntries(
    filesUnder(join(DECLARATIONS_DIR, 'lib')).map((file) => [
      file,
      sha256(readFileSync(join(ROOT, file))),
    ]),
  );
}

/** Whether DECLARATIONS_DIR holds, untouched, what a build from `inputs` wrote. */
function isCurrent(inputs) {
  if (!existsSync(BUILD_RECORD)) return false;
  const record = JSON.parse(readFileSync(BUILD_RECORD, 'utf8'));
  return (
    record.inputs === inputs &&
    JSON.stringify(declarationOutputs()) === JSON.stringify(record.outputs)
  );
}

/**
 * One hash of everything a check reads: the declarations and what they were built from,
 * API Extractor's version and configs, the committed reports and this script.
 */
function checkInputs() {
  const hash = createHash('sha256');
  hash.update(`api-extractor ${require('@microsoft/api-extractor/package.json').version}\n`);
  hash.update(`${sha256(readFileSync(BUILD_RECORD))}\n`);
  const files = [
    'api-extractor.json',
    'api-extractor.pulumi.json',
    relative(ROOT, __filename),
    ...filesUnder(join(ROOT, 'api')),
  ];
  for (const file of files) hash.update(`${file}\n${sha256(readFileSync(join(ROOT, file)))}\n`);
  return hash.digest('hex');
}

function passedBefore(inputs) {
  return existsSync(CHECK_RECORD) && readFileSync(CHECK_RECORD, 'utf8').trim() === inputs;
}

/**
 * Builds the declarations with `tsc -p tsconfig.build.json` into DECLARATIONS_DIR, from
 * scratch, unless it holds those of the same inputs already: the compiler's type check is
 * most of this script's time, and the same inputs give the same declarations.
 */
function buildDeclarations() {
  const inputs = declarationInputs();
  if (isCurrent(inputs)) return;
  rmSync(DECLARATIONS_DIR, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '-p',
      join(ROOT, 'tsconfig.build.json'),
      '--outDir',
      DECLARATIONS_DIR,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  mkdirSync(DECLARATIONS_DIR, { recursive: true });
  writeFileSync(
    BUILD_RECORD,
    `${JSON.stringify({ inputs, outputs: declarationOutputs() }, null, 2)}\n`,
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

function runEntry(config, { compilerState, local, quiet, sharedExports }) {
  const { Extractor, ExtractorLogLevel } = apiExtractor();
  const problems = [];
  const result = Extractor.invoke(config, {
    compilerState,
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
 * Builds the declarations, then checks (or, with `local`, rewrites) both reports; a check
 * that passed on the same inputs passes again without running. `quiet` keeps API Extractor's
 * console output back (the jest test prints the problems itself).
 */
function runApiReports({ local = false, quiet = false } = {}) {
  buildDeclarations();
  const inputs = checkInputs();
  if (!local && passedBefore(inputs)) return { succeeded: true, changedReports: [], problems: [] };
  rmSync(CHECK_RECORD, { force: true });
  const { CompilerState, ExtractorConfig } = apiExtractor();
  const mainConfig = ExtractorConfig.loadFileAndPrepare(MAIN_CONFIG);
  const pulumiConfig = ExtractorConfig.loadFileAndPrepare(PULUMI_CONFIG);
  // One program holds both entry points (the Pulumi entry's declarations import the main's).
  const compilerState = CompilerState.create(mainConfig, {
    additionalEntryPoints: [pulumiConfig.mainEntryPointFilePath],
  });
  const main = runEntry(mainConfig, { compilerState, local, quiet });
  const sharedExports = reportedExports(readFileSync(main.tempReportPath, 'utf8'));
  const pulumi = runEntry(pulumiConfig, { compilerState, local, quiet, sharedExports });
  const entries = [main, pulumi];
  const result = {
    succeeded: entries.every((e) => e.succeeded),
    changedReports: entries.filter((e) => e.changed).map((e) => e.reportPath),
    problems: entries.flatMap((e) => e.problems),
  };
  const passed = result.succeeded && result.changedReports.length === 0;
  // After --local the reports may have changed: the next check runs and records itself.
  if (!local && passed) writeFileSync(CHECK_RECORD, `${inputs}\n`);
  return result;
}

module.exports = { runApiReports, reportedExports, DECLARATIONS_DIR };

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
