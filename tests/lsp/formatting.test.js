'use strict';
// Formatting: whole document (one TextEdit), range, on-type (newline inside a form,
// ')' on a closing line), refusal on syntax errors, and agreement with `gene fmt`
// on every program under tests/gene/. Expected texts follow the style documented
// in gene-vm/src/analysis/format/mod.rs (re-indent and clean, never reflow).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./lib/client');

const { T } = h;
const FMT = { tabSize: 2, insertSpaces: true };
const FIX = path.join(__dirname, 'fixtures');
const UNFORMATTED = fs.readFileSync(path.join(FIX, 'unformatted.gene'), 'utf8');
const FORMATTED = fs.readFileSync(path.join(FIX, 'formatted.gene'), 'utf8');

async function opened(t, text) {
  const c = await h.start(t);
  const uri = h.docUri('fmt');
  await c.open(uri, text);
  return { c, uri };
}

function formatting(c, uri) {
  return c.request('textDocument/formatting', { textDocument: { uri }, options: FMT });
}

/** Range formatting of whole lines startLine..endLine (the range ends at the end of endLine). */
function rangeFormatting(c, uri, startLine, endLine) {
  const lines = c.text(uri).split('\n');
  const endChar = endLine < lines.length ? lines[endLine].length : 0;
  return c.request('textDocument/rangeFormatting', {
    textDocument: { uri },
    range: { start: { line: startLine, character: 0 }, end: { line: endLine, character: endChar } },
    options: FMT,
  });
}

function onType(c, uri, position, ch) {
  return c.request('textDocument/onTypeFormatting', { textDocument: { uri }, position, ch, options: FMT });
}

/** Applies the edits of on-type formatting to the client's copy of the text. */
function applied(c, uri, edits) {
  return h.applyEdits(c.text(uri), edits || []);
}

// ---- whole document ------------------------------------------------------------------

test("formatting: the issue's example becomes the documented result, as one whole-document edit", T, async (t) => {
  const text = '(if (x > 5)\n(println "big")\nelse\n(println "small")   # keep inline\n)';
  const { c, uri } = await opened(t, text);
  const edits = await formatting(c, uri);
  assert.equal(edits.length, 1, `one edit: ${JSON.stringify(edits)}`);
  assert.deepEqual(edits[0].range, { start: { line: 0, character: 0 }, end: { line: 4, character: 1 } });
  assert.equal(
    edits[0].newText,
    '(if (x > 5)\n  (println "big")\nelse\n  (println "small")   # keep inline\n)\n',
  );
});

test('formatting: indentation, brackets, kept lines, comments, strings, blank lines and the shebang', T, async (t) => {
  const { c, uri } = await opened(t, UNFORMATTED);
  const edits = await formatting(c, uri);
  const out = h.applyEdits(UNFORMATTED, edits);
  assert.equal(out, FORMATTED);
  // Spot checks of the rules (so a wrong fixture cannot hide a wrong formatter).
  const lines = out.split('\n');
  assert.equal(lines[0], '#!/usr/bin/env gene', 'the shebang stays first');
  assert.equal(lines[1], '# A sample with every rule', 'trailing blanks go');
  assert.equal(lines[3], '  (var msg (do', '2 more than the line that opened the form');
  assert.equal(lines[4], '    (++ "Hello, " name)))', '(var r (do body: 2 more, not 4');
  assert.equal(lines[8], '         2', 'under the first element of [1');
  assert.equal(lines[12], '          3 4]})', 'nothing after [: 2 more than the opening line');
  assert.equal(lines[15], ' else', 'else keeps its indentation');
  assert.equal(lines[16], '  (println "neg")   # keep inline', 'end-of-line comment keeps its spacing');
  assert.equal(lines[17], ')', 'a closing line gets the indentation of the line that opened the form');
  assert.equal(lines[21], '    # a comment keeps its indentation');
  assert.equal(lines[24], '   line two stays")', 'lines inside a multi-line string are untouched');
  assert.equal(lines[25], '(println s)', 'a tab indentation is replaced');
  assert.ok(out.endsWith('(println s)\n'), 'blank lines at the end go, one newline stays');
});

test('formatting: an already formatted document gives no edit, and formatting is idempotent', T, async (t) => {
  const { c, uri } = await opened(t, FORMATTED);
  assert.deepEqual(await formatting(c, uri), []);
  // After applying a formatting edit as a change, formatting again gives nothing.
  const u2 = h.docUri('idem');
  await c.open(u2, UNFORMATTED);
  const edits = await formatting(c, u2);
  await c.change(u2, 2, edits.map((e) => ({ range: e.range, text: e.newText })));
  assert.equal(c.text(u2), FORMATTED);
  assert.deepEqual(await formatting(c, u2), [], 'a second formatting changes nothing');
});

test('formatting agrees with `gene fmt` (the command line and the editor never disagree)', T, async (t) => {
  const samples = [UNFORMATTED, '(fn f [x]\n\t(println x)  \n  )\n\n', '(var a [\n1 2\n]) # end\r\n(println a)\r\n'];
  const c = await h.start(t);
  for (const text of samples) {
    const uri = h.docUri('cli');
    await c.open(uri, text);
    const cli = h.geneFmt(text);
    assert.equal(cli.status, 0, `gene fmt succeeds: ${cli.stderr}`);
    assert.equal(h.applyEdits(text, await formatting(c, uri)), cli.stdout, `LSP and gene fmt agree on ${JSON.stringify(text)}`);
  }
});

test('formatting every program under tests/gene/ gives what `gene fmt` gives (or both refuse)', { timeout: 120000 }, async (t) => {
  const root = path.join(h.ROOT, 'tests/gene');
  const files = [];
  for (const d of fs.readdirSync(root)) {
    const dir = path.join(root, d);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.gene')) files.push(path.join(dir, f));
  }
  assert.ok(files.length > 50, `the Gene test programs are there (${files.length})`);
  const c = await h.start(t);
  let refused = 0;
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const uri = `file://${f}`;
    await c.open(uri, text);
    const cli = h.geneFmt(text);
    const lsp = await formatting(c, uri).then(
      (edits) => ({ ok: true, text: h.applyEdits(text, edits) }),
      (e) => ({ ok: false, error: e }),
    );
    const rel = path.relative(h.ROOT, f);
    if (cli.status === 0) {
      assert.ok(lsp.ok, `${rel}: gene fmt formats it but the server refused: ${lsp.error && lsp.error.message}`);
      assert.equal(lsp.text, cli.stdout, `${rel}: LSP formatting equals gene fmt (${h.GENE} must be built from the same sources)`);
    } else {
      refused += 1;
      assert.ok(!lsp.ok, `${rel}: gene fmt refuses it (${cli.stderr.split('\n')[0]}) but the server formatted it`);
    }
    await c.close(uri);
  }
  assert.ok(refused < files.length / 4, `most programs format (${refused} of ${files.length} refused)`);
});

// ---- range ----------------------------------------------------------------------------------

test('rangeFormatting: only the lines of the range change, as formatting would change them', T, async (t) => {
  const { c, uri } = await opened(t, UNFORMATTED);
  // Lines 3..5: the body of greet.
  const edits = await rangeFormatting(c, uri, 3, 5);
  assert.ok(edits.length > 0, 'edits for the range');
  for (const e of edits) {
    assert.ok(e.range.start.line >= 3 && e.range.end.line <= 5, `edit inside lines 3..5: ${JSON.stringify(e)}`);
  }
  const out = h.applyEdits(UNFORMATTED, edits).split('\n');
  const before = UNFORMATTED.split('\n');
  const want = FORMATTED.split('\n');
  assert.deepEqual(out.slice(3, 6), want.slice(3, 6), 'the range is formatted');
  assert.deepEqual(out.slice(0, 3), before.slice(0, 3), 'lines above untouched (trailing blanks of line 1 and 2 stay)');
  assert.deepEqual(out.slice(6), before.slice(6), 'lines below untouched');
});

test('rangeFormatting: a range that is already formatted gives no edit', T, async (t) => {
  const { c, uri } = await opened(t, UNFORMATTED);
  assert.deepEqual(await rangeFormatting(c, uri, 6, 6), [], 'a blank line needs nothing');
  const { c: c2, uri: u2 } = await opened(t, FORMATTED);
  assert.deepEqual(await rangeFormatting(c2, u2, 0, 20), []);
});

// ---- on type --------------------------------------------------------------------------------

test('onTypeFormatting "\\n": the new line inside a form gets the indentation gene fmt gives', T, async (t) => {
  const c = await h.start(t);
  const cases = [
    { text: '(fn f [x]\n', line: 1, want: '(fn f [x]\n  ' },
    { text: '(fn f [x]\n  (var r (do\n', line: 2, want: '(fn f [x]\n  (var r (do\n    ' },
    { text: '(var xs [1 2\n', line: 1, want: '(var xs [1 2\n         ' },
    { text: '(var m {\n', line: 1, want: '(var m {\n  ' },
    // Enter in the middle of a line: the rest of the line had one space.
    { text: '(fn f [x]\n (println x))\n', line: 1, want: '(fn f [x]\n  (println x))\n' },
    // Inside a form whose opening line is indented.
    { text: '(class A\n  (method m []\n', line: 2, want: '(class A\n  (method m []\n    ' },
  ];
  for (const k of cases) {
    const uri = h.docUri('ontype');
    await c.open(uri, k.text);
    const edits = await onType(c, uri, { line: k.line, character: 0 }, '\n');
    assert.ok(Array.isArray(edits) && edits.length === 1, `one edit for ${JSON.stringify(k.text)}: ${JSON.stringify(edits)}`);
    assert.equal(edits[0].range.start.line, k.line, 'the edit is on the new line');
    assert.equal(applied(c, uri, edits), k.want, `after Enter in ${JSON.stringify(k.text)}`);
  }
});

test('onTypeFormatting "\\n": after a complete top-level form nothing changes', T, async (t) => {
  const c = await h.start(t);
  const uri = h.docUri('ontype');
  await c.open(uri, '(println 1)\n');
  const edits = (await onType(c, uri, { line: 1, character: 0 }, '\n')) || [];
  assert.deepEqual(edits, []);
  // A line already at the right indentation needs no edit either.
  const u2 = h.docUri('ontype');
  await c.open(u2, '(fn f [x]\n  ');
  assert.deepEqual((await onType(c, u2, { line: 1, character: 2 }, '\n')) || [], []);
});

test('onTypeFormatting ")": a line that starts with closers gets the indentation of the line that opened the form', T, async (t) => {
  const c = await h.start(t);
  const cases = [
    { text: '(fn f [x]\n  (println x)\n      )', pos: { line: 2, character: 7 }, want: '(fn f [x]\n  (println x)\n)' },
    {
      text: '(fn f [x]\n  (var r (do\n    (x + 1)\n        )',
      pos: { line: 3, character: 9 },
      want: '(fn f [x]\n  (var r (do\n    (x + 1)\n  )',
    },
    { text: '(var xs [\n  1\n     ])', pos: { line: 2, character: 7 }, want: '(var xs [\n  1\n])' },
  ];
  for (const k of cases) {
    const uri = h.docUri('close');
    await c.open(uri, k.text);
    const edits = await onType(c, uri, k.pos, ')');
    assert.ok(Array.isArray(edits) && edits.length === 1, `one edit for ${JSON.stringify(k.text)}: ${JSON.stringify(edits)}`);
    assert.equal(applied(c, uri, edits), k.want);
  }
});

// ---- refusal ------------------------------------------------------------------------------

test('formatting a document with syntax errors is refused with an error and changes nothing', T, async (t) => {
  const text = "(fn f [x]\n(println 'ab')\n";
  const { c, uri } = await opened(t, text);
  const e = await c.requestError('textDocument/formatting', { textDocument: { uri }, options: FMT });
  assert.equal(typeof e.code, 'number');
  assert.match(e.message, /syntax error/i, `the error says why: ${JSON.stringify(e)}`);
  const e2 = await c.requestError('textDocument/rangeFormatting', {
    textDocument: { uri },
    range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } },
    options: FMT,
  });
  assert.match(e2.message, /syntax error/i, JSON.stringify(e2));
  // The document is as it was: its diagnostics are still the two errors, and once
  // fixed it formats.
  const p = await c.waitDiagnostics(uri, (x) => x.version === 1);
  assert.equal(p.diagnostics.filter((d) => d.code === 'syntax').length, 2, JSON.stringify(p));
  await c.change(uri, 2, [{ range: { start: { line: 1, character: 9 }, end: { line: 1, character: 13 } }, text: 'x)' }]);
  assert.equal(applied(c, uri, await formatting(c, uri)), '(fn f [x]\n  (println x))\n');
});
