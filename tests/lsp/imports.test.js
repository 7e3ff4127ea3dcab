'use strict';
// Imports across files, through the real gene-lsp: a missing module or name is a
// diagnostic on the import, go to definition and hover follow an imported name into
// its module file, completion at an import item offers the module's exports, and an
// open (unsaved) module is read as edited.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const url = require('node:url');
const h = require('./lib/client');

const { T } = h;

const GEO = `## Area of a w x h rectangle.
(fn area [w h]
  (w * h))

(fn perimeter [w h]
  (2 * (w + h)))
`;

function project() {
  const dir = fs.realpathSync(h.tmpDir('gene-lsp-imports-'));
  fs.writeFileSync(path.join(dir, 'geo.gene'), GEO);
  return dir;
}

const uriOf = (p) => url.pathToFileURL(p).href;

async function openMain(t, text) {
  const dir = project();
  const c = await h.start(t);
  const main = path.join(dir, 'main.gene');
  fs.writeFileSync(main, text);
  const uri = uriOf(main);
  await c.open(uri, text);
  return { c, dir, uri, text };
}

test('a missing module and a missing name are unresolved-import errors at the import', T, async (t) => {
  const text = '(import area from "./nowhere")\n(import volume perimeter from "./geo")\n(println (perimeter 1 2))\n';
  const { c, uri } = await openMain(t, text);
  const d = await c.waitDiagnostics(uri, (p) => p.diagnostics.length >= 2);
  const imp = d.diagnostics.filter((x) => x.code === 'unresolved-import');
  assert.equal(imp.length, 2, JSON.stringify(d.diagnostics));
  const [missing, name] = imp.sort((a, b) => a.range.start.line - b.range.start.line);
  assert.equal(missing.severity, 1);
  assert.match(missing.message, /\[GENE\.MODULE\.NOT_FOUND\] Module '\.\/nowhere' was not found/);
  assert.deepEqual(missing.range, h.rangeOf(text, '"./nowhere"'));
  assert.match(name.message, /Module "\.\/geo" has no export 'volume'/);
  assert.deepEqual(name.range, h.rangeOf(text, 'volume'));
  assert.ok(!d.diagnostics.some((x) => x.code === 'undefined-name'), 'imported names are defined');
});

test('go to definition and hover follow an imported name into its module', T, async (t) => {
  const text = '(import area perimeter:perim from "./geo")\n(println (area 2 3) (perim 1 1))\n';
  const { c, dir, uri } = await openMain(t, text);
  const geo = uriOf(path.join(dir, 'geo.gene'));
  const def = await c.request('textDocument/definition', { textDocument: { uri }, position: h.posOf(text, 'area 2', { delta: 1 }) });
  const loc = Array.isArray(def) ? def[0] : def;
  assert.equal(loc.uri, geo);
  assert.deepEqual(loc.range, h.rangeOf(GEO, 'area'), 'the name in (fn area ...)');
  const alias = await c.request('textDocument/definition', { textDocument: { uri }, position: h.posOf(text, 'perim 1', { delta: 2 }) });
  assert.deepEqual((Array.isArray(alias) ? alias[0] : alias).range, h.rangeOf(GEO, 'perimeter'), 'an alias leads to the original');
  const mod = await c.request('textDocument/definition', { textDocument: { uri }, position: h.posOf(text, './geo', { delta: 2 }) });
  assert.equal((Array.isArray(mod) ? mod[0] : mod).uri, geo, 'the module path leads to the module file');

  const hv = await c.request('textDocument/hover', { textDocument: { uri }, position: h.posOf(text, 'area 2', { delta: 1 }) });
  const md = hv.contents.value;
  assert.match(md, /\(fn area \[w h\]\)/);
  assert.match(md, /Area of a w x h rectangle\./, 'the doc comment from the module');
  assert.match(md, /imported from\* `"\.\/geo"`/);
});

test('completion at an import item offers the module\'s exports', T, async (t) => {
  const text = '(import ar from "./geo")\n';
  const { c, uri } = await openMain(t, text);
  const r = await c.request('textDocument/completion', { textDocument: { uri }, position: h.posOf(text, 'ar ', { delta: 2 }) });
  const items = Array.isArray(r) ? r : r.items;
  assert.deepEqual(items.map((i) => i.label).sort(), ['area', 'perimeter']);
  assert.ok(items.every((i) => i.kind === 3 && i.detail === 'export'), JSON.stringify(items));
});

test('an open, unsaved module is read as edited', T, async (t) => {
  const text = '(import volume from "./geo")\n(println (volume 1 2 3))\n';
  const { c, dir, uri } = await openMain(t, text);
  await c.waitDiagnostics(uri, (p) => p.diagnostics.some((x) => x.code === 'unresolved-import'));
  const geo = uriOf(path.join(dir, 'geo.gene'));
  await c.open(geo, `${GEO}\n(fn volume [a b c] (a * b * c))\n`);
  // Re-analyse main (an edit that changes nothing that matters).
  const n = c.published(uri).length;
  await c.change(uri, 2, [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: '\n' }]);
  const d = await c.waitDiagnostics(uri, () => true, { from: n });
  assert.deepEqual(d.diagnostics.filter((x) => x.code === 'unresolved-import'), [], JSON.stringify(d.diagnostics));
});

test('references and rename of an imported function span the module and its importers', T, async (t) => {
  const text = '(import area perimeter:perim from "./geo")\n(println (area 2 3) (area 1 1) (perim 1 1))\n';
  const { c, dir, uri } = await openMain(t, text);
  const geoPath = path.join(dir, 'geo.gene');
  const geo = uriOf(geoPath);
  await c.open(geo, GEO);
  const refs = await c.request('textDocument/references', {
    textDocument: { uri },
    position: h.posOf(text, 'area 2', { delta: 1 }),
    context: { includeDeclaration: true },
  });
  const shown = refs.map((r) => `${r.uri === geo ? 'geo' : 'main'}:${r.range.start.line}:${r.range.start.character}`).sort();
  assert.deepEqual(shown, ['geo:1:4', 'main:0:8', 'main:1:10', 'main:1:21'], JSON.stringify(refs));

  // From the definition in the module: the importer's uses come too.
  const back = await c.request('textDocument/references', {
    textDocument: { uri: geo },
    position: h.posOf(GEO, 'area', { delta: 1 }),
    context: { includeDeclaration: false },
  });
  assert.ok(back.some((r) => r.uri === uri), JSON.stringify(back));

  const edit = await c.request('textDocument/rename', { textDocument: { uri: geo }, position: h.posOf(GEO, 'perimeter', { delta: 2 }), newName: 'girth' });
  const mainEdits = edit.changes[uri];
  const geoEdits = edit.changes[geo];
  assert.equal(h.applyEdits(GEO, geoEdits).includes('(fn girth [w h]'), true, JSON.stringify(geoEdits));
  const renamed = h.applyEdits(text, mainEdits);
  assert.equal(renamed, '(import area girth:perim from "./geo")\n(println (area 2 3) (area 1 1) (perim 1 1))\n', 'only the name of name:alias changes');
});
