#!/usr/bin/env node
// The library reads a few plain files next to its modules at run time (the Filebeat script
// processor's ES5.1 source, `lib/filebeat/log-processing-script.js`). tsc copies no such file,
// so every build copies each `.js` file under lib/ to the same place under build/lib, and the
// module finds it at `join(__dirname, name)` in the sources (jest, `npm run synth`) and in the build alike.
const { copyFileSync, mkdirSync, readdirSync } = require('fs');
const { dirname, join, relative } = require('path');

function libAssets(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return libAssets(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}

function copyLibAssets(root) {
  const lib = join(root, 'lib');
  for (const source of libAssets(lib)) {
    const target = join(root, 'build', 'lib', relative(lib, source));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
  }
}

module.exports = { copyLibAssets, libAssets };
if (require.main === module) copyLibAssets(join(__dirname, '..'));
