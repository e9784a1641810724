// A require hook that runs the TypeScript sources directly: `node -r ./scripts/register-ts.js
// stacks/main.ts`. Each .ts file is transpiled on load by swc with the options in .swcrc (the
// ones jest uses through @swc/jest), to CommonJS, and compiled as the module it replaces, so
// `__dirname` and `require` are the .ts file's own: lib/filebeat/log-processing.ts finds
// log-processing-script.js beside it in lib/, as it does in build/lib.
//
// Types are stripped, not checked: `npm run lint` (tsc --noEmit) checks them. The build that is
// shipped (`npm run build:lib`, `npm pack`) stays tsc's.
//
// The output is kept in build/register-ts-cache/ (or REGISTER_TS_CACHE_DIR), one file per
// source, named by a hash of the source, its path, the options and the swc version: a run where
// no source changed loads no swc at all (its native binding alone takes about 50 ms to load).
// `rm -rf build` empties it.
const { createHash } = require('crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('fs');
const { join } = require('path');

const ROOT = join(__dirname, '..');
const CACHE_DIR = process.env.REGISTER_TS_CACHE_DIR || join(ROOT, 'build', 'register-ts-cache');
const SWCRC = readFileSync(join(ROOT, '.swcrc'), 'utf8');
// The options of .swcrc, except the schema reference, which swc does not take as an option.
const { $schema: _schema, ...OPTIONS } = JSON.parse(SWCRC);
const SWC_VERSION = JSON.parse(
  readFileSync(require.resolve('@swc/core/package.json'), 'utf8'),
).version;

// The output carries the inline source maps of .swcrc, but Node reads them only when asked:
// `node --enable-source-maps -r ./scripts/register-ts.js ...` for .ts lines in stack traces. Not by
// default: then Node also decodes the inline maps of every cdk8s module, which adds about a quarter
// (50 ms of CPU on the 2-core machine) to loading the stack.

function transpile(source, filename) {
  const { transformSync } = require('@swc/core');
  return transformSync(source, { ...OPTIONS, filename, swcrc: false, configFile: false }).code;
}

function cached(source, filename) {
  const key = createHash('sha256')
    .update(`${SWC_VERSION}\0${SWCRC}\0${filename}\0${source}`)
    .digest('hex');
  const path = join(CACHE_DIR, `${key}.js`);
  try {
    return readFileSync(path, 'utf8');
  } catch {
    const code = transpile(source, filename);
    // Written whole under a temporary name first: a concurrent run never reads half a file.
    mkdirSync(CACHE_DIR, { recursive: true });
    const partial = `${path}.${process.pid}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, path);
    return code;
  }
}

function compileTypeScript(module, filename) {
  module._compile(cached(readFileSync(filename, 'utf8'), filename), filename);
}

require.extensions['.ts'] = compileTypeScript;
