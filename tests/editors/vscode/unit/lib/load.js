'use strict';
// Loads the extension's compiled modules (editors/vscode/out, written by build.sh).
const fs = require('node:fs');
const path = require('node:path');

const OUT = path.resolve(__dirname, '../../../../../editors/vscode/out');

function load(name) {
  const file = path.join(OUT, `${name}.js`);
  if (!fs.existsSync(file)) throw new Error(`${file} missing: run editors/vscode/build.sh first`);
  return require(file);
}

module.exports = { load, OUT };
