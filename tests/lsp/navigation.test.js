'use strict';
// Hover, definition, references, document highlight, prepareRename + rename,
// document symbols, completion and signature help, on fixtures/program.gene.
// Each test first checks that the server advertises the capability and fails with
// "... not advertised" when it does not (these features must exist, not be skipped).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./lib/client');

const { T } = h;
const PROGRAM = fs.readFileSync(path.join(__dirname, 'fixtures/program.gene'), 'utf8');
const LINES = PROGRAM.split('\n');

/** Position of `needle` on 0-based line `line` (plus `delta` characters). */
function at(line, needle, delta = 0, nth = 0) {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = LINES[line].indexOf(needle, i + 1);
    if (i < 0) throw new Error(`${needle} #${nth} not on line ${line}: ${LINES[line]}`);
  }
  return { line, character: i + delta };
}

function word(line, needle, nth = 0) {
  const s = at(line, needle, 0, nth);
  return { start: s, end: { line, character: s.character + needle.length } };
}

async function openProgram(t, opts = {}) {
  const c = await h.start(t, opts);
  const uri = h.docUri('program');
  await c.open(uri, PROGRAM);
  return { c, uri, td: { uri } };
}

/** The text of a hover's contents, whatever shape they have. */
function hoverText(hv) {
  const one = (x) => (typeof x === 'string' ? x : x && x.value) || '';
  const c = hv && hv.contents;
  return Array.isArray(c) ? c.map(one).join('\n') : one(c);
}

/** Locations of a definition answer (Location, Location[] or LocationLink[]). */
function locations(r) {
  if (!r) return [];
  const list = Array.isArray(r) ? r : [r];
  return list.map((l) => (l.targetUri ? { uri: l.targetUri, range: l.targetSelectionRange || l.targetRange } : l));
}

/** The TextEdits of a WorkspaceEdit for one uri (changes or documentChanges). */
function editsFor(we, uri) {
  assert.ok(we, 'a workspace edit');
  if (we.changes) return we.changes[uri] || [];
  if (we.documentChanges) {
    return we.documentChanges.filter((d) => d.textDocument && d.textDocument.uri === uri).flatMap((d) => d.edits);
  }
  return [];
}

function sortRanges(rs) {
  return [...rs].sort((a, b) => a.start.line - b.start.line || a.start.character - b.start.character);
}

// ---- hover ----------------------------------------------------------------------------------

test('hover: a native shows its signature and doc, with the hovered word as range', T, async (t) => {
  const { c, td } = await openProgram(t);
  c.requireCapability('hoverProvider');
  const hv = await c.request('textDocument/hover', { textDocument: td, position: at(8, 'println', 2) });
  assert.ok(hv, 'a hover on println');
  const s = hoverText(hv);
  assert.match(s, /println/, s);
  assert.ok(s.length > 'println'.length + 5, `more than the name: ${s}`);
  if (hv.range) assert.deepEqual(hv.range, word(8, 'println'));
});

test('hover: a deprecated native says so and names its replacement; an async native says it returns a future', T, async (t) => {
  const { c, td } = await openProgram(t);
  c.requireCapability('hoverProvider');
  const dep = hoverText(await c.request('textDocument/hover', { textDocument: td, position: at(9, 'file_read', 3) }));
  assert.match(dep, /deprecated/i, dep);
  assert.match(dep, /read_async/, `the replacement is named: ${dep}`);
  const fut = hoverText(await c.request('textDocument/hover', { textDocument: td, position: at(10, 'sleep_async', 3) }));
  assert.match(fut, /future/i, fut);
});

test('hover: a user function shows its signature and the comment lines above its definition', T, async (t) => {
  const { c, td } = await openProgram(t);
  c.requireCapability('hoverProvider');
  const s = hoverText(await c.request('textDocument/hover', { textDocument: td, position: at(4, 'add', 1) }));
  assert.match(s, /add/);
  assert.match(s, /\[a b\]/, `the parameters: ${s}`);
  assert.match(s, /Adds two numbers\./, `the doc comment: ${s}`);
  assert.match(s, /Returns their sum\./, `the whole doc comment: ${s}`);
});

test('hover: variables say what they are (global, parameter, local, captured)', T, async (t) => {
  const { c, td } = await openProgram(t);
  c.requireCapability('hoverProvider');
  const hv = async (p) => hoverText(await c.request('textDocument/hover', { textDocument: td, position: p }));
  assert.match(await hv(at(8, 'total', 1)), /global|top-level/i);
  assert.match(await hv(at(3, 'a', 0)), /parameter/i);
  const k = await hv(at(7, 'k', 0));
  assert.match(k, /local/i, k);
  assert.match(k, /captured/i, `k is captured by the fnx: ${k}`);
  const a = await hv(at(7, 'a', 0));
  assert.match(a, /captured/i, `a is captured by the fnx: ${a}`);
  // Nothing to say on a comment.
  const none = await c.request('textDocument/hover', { textDocument: td, position: { line: 0, character: 4 } });
  assert.ok(none === null || hoverText(none) === '', `no hover on a comment: ${JSON.stringify(none)}`);
});

// ---- definition -------------------------------------------------------------------------------

test('definition: functions, globals, scoped parameters, classes and namespace members', T, async (t) => {
  const { c, uri, td } = await openProgram(t);
  c.requireCapability('definitionProvider');
  const def = async (p) => locations(await c.request('textDocument/definition', { textDocument: td, position: p }));
  const cases = [
    { from: at(4, 'add', 1), to: word(2, 'add'), what: 'add' },
    { from: at(8, 'total', 2), to: word(4, 'total'), what: 'total' },
    // The `a` inside the closure is scale's parameter, not add's.
    { from: at(7, 'a'), to: word(5, 'a', 1), what: 'captured a' },
    { from: at(7, 'k'), to: word(6, 'k'), what: 'k' },
    { from: at(20, 'Point', 1), to: word(12, 'Point'), what: 'Point' },
    { from: at(21, 'area', 1), to: word(19, 'area'), what: 'geo/area' },
  ];
  for (const k of cases) {
    const locs = await def(k.from);
    assert.equal(locs.length, 1, `one definition of ${k.what}: ${JSON.stringify(locs)}`);
    assert.equal(locs[0].uri, uri);
    assert.deepEqual(locs[0].range, k.to, `definition of ${k.what}`);
  }
  // A native has no definition in the file.
  assert.deepEqual(await def(at(8, 'println', 1)), []);
});

// ---- references and highlights ------------------------------------------------------------------

test('references: with and without the declaration; a parameter only within its function', T, async (t) => {
  const { c, uri, td } = await openProgram(t);
  c.requireCapability('referencesProvider');
  const refs = async (p, includeDeclaration) => {
    const r = await c.request('textDocument/references', { textDocument: td, position: p, context: { includeDeclaration } });
    assert.ok(Array.isArray(r), JSON.stringify(r));
    r.forEach((l) => assert.equal(l.uri, uri));
    return sortRanges(r.map((l) => l.range));
  };
  assert.deepEqual(await refs(at(2, 'add', 1), true), [word(2, 'add'), word(4, 'add')]);
  assert.deepEqual(await refs(at(2, 'add', 1), false), [word(4, 'add')]);
  // add's `a`: its parameter and its use, not scale's `a`.
  assert.deepEqual(await refs(at(3, 'a'), true), [word(2, 'a', 1), word(3, 'a')]);
  assert.deepEqual(await refs(at(5, 'a', 0, 1), true), [word(5, 'a', 1), word(7, 'a')]);
});

test('documentHighlight: the definition is a write, uses are reads', T, async (t) => {
  const { c, td } = await openProgram(t);
  c.requireCapability('documentHighlightProvider');
  const hl = async (p) => {
    const r = await c.request('textDocument/documentHighlight', { textDocument: td, position: p });
    return [...r].sort((a, b) => a.range.start.line - b.range.start.line);
  };
  const W = h.lsp.DocumentHighlightKind.Write;
  const R = h.lsp.DocumentHighlightKind.Read;
  assert.deepEqual(await hl(at(8, 'total', 1)), [
    { range: word(4, 'total'), kind: W },
    { range: word(8, 'total'), kind: R },
  ]);
  assert.deepEqual(await hl(at(6, 'k')), [
    { range: word(6, 'k'), kind: W },
    { range: word(7, 'k'), kind: R },
  ]);
});

// ---- rename -----------------------------------------------------------------------------------

test('prepareRename + rename: a parameter is renamed only within its function', T, async (t) => {
  const { c, uri, td } = await openProgram(t);
  const rp = c.requireCapability('renameProvider');
  assert.ok(rp && rp.prepareProvider === true, `renameProvider.prepareProvider not advertised: ${JSON.stringify(rp)}`);
  const prep = await c.request('textDocument/prepareRename', { textDocument: td, position: at(3, 'a') });
  assert.ok(prep, 'prepareRename accepts a parameter');
  assert.deepEqual(prep.range || prep, word(3, 'a'));
  const we = await c.request('textDocument/rename', { textDocument: td, position: at(3, 'a'), newName: 'x' });
  const out = h.applyEdits(PROGRAM, editsFor(we, uri));
  const want = PROGRAM.replace('(fn add [a b]\n  (a + b))', '(fn add [x b]\n  (x + b))');
  assert.notEqual(want, PROGRAM);
  assert.equal(out, want, 'only add\'s a changes (scale\'s a stays)');
});

test('rename: a global function is renamed at its definition and every call; the result has no new errors', T, async (t) => {
  const { c, uri, td } = await openProgram(t);
  c.requireCapability('renameProvider');
  const we = await c.request('textDocument/rename', { textDocument: td, position: at(4, 'add', 1), newName: 'plus' });
  const edits = editsFor(we, uri);
  const out = h.applyEdits(PROGRAM, edits);
  assert.equal(out, PROGRAM.replace('(fn add [a b]', '(fn plus [a b]').replace('(var total (add 1 2))', '(var total (plus 1 2))'));
  // Apply it as the editor would and check the diagnostics.
  const before = await c.waitDiagnostics(uri, (p) => p.version === 1);
  await c.change(uri, 2, edits.map((e) => ({ range: e.range, text: e.newText })));
  const after = await c.waitDiagnostics(uri, (p) => p.version === 2);
  const errs = (p) => p.diagnostics.filter((d) => d.severity === h.lsp.DiagnosticSeverity.Error).length;
  assert.equal(errs(after), errs(before), `no new errors after the rename: ${JSON.stringify(after.diagnostics)}`);
});

test('rename refuses natives, keywords and special forms with a clear message, and bad new names', T, async (t) => {
  const { c, td } = await openProgram(t);
  c.requireCapability('renameProvider');
  const refusals = [
    { p: at(8, 'println', 1), what: 'the native println' },
    { p: at(2, 'fn', 1), what: 'the special form fn' },
    { p: at(4, 'var', 1), what: 'the special form var' },
    { p: at(13, 'ctor', 1), what: 'the keyword ctor' },
  ];
  for (const k of refusals) {
    let r;
    try {
      r = await c.request('textDocument/prepareRename', { textDocument: td, position: k.p });
    } catch (e) {
      assert.ok(e.code !== undefined, e.message);
      assert.ok(e.rpcMessage && e.rpcMessage.length > 10, `a clear message for ${k.what}: ${JSON.stringify(e.rpcMessage)}`);
      continue;
    }
    assert.fail(`prepareRename on ${k.what} must be refused with a message, got ${JSON.stringify(r)}`);
  }
  for (const bad of ['1x', 'a b', '', '(x)']) {
    const e = await c.requestError('textDocument/rename', { textDocument: td, position: at(3, 'a'), newName: bad });
    assert.ok(e.message && e.message.length > 0, `renaming to ${JSON.stringify(bad)} is refused: ${JSON.stringify(e)}`);
  }
});

// ---- symbols ----------------------------------------------------------------------------------

test('documentSymbol: hierarchical symbols for fn, var, class (with methods) and ns (with members)', T, async (t) => {
  const { c, td } = await openProgram(t);
  c.requireCapability('documentSymbolProvider');
  const syms = await c.request('textDocument/documentSymbol', { textDocument: td });
  assert.ok(Array.isArray(syms) && syms.length > 0, JSON.stringify(syms));
  assert.ok(syms.every((s) => s.selectionRange && !s.location), 'hierarchical DocumentSymbol[], not SymbolInformation[]');
  const K = h.lsp.SymbolKind;
  assert.deepEqual(
    syms.map((s) => [s.name, s.kind]),
    [
      ['add', K.Function],
      ['total', K.Variable],
      ['scale', K.Function],
      ['f', K.Variable],
      ['Point', K.Class],
      ['geo', K.Namespace],
      ['origin', K.Variable],
    ],
    `top-level symbols: ${JSON.stringify(syms.map((s) => [s.name, s.kind]))}`,
  );
  const byName = Object.fromEntries(syms.map((s) => [s.name, s]));
  const point = byName.Point;
  assert.ok((point.children || []).some((s) => s.name === 'norm' && s.kind === K.Method), `Point has the method norm: ${JSON.stringify(point.children)}`);
  const geo = byName.geo;
  assert.ok((geo.children || []).some((s) => s.name === 'area' && s.kind === K.Function), `geo has area: ${JSON.stringify(geo.children)}`);
  // Ranges: the whole form; selection: the name, inside the range.
  assert.deepEqual(byName.add.range, { start: { line: 2, character: 0 }, end: { line: 3, character: 10 } });
  const check = (s) => {
    assert.equal(h.textOf(PROGRAM, s.selectionRange), s.name, `selectionRange of ${s.name} is its name`);
    const [a, b] = [h.offsetAt(PROGRAM, s.range.start), h.offsetAt(PROGRAM, s.range.end)];
    const [sa, sb] = [h.offsetAt(PROGRAM, s.selectionRange.start), h.offsetAt(PROGRAM, s.selectionRange.end)];
    assert.ok(a <= sa && sb <= b, `selectionRange inside range for ${s.name}`);
    (s.children || []).forEach(check);
  };
  syms.forEach(check);
});

// ---- completion and signature help (advertised today) -----------------------------------------------

const COMPLETE_TEXT = PROGRAM + '(fn use [p]\n  (var q 1)\n  (println )\n  (geo/)\n  (math/)\n  (origin .))\n';

async function completionAt(t, needle, delta, triggerCharacter) {
  const c = await h.start(t);
  c.requireCapability('completionProvider');
  const uri = h.docUri('complete');
  await c.open(uri, COMPLETE_TEXT);
  const context = triggerCharacter ? { triggerKind: 2, triggerCharacter } : { triggerKind: 1 };
  const r = await c.request('textDocument/completion', {
    textDocument: { uri },
    position: h.posOf(COMPLETE_TEXT, needle, { delta }),
    context,
  });
  const items = Array.isArray(r) ? r : (r && r.items) || [];
  return { c, items, labels: items.map((i) => i.label) };
}

test('completion: locals in scope, globals, classes and natives, not the locals of other functions', T, async (t) => {
  const { c, items, labels } = await completionAt(t, '(println )', 9);
  for (const l of ['p', 'q', 'add', 'total', 'Point', 'println', 'sleep_async']) {
    assert.ok(labels.includes(l), `${l} offered inside use: ${JSON.stringify(labels.slice(0, 40))}`);
  }
  for (const l of ['b', 'k', 'r']) assert.ok(!labels.includes(l), `${l} (another function's local) not offered`);
  // completionItem/resolve adds the documentation of a native.
  const item = items.find((i) => i.label === 'println');
  if (c.caps.completionProvider.resolveProvider) {
    const resolved = await c.request('completionItem/resolve', item);
    const doc = resolved.documentation;
    assert.ok(doc && (typeof doc === 'string' ? doc : doc.value).length > 0, `resolve documents println: ${JSON.stringify(resolved)}`);
  }
});

test('completion after ns/: the members of a native namespace', T, async (t) => {
  const { labels } = await completionAt(t, '(math/)', 6, '/');
  assert.ok(labels.some((l) => l === 'sqrt' || l === 'math/sqrt'), `math/ offers sqrt: ${JSON.stringify(labels.slice(0, 40))}`);
});

test('completion after ns/: the members of a namespace of the file', T, async (t) => {
  const { labels } = await completionAt(t, '(geo/)', 5, '/');
  assert.ok(labels.some((l) => l === 'area' || l === 'geo/area'), `geo/ offers area: ${JSON.stringify(labels.slice(0, 40))}`);
});

test('completion after " .": methods, those of the receiver\'s class first', T, async (t) => {
  const { labels } = await completionAt(t, '(origin .)', 9, '.');
  const i = labels.findIndex((l) => l === 'norm' || l === '.norm');
  assert.ok(i >= 0, `. offers the method norm: ${JSON.stringify(labels.slice(0, 40))}`);
  assert.equal(i, 0, `norm (origin is a Point) comes first: ${JSON.stringify(labels.slice(0, 10))}`);
});

test('signatureHelp: the signature of the called function with the active parameter', T, async (t) => {
  const c = await h.start(t);
  c.requireCapability('signatureHelpProvider');
  const uri = h.docUri('sig');
  const text = '(fn add [a b] (a + b))\n(add 1 )\n';
  await c.open(uri, text);
  const sh = await c.request('textDocument/signatureHelp', { textDocument: { uri }, position: { line: 1, character: 7 } });
  assert.ok(sh && sh.signatures && sh.signatures.length > 0, JSON.stringify(sh));
  const sig = sh.signatures[sh.activeSignature || 0];
  assert.match(sig.label, /add/);
  const active = sig.activeParameter !== undefined ? sig.activeParameter : sh.activeParameter;
  assert.equal(active, 1, `the second parameter is active: ${JSON.stringify(sh)}`);
  const p = sig.parameters[active];
  const label = Array.isArray(p.label) ? sig.label.slice(p.label[0], p.label[1]) : p.label;
  assert.equal(label, 'b');
});
