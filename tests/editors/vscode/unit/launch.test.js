'use strict';
// Launch configurations: what the user writes (or F5 with no launch.json) to gene-dap's launch arguments.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { load } = require('./lib/load');

const { resolveConfig, defaultConfig } = load('launch');
const state = { activeGeneFile: '/ws/src/main.gene', workspaceFolder: '/ws' };

function ok(raw, st = state) {
  const r = resolveConfig(raw, st);
  assert.ok(r.config, JSON.stringify(r));
  return r.config;
}
function err(raw, st = state) {
  const r = resolveConfig(raw, st);
  assert.ok(r.error, `expected an error, got ${JSON.stringify(r)}`);
  return r.error;
}

test('F5 without launch.json debugs the active Gene file', () => {
  const c = ok({});
  assert.equal(c.type, 'gene');
  assert.equal(c.request, 'launch');
  assert.equal(c.program, '/ws/src/main.gene');
  assert.equal(c.cwd, '/ws', 'cwd defaults to the workspace folder');
  assert.deepEqual(c.args, []);
  assert.match(err({}, {}), /Open a Gene file/);
});

test('defaultConfig: Run Gene File is a noDebug launch', () => {
  assert.deepEqual(defaultConfig(state, true), { type: 'gene', request: 'launch', name: 'Run Gene File', program: '/ws/src/main.gene', noDebug: true });
  assert.equal(defaultConfig({}, false), undefined);
});

test('program: relative to the workspace folder; ${file}/${workspaceFolder} left over are expanded; missing means the active file', () => {
  assert.equal(ok({ type: 'gene', request: 'launch', name: 'x', program: 'tools/run.gene' }).program, '/ws/tools/run.gene');
  assert.equal(ok({ type: 'gene', request: 'launch', name: 'x', program: '${workspaceFolder}/a.gene' }).program, '/ws/a.gene');
  assert.equal(ok({ type: 'gene', request: 'launch', name: 'x', program: '${file}' }).program, '/ws/src/main.gene');
  assert.equal(ok({ type: 'gene', request: 'launch', name: 'x' }).program, '/ws/src/main.gene');
  assert.match(err({ type: 'gene', request: 'launch', name: 'x' }, { workspaceFolder: '/ws' }), /no "program"/);
});

test('cwd: relative to the workspace; without a workspace, the program folder', () => {
  assert.equal(ok({ type: 'gene', request: 'launch', name: 'x', program: '/p/a.gene', cwd: 'data' }).cwd, '/ws/data');
  assert.equal(ok({ type: 'gene', request: 'launch', name: 'x', program: '/p/a.gene' }, { activeGeneFile: '/p/a.gene' }).cwd, '/p');
});

test('args: an array of strings; a string is split on spaces; anything else is an error', () => {
  assert.deepEqual(ok({ type: 'gene', request: 'launch', name: 'x', program: '/a.gene', args: ['--n', '3'] }).args, ['--n', '3']);
  assert.deepEqual(ok({ type: 'gene', request: 'launch', name: 'x', program: '/a.gene', args: ' --n  3 ' }).args, ['--n', '3']);
  assert.match(err({ type: 'gene', request: 'launch', name: 'x', program: '/a.gene', args: [1, 2] }), /"args" must be an array of strings/);
});

test('env, stopOnEntry, pollInterval are checked and passed through', () => {
  const c = ok({ type: 'gene', request: 'launch', name: 'x', program: '/a.gene', env: { A: '1', B: null }, stopOnEntry: 1, pollInterval: '0' });
  assert.deepEqual(c.env, { A: '1', B: null });
  assert.equal(c.stopOnEntry, true);
  assert.equal(c.pollInterval, 0);
  assert.match(err({ type: 'gene', request: 'launch', name: 'x', program: '/a.gene', env: ['A=1'] }), /"env" must be an object/);
  assert.match(err({ type: 'gene', request: 'launch', name: 'x', program: '/a.gene', env: { A: 1 } }), /"env\.A" must be a string or null/);
  assert.match(err({ type: 'gene', request: 'launch', name: 'x', program: '/a.gene', pollInterval: -5 }), /"pollInterval" must be a whole number/);
  assert.match(err({ type: 'gene', request: 'launch', name: 'x', program: '/a.gene', pollInterval: 1.5 }), /whole number/);
});

test('attach needs a valid port; an unknown request is an error', () => {
  assert.equal(ok({ type: 'gene', request: 'attach', name: 'a', port: '9229' }).port, 9229);
  assert.match(err({ type: 'gene', request: 'attach', name: 'a' }), /"port" must be the port/);
  assert.match(err({ type: 'gene', request: 'attach', name: 'a', port: 70000 }), /"port"/);
  assert.match(err({ type: 'gene', request: 'run', name: 'a' }), /"request" must be "launch" or "attach"/);
});
