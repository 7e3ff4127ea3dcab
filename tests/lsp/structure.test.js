'use strict';
// Structure: folding ranges (forms, multi-line strings, comment runs, block
// comments) and selection ranges (the nested forms around a position).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/client');

const { T } = h;

const FOLD_TEXT = [
  '# Header comment', // 0
  '# spans two lines', // 1
  '(fn greet [name]', // 2
  '  (var msg (do', // 3
  '    (++ "Hello, " name)))', // 4
  '  (println msg))   # trailing', // 5
  '# single comment', // 6
  '(println "line one', // 7
  'line two"', // 8
  '  1)', // 9
  '#< block', // 10
  'comment >#', // 11
  '(var xs [1', // 12
  '         2])', // 13
  '(println 1) # end of line', // 14
  '# b', // 15
  '(var m {^a 1 ^b 2})', // 16
  '',
].join('\n');

function foldKey(f) {
  return `${f.startLine}-${f.endLine}:${f.kind}`;
}

test('foldingRange: multi-line forms, a multi-line string, a comment run and a block comment', T, async (t) => {
  const c = await h.start(t);
  const uri = h.docUri('fold');
  await c.open(uri, FOLD_TEXT);
  const folds = await c.request('textDocument/foldingRange', { textDocument: { uri } });
  const got = folds.map(foldKey).sort();
  const want = [
    '0-1:comment', // two comment lines
    '2-5:region', // fn greet
    '3-4:region', // (var msg (do
    '7-9:region', // the println form
    '7-8:region', // the string inside it
    '10-11:comment', // the block comment
    '12-13:region', // the array (and its var form)
  ].sort();
  assert.deepEqual(got, want, `folds: ${JSON.stringify(folds)}`);
  // Single-line forms, a lone comment and an end-of-line comment followed by a
  // comment line do not fold.
  for (const f of folds) {
    assert.ok(f.endLine > f.startLine, `a fold spans lines: ${JSON.stringify(f)}`);
    assert.ok(![6, 14, 15, 16].includes(f.startLine), `no fold starts at line ${f.startLine}`);
  }
});

test('foldingRange follows edits and survives broken text', T, async (t) => {
  const c = await h.start(t);
  const uri = h.docUri('fold');
  await c.open(uri, '(fn f [x]\n  x)\n');
  const before = await c.request('textDocument/foldingRange', { textDocument: { uri } });
  assert.deepEqual(before.map(foldKey), ['0-1:region']);
  // Join the lines: nothing folds any more.
  await c.change(uri, 2, [{ range: { start: { line: 0, character: 9 }, end: { line: 1, character: 2 } }, text: ' ' }]);
  assert.equal(c.text(uri), '(fn f [x] x)\n');
  assert.deepEqual(await c.request('textDocument/foldingRange', { textDocument: { uri } }), []);
  // Unclosed forms (the reader recovers) give an answer, not an error.
  await c.change(uri, 3, [{ text: '(fn f [x]\n  (do\n    x\n' }]);
  const broken = await c.request('textDocument/foldingRange', { textDocument: { uri } });
  assert.ok(Array.isArray(broken), JSON.stringify(broken));
});

test('selectionRange: from the atom outwards, one chain per position', T, async (t) => {
  const c = await h.start(t);
  const uri = h.docUri('sel');
  const text = '(var a 1)\n(fn f [x] (println (x + 1) "é😀"))\n';
  await c.open(uri, text);
  const positions = [h.posOf(text, '1) "'), h.posOf(text, 'x]'), h.posOf(text, '😀', { delta: 1 })];
  const res = await c.request('textDocument/selectionRange', { textDocument: { uri }, positions });
  assert.equal(res.length, 3, 'one selection range per position');
  const chain = (r) => {
    const out = [];
    for (let s = r; s; s = s.parent) out.push(h.textOf(text, s.range));
    return out;
  };
  const fnForm = '(fn f [x] (println (x + 1) "é😀"))';
  assert.deepEqual(chain(res[0]), ['1', '(x + 1)', '(println (x + 1) "é😀")', fnForm, text]);
  assert.deepEqual(chain(res[1]), ['x', '[x]', fnForm, text]);
  // Inside the string, between the two halves of nothing: the string is the atom.
  assert.deepEqual(chain(res[2]), ['"é😀"', '(println (x + 1) "é😀")', fnForm, text]);
  // Every range contains the position and its child.
  res.forEach((r, i) => {
    for (let s = r; s; s = s.parent) {
      const a = h.offsetAt(text, s.range.start);
      const b = h.offsetAt(text, s.range.end);
      const p = h.offsetAt(text, positions[i]);
      assert.ok(a <= p && p <= b, `range ${JSON.stringify(s.range)} contains the position ${JSON.stringify(positions[i])}`);
      if (s.parent) {
        const pa = h.offsetAt(text, s.parent.range.start);
        const pb = h.offsetAt(text, s.parent.range.end);
        assert.ok(pa <= a && b <= pb && (pa < a || b < pb), 'each parent strictly contains its child');
      }
    }
  });
});

test('selectionRange between top-level forms is the whole document', T, async (t) => {
  const c = await h.start(t);
  const uri = h.docUri('sel');
  const text = '(var a 1)\n\n(var b 2)\n';
  await c.open(uri, text);
  const res = await c.request('textDocument/selectionRange', { textDocument: { uri }, positions: [{ line: 1, character: 0 }] });
  assert.equal(res.length, 1);
  assert.deepEqual(res[0].range, { start: { line: 0, character: 0 }, end: { line: 3, character: 0 } });
  assert.equal(res[0].parent, undefined);
});
