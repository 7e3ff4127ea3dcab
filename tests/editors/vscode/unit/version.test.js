'use strict';
// The version check of gene-lsp / gene-dap against the extension's version.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { load } = require('./lib/load');

const { parseVersion, checkVersion } = load('version');

test('parseVersion reads the x.y.z of `gene-lsp 0.1.0`', () => {
  assert.equal(parseVersion('gene-lsp 0.1.0\n'), '0.1.0');
  assert.equal(parseVersion('gene-dap 1.22.333-beta.1'), '1.22.333-beta.1');
  assert.equal(parseVersion('no version here'), undefined);
});

test('the same version passes; a different one is named with both versions', () => {
  assert.deepEqual(checkVersion('gene-lsp', 'gene-lsp 0.1.0', '0.1.0'), { ok: true, version: '0.1.0' });
  const r = checkVersion('gene-dap', 'gene-dap 0.2.0', '0.1.0');
  assert.equal(r.ok, false);
  assert.match(r.message, /gene-dap is version 0\.2\.0 but this extension is 0\.1\.0/);
  assert.equal(checkVersion('gene-dap', 'gene-dap 0.1.1', '0.1.0').ok, false, 'a patch difference is reported too');
});

test('output without a version is reported, not taken as a match', () => {
  const r = checkVersion('gene-lsp', 'error: unexpected argument --version', '0.1.0');
  assert.equal(r.ok, false);
  assert.match(r.message, /could not read the version of gene-lsp/);
});
