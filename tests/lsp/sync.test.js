'use strict';
// Incremental text sync with non-ASCII text (é: 1 UTF-16 unit / 2 UTF-8 bytes,
// 😀: 2 units / 4 bytes, 中文: 1 unit / 3 bytes each), in UTF-16 (the default) and in
// UTF-8 (a client that offers it). Every position the client sends is computed from
// its own copy of the text in the negotiated encoding; after the edits, diagnostic,
// formatting and selection ranges must land on the right characters, which only
// happens if the server applied every edit where the client meant it.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/client');

const { T } = h;

const FMT = { tabSize: 2, insertSpaces: true };

function syntaxOnly(diags) {
  return diags.filter((d) => d.code === 'syntax');
}

/** Expected positions that differ between the encodings (hardcoded, not computed). */
const EXPECT = {
  'utf-16': {
    emoji: { start: { line: 0, character: 11 }, end: { line: 0, character: 13 } },
    badCharV3: { start: { line: 0, character: 16 }, end: { line: 0, character: 20 } },
    badCharV4: { start: { line: 0, character: 15 }, end: { line: 0, character: 19 } },
    lastLineEnd: 16,
    one: { start: { line: 2, character: 14 }, end: { line: 2, character: 15 } },
    trailing: { start: { line: 2, character: 16 }, end: { line: 2, character: 18 } },
  },
  'utf-8': {
    emoji: { start: { line: 0, character: 12 }, end: { line: 0, character: 16 } },
    badCharV3: { start: { line: 0, character: 22 }, end: { line: 0, character: 26 } },
    badCharV4: { start: { line: 0, character: 20 }, end: { line: 0, character: 24 } },
    lastLineEnd: 18,
    one: { start: { line: 2, character: 16 }, end: { line: 2, character: 17 } },
    trailing: { start: { line: 2, character: 18 }, end: { line: 2, character: 20 } },
  },
};

async function scenario(t, enc) {
  const X = EXPECT[enc];
  const c = await h.start(t, { encodings: enc === 'utf-8' ? ['utf-8', 'utf-16'] : null });
  assert.equal(c.encoding, enc, 'negotiated encoding');
  const uri = h.docUri('sync');
  await c.open(uri, '(println "é😀中文")\n(println 1)\n');
  const d1 = await c.waitDiagnostics(uri, (p) => p.version === 1);
  assert.deepEqual(syntaxOnly(d1.diagnostics), [], 'v1 has no syntax error');

  const P = (needle, o = {}) => h.posOf(c.text(uri), needle, { enc, ...o });
  const R = (needle, o = {}) => h.rangeOf(c.text(uri), needle, { enc, ...o });
  const at = (p) => ({ start: p, end: p });

  // v2: the emoji becomes ü.
  assert.deepEqual(R('😀'), X.emoji, 'the emoji range in this encoding');
  await c.change(uri, 2, [{ range: R('😀'), text: 'ü' }]);
  // v3: a bad character literal after the string.
  await c.change(uri, 3, [{ range: at(P('")', { delta: 1 })), text: " 'ab'" }]);
  assert.equal(c.text(uri), '(println "éü中文" \'ab\')\n(println 1)\n');
  const d3 = await c.waitDiagnostics(uri, (p) => p.version === 3);
  const s3 = syntaxOnly(d3.diagnostics);
  assert.equal(s3.length, 1, `one syntax error at v3: ${JSON.stringify(d3)}`);
  assert.deepEqual(s3[0].range, X.badCharV3, `the bad literal's range at v3: ${JSON.stringify(s3[0])}`);
  assert.equal(h.textOf(c.text(uri), s3[0].range, enc), "'ab'");

  // v4: two changes in one notification, applied in order: delete é, then add a line
  // with a stray ']' (its position is relative to the text after the first change).
  await c.change(uri, 4, [
    { range: R('é'), text: '' },
    { range: at({ line: 1, character: 0 }), text: '[1]]\n' },
  ]);
  assert.equal(c.text(uri), '(println "ü中文" \'ab\')\n[1]]\n(println 1)\n');
  const d4 = await c.waitDiagnostics(uri, (p) => p.version === 4);
  const s4 = syntaxOnly(d4.diagnostics).sort((a, b) => a.range.start.line - b.range.start.line);
  assert.equal(s4.length, 2, `two syntax errors at v4: ${JSON.stringify(d4)}`);
  assert.deepEqual(s4[0].range, X.badCharV4, `bad literal at v4: ${JSON.stringify(s4[0])}`);
  assert.deepEqual(s4[1].range, { start: { line: 1, character: 3 }, end: { line: 1, character: 4 } });
  assert.equal(h.textOf(c.text(uri), s4[1].range, enc), ']');

  // v5: one change across a line break replaces both errors.
  await c.change(uri, 5, [
    { range: { start: P("'ab'"), end: { line: 1, character: 4 } }, text: "'c')\n[1]" },
  ]);
  assert.equal(c.text(uri), '(println "ü中文" \'c\')\n[1]\n(println 1)\n');
  const d5 = await c.waitDiagnostics(uri, (p) => p.version === 5);
  assert.deepEqual(syntaxOnly(d5.diagnostics), [], `no syntax error at v5: ${JSON.stringify(d5)}`);

  // v6: an emoji string on the last line and a badly indented middle line;
  // v7: the final newline goes, so the document ends after the emoji line.
  await c.change(uri, 6, [
    { range: at({ line: 2, character: 9 }), text: '"😀" ' },
    { range: at({ line: 1, character: 0 }), text: '   ' },
  ]);
  const v6 = c.text(uri);
  await c.change(uri, 7, [{ range: { start: h.positionAt(v6, v6.length - 1, enc), end: { line: 3, character: 0 } }, text: '' }]);
  const text7 = c.text(uri);
  assert.equal(text7, '(println "ü中文" \'c\')\n   [1]\n(println "😀" 1)');

  // Formatting sees the server's text: one whole-document edit whose range ends
  // after the emoji line (in this encoding), with the formatted text.
  const f = await c.request('textDocument/formatting', { textDocument: { uri }, options: FMT });
  assert.equal(f.length, 1, `one whole-document edit: ${JSON.stringify(f)}`);
  assert.deepEqual(f[0].range, {
    start: { line: 0, character: 0 },
    end: { line: 2, character: X.lastLineEnd },
  });
  assert.equal(f[0].newText, '(println "ü中文" \'c\')\n[1]\n(println "😀" 1)\n');
  assert.equal(h.applyEdits(text7, f, enc), f[0].newText);

  // Selection at the `1` after the emoji.
  const sel = await c.request('textDocument/selectionRange', { textDocument: { uri }, positions: [X.one.start] });
  assert.equal(sel.length, 1);
  assert.deepEqual(sel[0].range, X.one, `innermost selection is the atom 1: ${JSON.stringify(sel[0])}`);
  assert.deepEqual(sel[0].parent.range, { start: { line: 2, character: 0 }, end: { line: 2, character: X.lastLineEnd } });

  // v8: trailing blanks after the emoji line; range formatting of that line removes
  // exactly them.
  await c.change(uri, 8, [{ range: at({ line: 2, character: X.lastLineEnd }), text: '  ' }]);
  const rf = await c.request('textDocument/rangeFormatting', {
    textDocument: { uri },
    range: { start: { line: 2, character: 0 }, end: { line: 2, character: X.lastLineEnd + 2 } },
    options: FMT,
  });
  assert.deepEqual(rf, [{ range: X.trailing, newText: '' }], `range formatting of line 2: ${JSON.stringify(rf)}`);

  // v9: a full replacement (a change without a range) resets the text.
  await c.change(uri, 9, [{ text: '(println "中")\n[1]]\n' }]);
  const d9 = await c.waitDiagnostics(uri, (p) => p.version === 9);
  const s9 = syntaxOnly(d9.diagnostics);
  assert.deepEqual(
    s9.map((d) => d.range),
    [{ start: { line: 1, character: 3 }, end: { line: 1, character: 4 } }],
    `after a full replacement: ${JSON.stringify(d9)}`,
  );
  return c;
}

test('incremental edits with é, 😀 and CJK text, UTF-16 positions', T, async (t) => {
  await scenario(t, 'utf-16');
});

test('incremental edits with é, 😀 and CJK text, UTF-8 positions (client offers utf-8)', T, async (t) => {
  await scenario(t, 'utf-8');
});

test('a diagnostic after CJK text on the same line is in UTF-16 units for a UTF-16 client', T, async (t) => {
  const c = await h.start(t);
  const uri = h.docUri();
  const text = "(println \"中文\" 'xy')\n";
  await c.open(uri, text);
  const d = await c.waitDiagnostics(uri, (p) => p.version === 1);
  const s = syntaxOnly(d.diagnostics);
  assert.deepEqual(
    s.map((x) => x.range),
    [{ start: { line: 0, character: 14 }, end: { line: 0, character: 18 } }],
    JSON.stringify(d),
  );
});

test('edits on a CRLF document keep positions right', T, async (t) => {
  const c = await h.start(t);
  const uri = h.docUri();
  await c.open(uri, '(println "é")\r\n(println 2)\r\n');
  // Insert a stray ')' at the end of line 1 (before its CR).
  await c.change(uri, 2, [{ range: { start: { line: 1, character: 11 }, end: { line: 1, character: 11 } }, text: ')' }]);
  const d = await c.waitDiagnostics(uri, (p) => p.version === 2);
  assert.deepEqual(
    syntaxOnly(d.diagnostics).map((x) => x.range),
    [{ start: { line: 1, character: 11 }, end: { line: 1, character: 12 } }],
    JSON.stringify(d),
  );
  // Remove it again and indent line 1: formatting keeps CRLF line ends.
  await c.change(uri, 3, [
    { range: { start: { line: 1, character: 11 }, end: { line: 1, character: 12 } }, text: '' },
    { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: '  ' },
  ]);
  const f = await c.request('textDocument/formatting', { textDocument: { uri }, options: FMT });
  assert.equal(h.applyEdits(c.text(uri), f), '(println "é")\r\n(println 2)\r\n');
});
