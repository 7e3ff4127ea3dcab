'use strict';
// Code actions applied as workspace edits, inlay hints, workspace symbols over a
// folder, and settings changed with workspace/didChangeConfiguration.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const lsp = require('vscode-languageserver-protocol');
const h = require('./lib/client');

const { T } = h;

/** The text after applying a code action's workspace edit to `uri`'s text. */
function applyAction(c, uri, text, action) {
  assert.ok(action.edit, `action ${action.title} carries an edit`);
  const changes = action.edit.changes || {};
  const edits = changes[uri] || [];
  assert.ok(edits.length > 0, `action ${action.title} edits the document`);
  return h.applyEdits(text, edits, c.encoding);
}

async function actionsAt(c, uri, text, needle) {
  const range = h.rangeOf(text, needle, { enc: c.encoding });
  const p = await c.waitDiagnostics(uri, (x) => x.version === 1);
  const diags = p.diagnostics.filter(
    (d) => d.range.start.line <= range.end.line && d.range.end.line >= range.start.line,
  );
  return c.request(lsp.CodeActionRequest.method, {
    textDocument: { uri },
    range,
    context: { diagnostics: diags },
  });
}

test('quick fixes are workspace edits that produce the fixed program', T, async (t) => {
  const c = await h.start(t);
  c.requireCapability('codeActionProvider');
  const uri = h.docUri('fixes');
  const text = '(fn load [path unused]\n  (println (file_read path)))\n(sleep_async 10)\n(load "a.txt" 1)\n';
  await c.open(uri, text);

  const onCall = await actionsAt(c, uri, text, 'sleep_async');
  const awaitIt = onCall.find((a) => a.title.startsWith('Await'));
  assert.ok(awaitIt, `an await quick fix among ${onCall.map((a) => a.title)}`);
  assert.equal(awaitIt.kind, 'quickfix');
  assert.equal(awaitIt.diagnostics[0].code, 'unawaited-future');
  const fixed = applyAction(c, uri, text, awaitIt);
  assert.ok(fixed.includes('(await (sleep_async 10))'), fixed);

  const onUnused = await actionsAt(c, uri, text, 'unused');
  const prefix = onUnused.find((a) => a.title.startsWith('Rename to'));
  assert.ok(prefix, `a prefix fix among ${onUnused.map((a) => a.title)}`);
  assert.ok(applyAction(c, uri, text, prefix).startsWith('(fn load [path _unused]'));

  const onSync = await actionsAt(c, uri, text, 'file_read');
  const toAsync = onSync.find((a) => a.title.includes('file_read_async'));
  assert.ok(toAsync, `an async fix among ${onSync.map((a) => a.title)}`);
  const after = applyAction(c, uri, text, toAsync);
  assert.ok(after.includes('(println (await (file_read_async path)))'), after);

  // The fixed text has no unawaited-future diagnostic any more.
  await c.change(uri, 2, [{ text: fixed }]);
  const p = await c.waitDiagnostics(uri, (x) => x.version === 2);
  assert.ok(!h.codes(p.diagnostics).includes('unawaited-future'), JSON.stringify(p.diagnostics));
});

test('refactors: extract variable and wrap in try/catch', T, async (t) => {
  const c = await h.start(t);
  const uri = h.docUri('refactor');
  const text = '(fn f [a]\n  (println (a + 1)))\n(f 1)\n';
  await c.open(uri, text);
  const range = h.rangeOf(text, '(a + 1)', { enc: c.encoding });
  const actions = await c.request(lsp.CodeActionRequest.method, {
    textDocument: { uri },
    range,
    context: { diagnostics: [] },
  });
  const extract = actions.find((a) => a.kind === 'refactor.extract');
  assert.ok(extract, `extract among ${actions.map((a) => a.title)}`);
  assert.equal(
    applyAction(c, uri, text, extract),
    '(fn f [a]\n  (var extracted (a + 1))\n  (println extracted))\n(f 1)\n',
  );
  const wrap = actions.find((a) => a.kind === 'refactor.rewrite');
  assert.ok(wrap, 'wrap in try/catch offered');
  const wrapped = applyAction(c, uri, text, wrap);
  assert.ok(wrapped.includes('(try\n'), wrapped);
  assert.ok(wrapped.includes('catch *'), wrapped);
  // The result is formatted as `gene fmt` would.
  assert.equal(h.geneFmt(wrapped).stdout, wrapped);
});

test('inlay hints: parameter names at calls, the future at an await', T, async (t) => {
  const c = await h.start(t);
  c.requireCapability('inlayHintProvider');
  const uri = h.docUri('hints');
  const text = '(fn area [width height] (width * height))\n(var height 2)\n(println (area 3 height))\n(var nap (sleep_async 300))\n(await nap)\n';
  await c.open(uri, text);
  const hints = await c.request(lsp.InlayHintRequest.method, {
    textDocument: { uri },
    range: { start: { line: 0, character: 0 }, end: { line: 5, character: 0 } },
  });
  const labels = hints.map((x) => `${x.position.line}:${x.position.character} ${x.label}`);
  assert.ok(labels.includes('2:15 width:'), labels.join(', '));
  assert.ok(!labels.some((l) => l.endsWith('height:')), `no hint for a same-named argument: ${labels}`);
  assert.ok(labels.includes('4:10 : sleep_async 300'), labels.join(', '));
});

test('workspace symbols over every .gene file of the folder, kept current on edits', T, async (t) => {
  const dir = h.tmpDir();
  fs.mkdirSync(path.join(dir, 'lib'));
  fs.writeFileSync(path.join(dir, 'main.gene'), '(fn fetch_user [id] id)\n');
  fs.writeFileSync(path.join(dir, 'lib', 'shapes.gene'), '(class Polygon\n  (method perimeter [] 0))\n');
  const c = h.spawnServer(t);
  const folder = require('node:url').pathToFileURL(dir).href;
  const r = await c.request(lsp.InitializeRequest.method, {
    processId: process.pid,
    rootUri: folder,
    workspaceFolders: [{ uri: folder, name: 'w' }],
    capabilities: h.baseCapabilities(),
  });
  c.caps = r.capabilities;
  c.encoding = r.capabilities.positionEncoding || 'utf-16';
  c.requireCapability('workspaceSymbolProvider');
  await c.notify(lsp.InitializedNotification.method, {});
  // Indexing runs in the background: ask until both files are in.
  let found = [];
  for (let i = 0; i < 50 && found.length < 2; i++) {
    const all = await c.request(lsp.WorkspaceSymbolRequest.method, { query: '' });
    found = all.filter((s) => ['fetch_user', 'perimeter'].includes(s.name));
    if (found.length < 2) await h.sleep(100);
  }
  assert.equal(found.length, 2, 'both files indexed');
  const fu = await c.request(lsp.WorkspaceSymbolRequest.method, { query: 'fuser' });
  assert.deepEqual(fu.map((s) => s.name), ['fetch_user'], 'fuzzy query');
  const per = (await c.request(lsp.WorkspaceSymbolRequest.method, { query: 'perim' }))[0];
  assert.equal(per.containerName, 'Polygon');
  assert.ok(per.location.uri.endsWith('lib/shapes.gene'), per.location.uri);
  // An edit in an open document updates the index.
  const mainUri = require('node:url').pathToFileURL(path.join(dir, 'main.gene')).href;
  await c.open(mainUri, '(fn fetch_account [id] id)\n');
  let names = [];
  for (let i = 0; i < 50; i++) {
    names = (await c.request(lsp.WorkspaceSymbolRequest.method, { query: 'fetch' })).map((s) => s.name);
    if (names.includes('fetch_account')) break;
    await h.sleep(50);
  }
  assert.deepEqual(names, ['fetch_account']);
});

test('didChangeConfiguration turns a code off and changes a severity', T, async (t) => {
  const c = await h.start(t);
  const uri = h.docUri('config');
  const text = '(fn f [x] 1)\n(f 1 2)\n';
  await c.open(uri, text);
  const before = await c.waitDiagnostics(uri, (p) => p.version === 1);
  assert.deepEqual(h.codes(before.diagnostics), ['arity', 'unused-variable']);
  const n = c.published(uri).length;
  await c.notify(lsp.DidChangeConfigurationNotification.method, {
    settings: { diagnostics: { disabled: ['unused-variable'], severity: { arity: 'warning' } } },
  });
  const after = await c.waitDiagnostics(uri, () => true, { from: n });
  assert.deepEqual(h.codes(after.diagnostics), ['arity']);
  assert.equal(after.diagnostics[0].severity, 2, 'arity is now a warning');
});
