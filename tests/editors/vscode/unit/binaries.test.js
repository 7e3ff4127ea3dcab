'use strict';
// Server and debugger path resolution: setting, else PATH, else the workspace's target/.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { load } = require('./lib/load');

const { findBinary, isFound, missingMessage, expandSetting } = load('binaries');

function lookup(files, over = {}) {
  const set = new Set(files);
  return {
    setting: undefined,
    pathEnv: '/usr/local/bin:/usr/bin',
    workspaceFolders: ['/ws'],
    home: '/home/ann',
    platform: 'linux',
    isExecutable: (f) => set.has(f),
    ...over,
  };
}

test('the setting wins over PATH and the workspace build', () => {
  const r = findBinary('gene-lsp', lookup(['/opt/gene/gene-lsp', '/usr/bin/gene-lsp', '/ws/target/debug/gene-lsp'], { setting: '/opt/gene/gene-lsp' }));
  assert.deepEqual(r, { path: '/opt/gene/gene-lsp', source: 'setting' });
});

test('a setting naming a missing file is reported as such, not silently replaced by PATH', () => {
  const r = findBinary('gene-lsp', lookup(['/usr/bin/gene-lsp'], { setting: '/opt/typo/gene-lsp' }));
  assert.ok(!isFound(r));
  assert.equal(r.badSetting, '/opt/typo/gene-lsp');
  assert.match(missingMessage('gene-lsp', 'gene.server.path', r), /gene\.server\.path is "\/opt\/typo\/gene-lsp", which is not an executable file/);
});

test('~ and ${workspaceFolder} in the setting; a relative path is taken from the workspace', () => {
  assert.equal(expandSetting('~/bin/gene-dap', { home: '/home/ann', workspaceFolders: [] }), '/home/ann/bin/gene-dap');
  assert.equal(expandSetting('${workspaceFolder}/target/debug/gene-dap', { home: '/h', workspaceFolders: ['/ws'] }), '/ws/target/debug/gene-dap');
  assert.equal(expandSetting('tools/gene-dap', { home: '/h', workspaceFolders: ['/ws'] }), '/ws/tools/gene-dap');
  const r = findBinary('gene-dap', lookup(['/home/ann/bin/gene-dap'], { setting: '~/bin/gene-dap' }));
  assert.deepEqual(r, { path: '/home/ann/bin/gene-dap', source: 'setting' });
});

test('a bare command name in the setting is looked up on PATH', () => {
  const r = findBinary('gene-lsp', lookup(['/usr/bin/gene-lsp-nightly'], { setting: 'gene-lsp-nightly' }));
  assert.deepEqual(r, { path: '/usr/bin/gene-lsp-nightly', source: 'PATH' });
});

test('no setting: the first PATH entry that has it', () => {
  const r = findBinary('gene-dap', lookup(['/usr/bin/gene-dap', '/usr/local/bin/gene-dap']));
  assert.deepEqual(r, { path: '/usr/local/bin/gene-dap', source: 'PATH' });
  const empty = findBinary('gene-dap', lookup(['/usr/bin/gene-dap'], { pathEnv: '::/usr/bin:' }));
  assert.deepEqual(empty, { path: '/usr/bin/gene-dap', source: 'PATH' }, 'empty PATH entries are skipped');
});

test('not on PATH: the workspace build, server before release before debug', () => {
  assert.deepEqual(findBinary('gene-lsp', lookup(['/ws/target/debug/gene-lsp', '/ws/target/release/gene-lsp'])), {
    path: '/ws/target/release/gene-lsp',
    source: 'workspace',
  });
  assert.deepEqual(findBinary('gene-lsp', lookup(['/ws/target/debug/gene-lsp', '/ws/target/server/gene-lsp'])), {
    path: '/ws/target/server/gene-lsp',
    source: 'workspace',
  });
  const second = findBinary('gene-lsp', lookup(['/b/target/debug/gene-lsp'], { workspaceFolders: ['/a', '/b'] }));
  assert.deepEqual(second, { path: '/b/target/debug/gene-lsp', source: 'workspace' }, 'any workspace folder');
});

test('nowhere: the message lists every place tried and the setting to use', () => {
  const r = findBinary('gene-dap', lookup([]));
  assert.ok(!isFound(r));
  assert.deepEqual(r.tried, ['gene-dap on PATH', '/ws/target/server/gene-dap', '/ws/target/release/gene-dap', '/ws/target/debug/gene-dap']);
  const msg = missingMessage('gene-dap', 'gene.debugger.path', r);
  assert.match(msg, /^Gene: gene-dap was not found/);
  assert.match(msg, /\/ws\/target\/debug\/gene-dap/);
  assert.match(msg, /set gene\.debugger\.path/);
});

test('Windows: .exe and ; in PATH', () => {
  const r = findBinary('gene-lsp', lookup(['C:\\tools/gene-lsp.exe'], { platform: 'win32', pathEnv: 'C:\\x;C:\\tools' }));
  assert.ok(isFound(r), JSON.stringify(r));
  assert.match(r.path, /gene-lsp\.exe$/);
});
