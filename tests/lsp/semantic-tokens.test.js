'use strict';
// Semantic tokens: full with a legend, delta against the previous result, range.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/client');

const { T } = h;

const TEXT = '(fn add [a b]\n  (a + b))\n(println (add 1 2) "é😀" x)\n# done\n';

/** Decodes relative token data with the legend: [{line, char, length, type, mods}]. */
function decode(data, legend) {
  assert.equal(data.length % 5, 0, 'five integers per token');
  const out = [];
  let line = 0;
  let char = 0;
  for (let i = 0; i < data.length; i += 5) {
    line += data[i];
    char = data[i] === 0 ? char + data[i + 1] : data[i + 1];
    const mods = legend.tokenModifiers.filter((_, b) => data[i + 4] & (1 << b));
    out.push({ line, char, length: data[i + 2], type: legend.tokenTypes[data[i + 3]], mods });
  }
  return out;
}

function find(tokens, line, char) {
  return tokens.find((t) => t.line === line && t.char === char);
}

async function setup(t) {
  const c = await h.start(t);
  const prov = c.requireCapability('semanticTokensProvider');
  const legend = prov.legend;
  for (const ty of ['function', 'variable', 'parameter', 'keyword', 'string', 'number', 'comment', 'namespace', 'class', 'method']) {
    assert.ok(legend.tokenTypes.includes(ty), `legend has ${ty}: ${JSON.stringify(legend.tokenTypes)}`);
  }
  for (const m of ['declaration', 'async', 'deprecated', 'defaultLibrary']) {
    assert.ok(legend.tokenModifiers.includes(m), `legend has modifier ${m}: ${JSON.stringify(legend.tokenModifiers)}`);
  }
  const uri = h.docUri('tokens');
  await c.open(uri, TEXT);
  return { c, uri, prov, legend };
}

test('semanticTokens/full: functions, parameters, natives, numbers, strings and comments at the right places', T, async (t) => {
  const { c, uri, legend } = await setup(t);
  const r = await c.request('textDocument/semanticTokens/full', { textDocument: { uri } });
  const toks = decode(r.data, legend);
  const add = find(toks, 0, 4);
  assert.ok(add && add.type === 'function' && add.length === 3, `add is a function: ${JSON.stringify(add)}`);
  assert.ok(add.mods.includes('declaration'), `add is declared there: ${JSON.stringify(add)}`);
  const a = find(toks, 0, 9);
  assert.ok(a && a.type === 'parameter', `a is a parameter: ${JSON.stringify(a)}`);
  const pr = find(toks, 2, 1);
  assert.ok(pr && pr.type === 'function' && pr.length === 7 && pr.mods.includes('defaultLibrary'), `println is a library function: ${JSON.stringify(pr)}`);
  const one = find(toks, 2, 14);
  assert.ok(one && one.type === 'number' && one.length === 1, `1 is a number: ${JSON.stringify(one)}`);
  // The string "é😀" is 5 UTF-16 units long (quotes, é, two for the emoji).
  const str = find(toks, 2, 19);
  assert.ok(str && str.type === 'string' && str.length === 5, `the string in UTF-16 units: ${JSON.stringify(str)}`);
  const cm = find(toks, 3, 0);
  assert.ok(cm && cm.type === 'comment' && cm.length === 6, `the comment: ${JSON.stringify(cm)}`);
  // Tokens are in order and do not overlap.
  for (let i = 1; i < toks.length; i++) {
    const p = toks[i - 1];
    const q = toks[i];
    assert.ok(q.line > p.line || q.char >= p.char + p.length, `ordered, non-overlapping: ${JSON.stringify([p, q])}`);
  }
});

test('semanticTokens/full/delta: the edits applied to the previous data give the new full data', T, async (t) => {
  const { c, uri, prov, legend } = await setup(t);
  assert.ok(prov.full && prov.full.delta, `full.delta advertised: ${JSON.stringify(prov)}`);
  const first = await c.request('textDocument/semanticTokens/full', { textDocument: { uri } });
  assert.ok(first.resultId, 'a resultId for deltas');
  await c.change(uri, 2, [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: '(var z 10)\n' }]);
  const d = await c.request('textDocument/semanticTokens/full/delta', { textDocument: { uri }, previousResultId: first.resultId });
  let data;
  if (d.edits) {
    data = [...first.data];
    for (const e of [...d.edits].sort((x, y) => y.start - x.start)) data.splice(e.start, e.deleteCount, ...(e.data || []));
  } else {
    data = d.data;
  }
  const fresh = await c.request('textDocument/semanticTokens/full', { textDocument: { uri } });
  assert.deepEqual(data, fresh.data, 'delta applied == full');
  const toks = decode(data, legend);
  const z = find(toks, 2, 5);
  assert.ok(z && z.mods.includes('declaration'), `the new variable z: ${JSON.stringify(z)}`);
  assert.ok(find(toks, 3, 1) && find(toks, 3, 1).type === 'function', 'println moved down a line');
});

test('semanticTokens/range: only tokens of the range', T, async (t) => {
  const { c, uri, prov, legend } = await setup(t);
  assert.ok(prov.range, `range advertised: ${JSON.stringify(prov)}`);
  const r = await c.request('textDocument/semanticTokens/range', {
    textDocument: { uri },
    range: { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } },
  });
  const toks = decode(r.data, legend);
  assert.ok(toks.length >= 4, JSON.stringify(toks));
  assert.ok(toks.every((x) => x.line === 2), `all on line 2: ${JSON.stringify(toks)}`);
});
