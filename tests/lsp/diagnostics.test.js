'use strict';
// Diagnostics: pushed after each change for a client that cannot pull, pulled with
// textDocument/diagnostic (and then never pushed) for one that can; every reader
// error of a file (not just the first); resolver errors (`misplaced`); deprecated
// synchronous I/O (warning, tag Deprecated); stale results never published; the
// codes still to come (`undefined-name`, `arity`, `unawaited-future`,
// `unused-variable`).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/client');

const { T } = h;
const SEV = h.lsp.DiagnosticSeverity;
const TAG = h.lsp.DiagnosticTag;

// Three reader errors, one per line: a bad character literal, a stray ')', an
// unclosed '('.
const THREE_ERRORS = "(println 'ab')\n(println 1))\n(println 2\n";
const THREE_RANGES = [
  { start: { line: 0, character: 9 }, end: { line: 0, character: 13 } },
  { start: { line: 1, character: 11 }, end: { line: 1, character: 12 } },
  { start: { line: 2, character: 0 }, end: { line: 2, character: 1 } },
];

function byPosition(diags) {
  return [...diags].sort(
    (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character,
  );
}

function assertWellFormed(d) {
  assert.ok(d.range && d.range.start && d.range.end, `a range: ${JSON.stringify(d)}`);
  assert.ok([SEV.Error, SEV.Warning, SEV.Information, SEV.Hint].includes(d.severity), `a severity: ${JSON.stringify(d)}`);
  assert.equal(d.source, 'gene', `source gene: ${JSON.stringify(d)}`);
  assert.equal(typeof d.code, 'string', `a string code: ${JSON.stringify(d)}`);
  assert.ok(d.message && d.message.length > 0, `a message: ${JSON.stringify(d)}`);
}

function assertThreeSyntaxErrors(diags, what) {
  const s = byPosition(diags);
  assert.equal(s.length, 3, `${what}: three diagnostics, got ${JSON.stringify(diags)}`);
  s.forEach(assertWellFormed);
  assert.deepEqual(s.map((d) => d.code), ['syntax', 'syntax', 'syntax'], what);
  assert.deepEqual(s.map((d) => d.severity), [SEV.Error, SEV.Error, SEV.Error], what);
  assert.deepEqual(s.map((d) => d.range), THREE_RANGES, `${what}: ranges`);
  assert.match(s[0].message, /character/i);
  assert.match(s[1].message, /\)/);
  assert.match(s[2].message, /unclosed/i);
}

/** Diagnostics of one code (a fresh server, push mode). */
async function diagnose(t, text, c = null) {
  c = c || (await h.start(t));
  const uri = h.docUri();
  await c.open(uri, text);
  const p = await c.waitDiagnostics(uri, (x) => x.version === 1);
  p.diagnostics.forEach(assertWellFormed);
  return { c, uri, text, diags: p.diagnostics };
}

function ofCode(diags, code) {
  return byPosition(diags.filter((d) => d.code === code));
}

// ---- push ----------------------------------------------------------------------------

test('push: a file with three syntax errors gives three, each with range, severity, source and code', T, async (t) => {
  const c = await h.start(t);
  const uri = h.docUri('three');
  await c.open(uri, THREE_ERRORS, 1);
  const p = await c.waitDiagnostics(uri);
  assert.equal(p.version, 1, 'published for version 1');
  assertThreeSyntaxErrors(p.diagnostics, 'pushed');
});

test('push: fixing the errors one by one shrinks the list, each publish tagged with its version; fixed clears it', T, async (t) => {
  const c = await h.start(t);
  const uri = h.docUri('fix');
  await c.open(uri, THREE_ERRORS, 1);
  await c.waitDiagnostics(uri, (p) => p.version === 1 && p.diagnostics.length === 3);
  // v2: close the last form.
  await c.change(uri, 2, [{ range: { start: { line: 2, character: 10 }, end: { line: 2, character: 10 } }, text: ')' }]);
  const p2 = await c.waitDiagnostics(uri, (p) => p.version === 2);
  assert.deepEqual(byPosition(p2.diagnostics).map((d) => d.range), THREE_RANGES.slice(0, 2), JSON.stringify(p2));
  // v3: drop the stray ')'.
  await c.change(uri, 3, [{ range: THREE_RANGES[1], text: '' }]);
  const p3 = await c.waitDiagnostics(uri, (p) => p.version === 3);
  assert.deepEqual(p3.diagnostics.map((d) => d.range), THREE_RANGES.slice(0, 1), JSON.stringify(p3));
  // v4: a proper character literal.
  await c.change(uri, 4, [{ range: THREE_RANGES[0], text: "'a'" }]);
  assert.equal(c.text(uri), "(println 'a')\n(println 1)\n(println 2)\n");
  const p4 = await c.waitDiagnostics(uri, (p) => p.version === 4);
  assert.deepEqual(p4.diagnostics, [], `no diagnostics once fixed: ${JSON.stringify(p4)}`);
  // Breaking it again brings the error back.
  await c.change(uri, 5, [{ range: { start: { line: 1, character: 11 }, end: { line: 1, character: 11 } }, text: ')' }]);
  const p5 = await c.waitDiagnostics(uri, (p) => p.version === 5);
  assert.deepEqual(p5.diagnostics.map((d) => d.range), [THREE_RANGES[1]], JSON.stringify(p5));
});

test('push: closing a document clears its diagnostics', T, async (t) => {
  const c = await h.start(t);
  const uri = h.docUri('close');
  await c.open(uri, THREE_ERRORS);
  await c.waitDiagnostics(uri, (p) => p.diagnostics.length === 3);
  const n = c.published(uri).length;
  await c.close(uri);
  const p = await c.waitDiagnostics(uri, () => true, { from: n });
  assert.deepEqual(p.diagnostics, [], `an empty publish after didClose: ${JSON.stringify(p)}`);
});

test('stale versions: rapid edits v2..v10, the last published version is 10 and every publish matches its version', T, async (t) => {
  const c = await h.start(t);
  const uri = h.docUri('stale');
  // Version v has v-1 stray ')' lines, so each version's diagnostics are distinct.
  await c.open(uri, '(println 0)\n', 1);
  const sends = [];
  for (let v = 2; v <= 10; v++) {
    sends.push(c.change(uri, v, [{ range: { start: { line: v - 1, character: 0 }, end: { line: v - 1, character: 0 } }, text: '(x))\n' }]));
  }
  await Promise.all(sends);
  await c.waitDiagnostics(uri, (p) => p.version === 10);
  await h.sleep(400); // anything computed for an older version would arrive by now
  const list = c.published(uri);
  const last = list[list.length - 1];
  assert.equal(last.version, 10, `last published version: ${JSON.stringify(list.map((p) => p.version))}`);
  for (const p of list) {
    const syntax = p.diagnostics.filter((d) => d.code === 'syntax');
    assert.equal(syntax.length, p.version - 1, `version ${p.version} has ${p.version - 1} stray ')': ${JSON.stringify(p)}`);
    assert.deepEqual(
      byPosition(syntax).map((d) => d.range.start.line),
      Array.from({ length: p.version - 1 }, (_, i) => i + 1),
      `version ${p.version}: errors on lines 1..${p.version - 1}`,
    );
  }
  const versions = list.map((p) => p.version);
  assert.deepEqual(versions, [...versions].sort((a, b) => a - b), `versions never go back: ${versions}`);
  assert.ok(versions.filter((v) => v === 10).length === 1, `version 10 published once: ${versions}`);
});

// ---- pull ----------------------------------------------------------------------------

test('pull: textDocument/diagnostic reports all three errors, follows edits, and nothing is pushed', T, async (t) => {
  const c = await h.start(t, { pull: true });
  assert.ok(c.caps.diagnosticProvider, 'diagnosticProvider advertised');
  const uri = h.docUri('pull');
  await c.open(uri, THREE_ERRORS);
  assertThreeSyntaxErrors(await c.pull(uri), 'pulled');
  await c.change(uri, 2, [{ range: THREE_RANGES[1], text: '' }]);
  const items = byPosition(await c.pull(uri));
  assert.deepEqual(items.map((d) => d.range), [THREE_RANGES[0], THREE_RANGES[2]], JSON.stringify(items));
  await c.change(uri, 3, [{ text: '(println 1)\n' }]);
  assert.deepEqual(await c.pull(uri), []);
  await h.sleep(400);
  const pushed = c.notifications.filter((n) => n.method === 'textDocument/publishDiagnostics');
  assert.deepEqual(pushed, [], 'no publishDiagnostics to a pulling client (editors would show each twice)');
  // Closing does not push either.
  await c.close(uri);
  await h.sleep(200);
  assert.equal(c.notifications.filter((n) => n.method === 'textDocument/publishDiagnostics').length, 0);
});

test('pull: an unknown document is an error, not a crash', T, async (t) => {
  const c = await h.start(t, { pull: true });
  const e = await c.requestError('textDocument/diagnostic', { textDocument: { uri: h.docUri('never-opened') } });
  assert.ok(typeof e.code === 'number', JSON.stringify(e));
  const uri = h.docUri();
  await c.open(uri, '(println 1))\n');
  assert.equal((await c.pull(uri)).length, 1);
});

// ---- codes that work today -------------------------------------------------------------

test('misplaced: break/continue outside a loop and return outside a function are errors', T, async (t) => {
  const text = '(fn f [] (break))\n(continue)\n(return 1)\n(loop (break))\n(fn g [] (return 2))\n';
  const { diags } = await diagnose(t, text);
  const m = ofCode(diags, 'misplaced');
  assert.deepEqual(
    m.map((d) => h.textOf(text, d.range)),
    ['(break)', '(continue)', '(return 1)'],
    `misplaced diagnostics: ${JSON.stringify(diags)}`,
  );
  assert.deepEqual(m.map((d) => d.severity), [SEV.Error, SEV.Error, SEV.Error]);
  assert.match(m[0].message, /break/);
  assert.match(m[1].message, /continue/);
  assert.match(m[2].message, /return/);
  assert.deepEqual(ofCode(diags, 'syntax'), []);
});

test('deprecated-sync-io: file_read is a warning with the Deprecated tag on the name', T, async (t) => {
  const text = '(var s (file_read "notes.txt"))\n(println s)\n';
  const { diags } = await diagnose(t, text);
  const w = ofCode(diags, 'deprecated-sync-io');
  assert.equal(w.length, 1, `one deprecated-sync-io: ${JSON.stringify(diags)}`);
  assert.equal(w[0].severity, SEV.Warning);
  assert.deepEqual(w[0].tags, [TAG.Deprecated]);
  assert.equal(h.textOf(text, w[0].range), 'file_read');
  assert.match(w[0].message, /deprecated/i);
  assert.match(w[0].message, /async/, 'the message names the async replacement');
  assert.equal(diags.filter((d) => d.severity === SEV.Error).length, 0, `no errors: ${JSON.stringify(diags)}`);
});

test('deprecated-sync-io is resolved by name: a local variable called file_read is not flagged', T, async (t) => {
  const text = '(fn f [file_read] (file_read "x"))\n(var file_write (fnx [p] p))\n(println (file_write "y"))\n';
  const { diags } = await diagnose(t, text);
  assert.deepEqual(ofCode(diags, 'deprecated-sync-io'), [], `no deprecated-sync-io on local names: ${JSON.stringify(diags)}`);
});

// ---- codes still to come -------------------------------------------------------------------

test('undefined-name: an unknown name is an error on the name; locals, captures, later globals, classes and natives are not', T, async (t) => {
  const text = [
    '(fn f [a] (fnx [] (a + later)))',
    '(var later 1)',
    '(class Point (ctor [x] (/x = x)))',
    '(ns geo (fn area [r] r))',
    '(println (f 1) (new Point 2) (geo/area 3) (math/sqrt 4) no_such_name)',
    '',
  ].join('\n');
  const { diags } = await diagnose(t, text);
  const u = ofCode(diags, 'undefined-name');
  assert.deepEqual(u.map((d) => h.textOf(text, d.range)), ['no_such_name'], `undefined-name diagnostics: ${JSON.stringify(diags)}`);
  assert.equal(u[0].severity, SEV.Error);
  assert.match(u[0].message, /no_such_name/);
});

test('arity: too few or too many positional arguments to a user function or native', T, async (t) => {
  const text = [
    '(fn add [a b] (a + b))',
    '(println (add 1 2))',
    '(println (add 1))',
    '(println (add 1 2 3))',
    '(println (math/sqrt 4 5))',
    '',
  ].join('\n');
  const { diags } = await diagnose(t, text);
  const a = ofCode(diags, 'arity');
  assert.deepEqual(
    a.map((d) => d.range.start.line),
    [2, 3, 4],
    `arity errors on lines 2, 3 and 4: ${JSON.stringify(diags)}`,
  );
  assert.deepEqual(a.map((d) => d.severity), [SEV.Error, SEV.Error, SEV.Error]);
  for (const d of a) {
    const covered = h.textOf(text, d.range);
    assert.ok(/add|math\/sqrt/.test(covered), `the range covers the call or its callee: ${JSON.stringify(covered)}`);
  }
});

test('unawaited-future: a dropped future is a warning; awaited, stored, passed on or with a callback it is not', T, async (t) => {
  const text = [
    '(sleep_async 10)',
    '(await (sleep_async 10))',
    '(var f (sleep_async 10))',
    '(await (gene/all [(sleep_async 1) f]))',
    '(fn later ^^async [] 1)',
    '(later)',
    '(fn g [] (sleep_async 5))',
    '(g)',
    '',
  ].join('\n');
  const { diags } = await diagnose(t, text);
  const w = ofCode(diags, 'unawaited-future');
  assert.deepEqual(
    w.map((d) => h.textOf(text, d.range)),
    ['(sleep_async 10)', '(later)', '(g)'],
    `unawaited-future diagnostics: ${JSON.stringify(diags)}`,
  );
  assert.ok(w.every((d) => d.range.start.line !== 1 && d.range.start.line !== 2), 'awaited and stored futures are fine');
  assert.deepEqual(w.map((d) => d.severity), [SEV.Warning, SEV.Warning, SEV.Warning]);
});

test('unused-variable: a hint with the Unnecessary tag, not for names starting with _', T, async (t) => {
  const text = '(fn f []\n  (var unused 1)\n  (var _quiet 2)\n  (var used 3)\n  used)\n(println (f))\n';
  const { diags } = await diagnose(t, text);
  const u = ofCode(diags, 'unused-variable');
  assert.deepEqual(u.map((d) => h.textOf(text, d.range)), ['unused'], `unused-variable diagnostics: ${JSON.stringify(diags)}`);
  assert.equal(u[0].severity, SEV.Hint);
  assert.deepEqual(u[0].tags, [TAG.Unnecessary]);
});

test('# gene-ignore: CODE on the line or the line above silences that code there', T, async (t) => {
  const text = [
    '(println (file_read "a"))   # gene-ignore: deprecated-sync-io',
    '# gene-ignore: deprecated-sync-io',
    '(println (file_read "b"))',
    '(println (file_read "c"))',
    '',
  ].join('\n');
  const { diags } = await diagnose(t, text);
  assert.deepEqual(
    ofCode(diags, 'deprecated-sync-io').map((d) => d.range.start.line),
    [3],
    `only the unsilenced call is flagged: ${JSON.stringify(diags)}`,
  );
});
