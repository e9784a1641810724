#!/usr/bin/env node
// Builds what the package ships (`npm pack` runs it as `prepack`): a clean build/lib from lib/
// only, with its declarations, and the non-TypeScript files the library reads at run time.
const { execFileSync } = require('child_process');
const { rmSync } = require('fs');
const { join } = require('path');
const { copyLibAssets } = require('./copy-lib-assets');

const root = join(__dirname, '..');
// A file deleted from lib/ must not linger in the tarball from an earlier build.
rmSync(join(root, 'build', 'lib'), { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
  { stdio: 'inherit' },
);
copyLibAssets(root);
