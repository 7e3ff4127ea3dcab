'use strict';
// The debugger contribution with `vscode` stood in: configurations, the adapter
// descriptor (the real gene-dap's --version is checked), Run/Debug Gene File, and the
// language client's message when gene-lsp is missing.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const stub = require('./lib/vscode-stub');
const { load } = require('./lib/load');

const ROOT = path.resolve(__dirname, '../../../..');
const GENE_DAP = process.env.GENE_DAP || path.join(ROOT, 'target/debug/gene-dap');
const VERSION = require(path.join(ROOT, 'editors/vscode/package.json')).version;

function setup() {
  const ed = stub.install();
  const { registerDebugger } = load('debugger');
  const context = { subscriptions: [] };
  const log = ed.vscode.window.createOutputChannel('log');
  registerDebugger(context, VERSION, log);
  return { ed, context, log };
}

function geneEditor(ed, file, languageId = 'gene') {
  const doc = { uri: ed.vscode.Uri.file(file), languageId, isDirty: false, save: async () => true };
  ed.activeTextEditor = { document: doc };
  ed.textDocuments.push(doc);
  return doc;
}

/** A workspace folder and a PATH that hold no gene binaries. */
function emptyWorld(t, ed) {
  const dir = tempDir(t);
  ed.workspaceFolders.push(dir);
  const savedPath = process.env.PATH;
  process.env.PATH = dir;
  t.after(() => {
    process.env.PATH = savedPath;
  });
  return dir;
}

function tempDir(t) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'gene-vscode-unit-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

test('registers configuration providers (initial and dynamic), the adapter factory and both commands for type gene', () => {
  const { ed, context } = setup();
  assert.deepEqual(ed.configProviders.map((p) => [p.type, p.trigger]), [['gene', undefined], ['gene', 2]]);
  assert.deepEqual(ed.descriptorFactories.map((f) => f.type), ['gene']);
  assert.ok(ed.commands.has('gene.runFile') && ed.commands.has('gene.debugFile'));
  assert.ok(context.subscriptions.length >= 5);
});

test('provideDebugConfigurations offers the current file and the active one by its relative path', () => {
  const { ed } = setup();
  ed.workspaceFolders.push('/ws');
  geneEditor(ed, '/ws/src/main.gene');
  const configs = ed.configProviders[0].provider.provideDebugConfigurations(undefined);
  assert.deepEqual(configs.map((c) => [c.name, c.program]), [
    ['Debug current Gene file', '${file}'],
    ['Debug src/main.gene', '${workspaceFolder}/src/main.gene'],
  ]);
});

test('resolving: F5 without launch.json debugs the open Gene file; a bad configuration is refused with a message', () => {
  const { ed } = setup();
  ed.workspaceFolders.push('/ws');
  geneEditor(ed, '/ws/main.gene');
  const p = ed.configProviders[0].provider;
  const c = p.resolveDebugConfigurationWithSubstitutedVariables(undefined, {});
  assert.equal(c.program, '/ws/main.gene');
  assert.equal(c.cwd, '/ws');
  assert.equal(p.resolveDebugConfigurationWithSubstitutedVariables(undefined, { type: 'gene', request: 'launch', name: 'x', args: 5 }), undefined);
  assert.ok(ed.messages.some((m) => m.level === 'error' && /"args" must be an array of strings/.test(m.text)));
});

test('the adapter descriptor starts the gene-dap of gene.debugger.path, after checking its --version', async () => {
  assert.ok(fs.existsSync(GENE_DAP), `${GENE_DAP} is built`);
  const { ed, log } = setup();
  ed.settings['gene.debugger.path'] = GENE_DAP;
  const d = await ed.descriptorFactories[0].factory.createDebugAdapterDescriptor({ type: 'gene' });
  assert.ok(d instanceof ed.vscode.DebugAdapterExecutable);
  assert.equal(d.command, GENE_DAP);
  assert.deepEqual(d.args, []);
  assert.ok(log.lines.some((l) => l === `[gene] gene-dap ${VERSION} at ${GENE_DAP}`), log.lines.join('\n'));
  assert.deepEqual(ed.messages.filter((m) => m.level === 'warning'), [], 'same version: no warning');
});

test('a gene-dap of another version starts, with a warning naming both versions', async (t) => {
  const dir = tempDir(t);
  const fake = path.join(dir, 'gene-dap');
  fs.writeFileSync(fake, '#!/bin/sh\necho "gene-dap 9.9.9"\n', { mode: 0o755 });
  const { ed } = setup();
  ed.settings['gene.debugger.path'] = fake;
  const d = await ed.descriptorFactories[0].factory.createDebugAdapterDescriptor({ type: 'gene' });
  assert.equal(d.command, fake);
  const w = ed.messages.find((m) => m.level === 'warning');
  assert.ok(w, 'a warning');
  assert.match(w.text, new RegExp(`gene-dap is version 9\\.9\\.9 but this extension is ${VERSION.replace(/\./g, '\\.')}`));
});

test('no gene-dap anywhere: the session does not start and the message says where it looked', async (t) => {
  const { ed } = setup();
  const dir = emptyWorld(t, ed);
  await assert.rejects(ed.descriptorFactories[0].factory.createDebugAdapterDescriptor({ type: 'gene' }), /gene-dap was not found/);
  const e = ed.messages.find((m) => m.level === 'error');
  assert.match(e.text, new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/target/debug/gene-dap`));
  assert.deepEqual(e.items, ['Open Settings']);
});

test('Run Gene File starts a noDebug session of the active file; Debug Gene File a debug one; other files are refused', async () => {
  const { ed } = setup();
  ed.workspaceFolders.push('/ws');
  geneEditor(ed, '/ws/app.gene');
  await ed.vscode.commands.executeCommand('gene.runFile');
  await ed.vscode.commands.executeCommand('gene.debugFile');
  assert.deepEqual(
    ed.started.map((s) => [s.config.name, s.config.program, s.config.noDebug, s.options.noDebug]),
    [
      ['Run Gene File', '/ws/app.gene', true, true],
      ['Debug Gene File', '/ws/app.gene', undefined, false],
    ],
  );
  geneEditor(ed, '/ws/notes.txt', 'plaintext');
  await ed.vscode.commands.executeCommand('gene.runFile');
  assert.equal(ed.started.length, 2);
  assert.ok(ed.messages.some((m) => /open a saved \.gene file/.test(m.text)));
});

test('the language client: no gene-lsp found means a clear error with Open Settings, and no crash', async (t) => {
  const ed = stub.install();
  const dir = emptyWorld(t, ed);
  const { GeneLanguageClient } = load('client');
  const c = new GeneLanguageClient(VERSION);
  await c.start();
  assert.equal(c.running, false);
  const e = ed.messages.find((m) => m.level === 'error');
  assert.match(e.text, /gene-lsp was not found/);
  assert.match(e.text, /gene\.server\.path/);
  assert.deepEqual(e.items, ['Open Settings', 'Show Output']);
  assert.ok(ed.channels.find((ch) => ch.name === 'Gene Language Server').lines.some((l) => /gene-lsp was not found/.test(l)));
});
