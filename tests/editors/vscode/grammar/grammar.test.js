'use strict';
// The VS Code grammar (editors/vscode/syntaxes/gene.tmLanguage.json) tokenized by
// vscode-textmate + vscode-oniguruma, the engine VS Code itself uses, and the language
// configuration (editors/vscode/language-configuration.json).
//
// Snapshots: fixtures/NAME.gene.snap lists every token of fixtures/NAME.gene as
// `LINE:COLUMN "TEXT" SCOPES` (1-based line, 0-based UTF-16 column, the root scope
// source.gene left out). UPDATE_SNAPSHOTS=1 rewrites them; with CI=true a missing
// snapshot is a failure instead of being created.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const ROOT = path.resolve(__dirname, '../../../..');
const EXT = path.join(ROOT, 'editors/vscode');
const GRAMMAR_PATH = path.join(EXT, 'syntaxes/gene.tmLanguage.json');
const CONFIG_PATH = path.join(EXT, 'language-configuration.json');
const FIXTURES = path.join(__dirname, 'fixtures');
const UPDATE = process.env.UPDATE_SNAPSHOTS === '1';
const CI = process.env.CI === 'true' || process.env.CI === '1';
// Fixtures that contain reader errors on purpose.
const ERROR_FIXTURES = new Set(['reader_errors.gene']);

// ---- engine ------------------------------------------------------------------------

const onigLib = (async () => {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  return {
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (s) => new oniguruma.OnigString(s),
  };
})();

const grammarPromise = (async () => {
  const registry = new vsctm.Registry({
    onigLib,
    loadGrammar: async (scopeName) =>
      scopeName === 'source.gene'
        ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR_PATH, 'utf8'), GRAMMAR_PATH)
        : null,
  });
  const g = await registry.loadGrammar('source.gene');
  assert.ok(g, 'source.gene grammar loads');
  return g;
})();

/** Tokens of `text`, line by line: {line (1-based), col, text, scopes (root dropped)}. */
async function tokenize(text, { timeLimit = 0 } = {}) {
  const grammar = await grammarPromise;
  const lines = text.split(/\r?\n/);
  let state = vsctm.INITIAL;
  const tokens = [];
  let stoppedEarly = false;
  lines.forEach((line, i) => {
    const r = grammar.tokenizeLine(line, state, timeLimit);
    stoppedEarly ||= r.stoppedEarly;
    for (const t of r.tokens) {
      const end = Math.min(t.endIndex, line.length);
      if (end <= t.startIndex) continue;
      tokens.push({ line: i + 1, col: t.startIndex, text: line.slice(t.startIndex, end), scopes: t.scopes.slice(1) });
    }
    state = r.ruleStack;
  });
  // The scopes still open at the end of the text.
  const open = grammar.tokenizeLine('', state).tokens[0].scopes.slice(1);
  return { lines, tokens, open, stoppedEarly };
}

/** The token covering the `nth` occurrence of `needle` in `text` (its first character). */
async function tokenAt(text, needle, nth = 0) {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `${JSON.stringify(needle)} occurs ${nth + 1} time(s) in the sample`);
  }
  const before = text.slice(0, at).split(/\r?\n/);
  const line = before.length;
  const col = before[before.length - 1].length;
  const { tokens } = await tokenize(text);
  const t = tokens.find((x) => x.line === line && x.col <= col && col < x.col + x.text.length);
  assert.ok(t, `a token at ${line}:${col}`);
  return t;
}

function hasScope(t, scope) {
  return t.scopes.some((s) => s === scope || s.startsWith(scope + '.'));
}

/**
 * Asserts that the `nth` token whose text is exactly `needle` carries `scope` (or, with
 * `whole: false`, the token under the `nth` occurrence of the substring `needle`).
 */
async function expectToken(text, needle, scope, { nth = 0, whole = true } = {}) {
  let t;
  if (whole) {
    const { tokens } = await tokenize(text);
    t = tokens.filter((x) => x.text === needle)[nth];
    assert.ok(t, `token ${JSON.stringify(needle)} #${nth + 1} exists; tokens: ${tokens.map((x) => x.text).join(' | ')}`);
  } else {
    t = await tokenAt(text, needle, nth);
  }
  assert.ok(hasScope(t, scope), `${JSON.stringify(needle)} has ${scope}; got: ${t.scopes.join(' ')}`);
  return t;
}

async function expectNotScope(text, needle, scope, nth = 0) {
  const t = await tokenAt(text, needle, nth);
  assert.ok(!hasScope(t, scope), `${JSON.stringify(needle)} must not have ${scope}; got: ${t.scopes.join(' ')}`);
  return t;
}

// ---- snapshots -----------------------------------------------------------------------

function renderSnapshot(name, tokens) {
  const out = [
    `# ${name}: each token as LINE:COLUMN "TEXT" SCOPES (1-based line, 0-based column, root scope source.gene omitted).`,
    '# Regenerate: UPDATE_SNAPSHOTS=1 tests/editors/vscode/grammar/run.sh',
  ];
  for (const t of tokens) {
    // Blank runs between forms carry no information of their own.
    if (!t.text.trim() && t.scopes.every((s) => s.startsWith('meta.'))) continue;
    out.push(`${t.line}:${t.col} ${JSON.stringify(t.text)} ${t.scopes.join(' ')}`.trimEnd());
  }
  return out.join('\n') + '\n';
}

function firstDifference(expected, actual) {
  const e = expected.split('\n');
  const a = actual.split('\n');
  let i = 0;
  while (i < e.length && i < a.length && e[i] === a[i]) i++;
  const show = (lines) => lines.slice(Math.max(0, i - 2), i + 3).map((l, k) => `    ${Math.max(0, i - 2) + k + 1}| ${l}`).join('\n');
  return `snapshot line ${i + 1} differs\n  expected:\n${show(e)}\n  actual:\n${show(a)}`;
}

const fixtureNames = fs
  .readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.gene'))
  .sort();

describe('snapshots', () => {
  test('there are at least 8 fixtures', () => {
    assert.ok(fixtureNames.length >= 8, `found ${fixtureNames.length}`);
  });
  for (const name of fixtureNames) {
    test(name, async (t) => {
      const src = fs.readFileSync(path.join(FIXTURES, name), 'utf8');
      const { tokens } = await tokenize(src);
      const actual = renderSnapshot(name, tokens);
      const snapPath = path.join(FIXTURES, name + '.snap');
      if (UPDATE) {
        fs.writeFileSync(snapPath, actual);
        t.diagnostic(`updated ${path.relative(__dirname, snapPath)}`);
        return;
      }
      if (!fs.existsSync(snapPath)) {
        if (CI) assert.fail(`missing snapshot ${path.relative(__dirname, snapPath)} (run with UPDATE_SNAPSHOTS=1)`);
        fs.writeFileSync(snapPath, actual);
        t.diagnostic(`created ${path.relative(__dirname, snapPath)}`);
        return;
      }
      const expected = fs.readFileSync(snapPath, 'utf8');
      if (expected !== actual) {
        assert.fail(`${name}: ${firstDifference(expected, actual)}\n(review, then UPDATE_SNAPSHOTS=1 to accept)`);
      }
    });
  }
  test('no stale snapshot files', () => {
    const stale = fs
      .readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.gene.snap') && !fixtureNames.includes(f.slice(0, -'.snap'.length)));
    assert.deepEqual(stale, []);
  });
});

describe('fixtures', () => {
  for (const name of fixtureNames.filter((n) => !ERROR_FIXTURES.has(n))) {
    test(`${name}: no invalid tokens, nothing left open`, async () => {
      const { tokens, open } = await tokenize(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
      const bad = tokens.filter((t) => t.scopes.some((s) => s.startsWith('invalid.')));
      assert.deepEqual(bad.map((t) => `${t.line}:${t.col} ${t.text}`), []);
      assert.deepEqual(open, [], 'all forms, strings and comments are closed at the end');
    });
  }
  test('reader_errors.gene: each bad line has an invalid token and later lines recover', async () => {
    const { tokens } = await tokenize(fs.readFileSync(path.join(FIXTURES, 'reader_errors.gene'), 'utf8'));
    const badLines = [...new Set(tokens.filter((t) => t.scopes.some((s) => s.startsWith('invalid.'))).map((t) => t.line))];
    assert.deepEqual(badLines, [2, 3, 4, 5, 6, 7, 10]);
    const ok = tokens.find((t) => t.line === 8 && t.text === 'size');
    assert.ok(ok && hasScope(ok, 'entity.name.function.member'));
  });
});

// ---- explicit scope checks -------------------------------------------------------------

describe('scopes', () => {
  test('#{...} in an interpolated string is embedded code', async () => {
    const src = '(println #"sum: #{(a + 1)} who: #{who}!")';
    const open = await expectToken(src, '#{', 'punctuation.section.interpolation.begin.gene');
    assert.ok(hasScope(open, 'string.quoted.double.interpolated.gene'));
    const who = await expectToken(src, 'who', 'variable.other.gene');
    assert.ok(hasScope(who, 'meta.embedded.line.gene'));
    await expectToken(src, '+', 'keyword.operator.arithmetic.gene');
    await expectToken(src, '}', 'punctuation.section.interpolation.end.gene');
    const tail = await tokenAt(src, '!');
    assert.ok(hasScope(tail, 'string.quoted.double.interpolated.gene') && !hasScope(tail, 'meta.embedded'));
    const call = '(println #"n=#(+ 1 2) xs=#[1 2] #<hidden># rest")';
    await expectToken(call, '#(', 'punctuation.section.interpolation.begin.gene');
    await expectToken(call, '#[', 'punctuation.section.interpolation.begin.gene');
    await expectToken(call, 'hidden', 'comment.block.gene');
  });

  test('plain strings do not interpolate; # inside a string is text', async () => {
    const src = '(println "no #{x} here # nor a comment" x)';
    const t = await tokenAt(src, '#{x}');
    assert.ok(hasScope(t, 'string.quoted.double.gene'));
    assert.ok(!t.scopes.some((s) => s.startsWith('meta.embedded') || s.startsWith('comment')));
    await expectNotScope(src, '# nor', 'comment');
    await expectToken(src, 'x', 'variable.other.gene');
  });

  test('#{ inside a comment is not interpolation', async () => {
    const src = '# see #{x} and "quotes\n(x)';
    const t = await tokenAt(src, '#{x}');
    assert.ok(hasScope(t, 'comment.line.number-sign.gene') && !t.scopes.some((s) => s.startsWith('meta.embedded')));
    await expectToken(src, 'x', 'variable.other.gene');
  });

  test('#< ... ># is a block comment spanning lines, code resumes after it', async () => {
    const src = '(f 1 #< first\n  second (not code) "x\n ># 2)\n(g)';
    await expectToken(src, '#<', 'punctuation.definition.comment.begin.gene');
    const mid = await tokenAt(src, 'second');
    assert.ok(hasScope(mid, 'comment.block.gene'));
    await expectToken(src, '>#', 'punctuation.definition.comment.end.gene');
    await expectToken(src, '2', 'constant.numeric.integer.decimal.gene');
    await expectToken(src, 'g', 'variable.other.gene');
  });

  test('line comments: "# ", "##", "#!" and the shebang; x#y and #foo are symbols', async () => {
    const src = '#!/usr/bin/env gene\n(a) # note\n## doc\n(var x#y #foo)';
    await expectToken(src, '#!', 'comment.line.shebang.gene');
    await expectToken(src, ' note', 'comment.line.number-sign.gene');
    await expectToken(src, ' doc', 'comment.line.documentation.gene');
    await expectToken(src, 'x#y', 'variable.other.definition.gene');
    await expectToken(src, '#foo', 'variable.other.gene');
  });

  test('^name and its shortcuts are attribute names', async () => {
    const src = '{^name "x" ^^flag ^!off ^a^b 1 ^... base}';
    const t = await tokenAt(src, 'name');
    assert.equal(t.text, 'name');
    assert.ok(hasScope(t, 'entity.other.attribute-name.gene'));
    await expectToken(src, '^', 'punctuation.definition.attribute.gene');
    await expectToken(src, '^^', 'punctuation.definition.attribute.gene');
    await expectToken(src, 'flag', 'entity.other.attribute-name.gene');
    await expectToken(src, 'off', 'entity.other.attribute-name.gene');
    await expectToken(src, 'b', 'entity.other.attribute-name.gene');
    await expectToken(src, '...', 'keyword.operator.spread.gene');
  });

  test('.push is a method call', async () => {
    const src = '(xs .push 1) (.helper) xs/.size';
    await expectToken(src, 'push', 'entity.name.function.member.gene');
    await expectToken(src, '.', 'punctuation.accessor.gene');
    await expectToken(src, 'helper', 'entity.name.function.member.gene');
    await expectToken(src, 'size', 'entity.name.function.member.gene');
  });

  test('a/b/c is a path; / alone is division', async () => {
    const src = '(println a/b/c xs/0 /x (10 / 2) $env/HOME)';
    await expectToken(src, 'a', 'variable.other.gene');
    const sep = await expectToken(src, '/', 'punctuation.separator.path.gene');
    assert.ok(hasScope(sep, 'meta.path.gene'));
    await expectToken(src, 'c', 'variable.other.member.gene');
    await expectToken(src, '0', 'constant.numeric.integer.index.gene');
    await expectToken(src, 'x', 'variable.other.member.gene');
    await expectToken(src, '/', 'keyword.operator.arithmetic.gene', { nth: 4 });
    await expectToken(src, 'env', 'variable.language.special.gene');
    await expectToken(src, 'HOME', 'variable.other.member.gene');
  });

  test('numbers: exponents, signs; -x, a-b and x? are symbols', async () => {
    const src = '(f 1.5e-3 -2.5 +7 -10 2E10 (- a b) -x a-b x? save! 0xff)';
    await expectToken(src, '1.5e-3', 'constant.numeric.float.gene');
    await expectToken(src, '-2.5', 'constant.numeric.float.gene');
    await expectToken(src, '+7', 'constant.numeric.integer.decimal.gene');
    await expectToken(src, '-10', 'constant.numeric.integer.decimal.gene');
    await expectToken(src, '2E10', 'constant.numeric.float.gene');
    await expectToken(src, '-', 'keyword.operator.arithmetic.gene');
    await expectToken(src, '-x', 'variable.other.gene');
    await expectToken(src, 'a-b', 'variable.other.gene');
    await expectToken(src, 'x?', 'variable.other.gene');
    await expectToken(src, 'save!', 'variable.other.gene');
    await expectToken(src, '0xff', 'constant.numeric.integer.hexadecimal.gene');
  });

  test('fn keyword, its name and its parameters', async () => {
    const src = '(fn greet [who ^loud = false rest...] (println who))';
    await expectToken(src, 'fn', 'storage.type.function.gene');
    await expectToken(src, 'greet', 'entity.name.function.gene');
    await expectToken(src, 'who', 'variable.parameter.gene');
    await expectToken(src, 'loud', 'variable.parameter.keyword.gene', { whole: false });
    await expectToken(src, 'false', 'constant.language.boolean.gene');
    await expectToken(src, 'rest', 'variable.parameter.gene');
    await expectToken(src, '...', 'keyword.operator.spread.gene');
    await expectToken(src, 'who', 'variable.other.gene', { nth: 1 });
  });

  test('definition names: class, method, ns, var', async () => {
    const src = '(class Dog < Animal (method speak [] 1)) (ns geo) (var total 0) (let k 1)';
    await expectToken(src, 'class', 'storage.type.class.gene');
    await expectToken(src, 'Dog', 'entity.name.type.class.gene');
    await expectToken(src, '<', 'keyword.operator.inheritance.gene');
    await expectToken(src, 'Animal', 'entity.other.inherited-class.gene');
    await expectToken(src, 'speak', 'entity.name.function.method.gene');
    await expectToken(src, 'geo', 'entity.name.namespace.gene');
    await expectToken(src, 'total', 'variable.other.definition.gene');
    await expectToken(src, 'k', 'variable.other.constant.definition.gene');
  });

  test('keywords, literals, specials, quotes', async () => {
    const src = '(if x then (await (async y)) else (try (throw $ex) catch * nil)) (println self :sym `(a) %v true void not_found $args)';
    await expectToken(src, 'if', 'keyword.control.conditional.gene');
    await expectToken(src, 'then', 'keyword.control.conditional.gene');
    await expectToken(src, 'await', 'keyword.control.async.gene');
    await expectToken(src, 'try', 'keyword.control.exception.gene');
    await expectToken(src, '*', 'variable.language.wildcard.gene');
    await expectToken(src, 'nil', 'constant.language.nil.gene');
    await expectToken(src, 'self', 'variable.language.self.gene');
    await expectToken(src, ':', 'keyword.operator.quote.gene');
    await expectToken(src, 'sym', 'constant.other.symbol.gene');
    await expectToken(src, '`', 'keyword.operator.quote.gene');
    await expectToken(src, '%', 'keyword.operator.unquote.gene');
    await expectToken(src, 'true', 'constant.language.boolean.gene');
    await expectToken(src, 'void', 'constant.language.void.gene');
    await expectToken(src, 'not_found', 'constant.language.not-found.gene');
    await expectToken(src, 'args', 'variable.language.special.gene');
    await expectToken(src, 'println', 'support.function.builtin.gene');
  });

  test('implement and implements are keywords (later 5.2)', async () => {
    const src = '(class P implements Aged) (implement Aged for Int (method age [] 1))';
    await expectToken(src, 'implements', 'storage.modifier.implements.gene');
    await expectToken(src, 'implement', 'storage.type.implement.gene');
  });

  test('characters, triple-quoted strings, regex and immutable literals', async () => {
    const src = '(f \'a\' \'\\n\' """say "hi" """ #/a\\/b+/i #[1] #{^a 1} {{1 2}})';
    await expectToken(src, 'a', 'constant.character.gene');
    await expectToken(src, '\\n', 'constant.character.escape.gene');
    await expectToken(src, 'say "hi" ', 'string.quoted.triple.gene');
    await expectToken(src, '\\/', 'constant.character.escape.gene');
    await expectToken(src, '#/', 'string.regexp.gene');
    await expectToken(src, 'i', 'storage.modifier.flag.regexp.gene');
    await expectToken(src, '#', 'storage.modifier.immutable.gene', { nth: 1 });
    await expectToken(src, '{{', 'punctuation.section.hashmap.begin.gene');
  });

  test('brackets and stray closers', async () => {
    const src = '(a [b {^c 1}]) )';
    await expectToken(src, '(', 'punctuation.section.expression.begin.gene');
    await expectToken(src, '[', 'punctuation.section.array.begin.gene');
    await expectToken(src, '{', 'punctuation.section.map.begin.gene');
    await expectToken(src, '}', 'punctuation.section.map.end.gene');
    await expectToken(src, ']', 'punctuation.section.array.end.gene');
    await expectToken(src, ')', 'punctuation.section.expression.end.gene');
    await expectToken(src, ')', 'invalid.illegal.stray-bracket.gene', { nth: 1 });
  });
});

// ---- the grammar file itself -------------------------------------------------------------

describe('grammar file', () => {
  const raw = JSON.parse(fs.readFileSync(GRAMMAR_PATH, 'utf8'));

  function walk(rule, visit, where = '') {
    if (!rule || typeof rule !== 'object') return;
    visit(rule, where);
    for (const [k, v] of Object.entries(rule)) {
      if (k === 'repository') for (const [n, r] of Object.entries(v)) walk(r, visit, `#${n}`);
      else if (Array.isArray(v)) v.forEach((r, i) => walk(r, visit, `${where}/${k}[${i}]`));
      else if (v && typeof v === 'object') walk(v, visit, `${where}/${k}`);
    }
  }

  test('scope name and file types', () => {
    assert.equal(raw.scopeName, 'source.gene');
    assert.deepEqual(raw.fileTypes, ['gene']);
  });

  test('every include resolves and every scope name ends in .gene', () => {
    const problems = [];
    walk(raw, (r, where) => {
      if (typeof r.include === 'string' && r.include !== '$self' && r.include !== '$base') {
        if (!r.include.startsWith('#') || !raw.repository[r.include.slice(1)]) problems.push(`${where}: include ${r.include}`);
      }
      for (const k of ['name', 'contentName']) {
        if (r === raw) continue; // the grammar's display name
        if (typeof r[k] === 'string') {
          for (const s of r[k].split(/\s+/)) if (!s.endsWith('.gene')) problems.push(`${where}: ${k} ${s}`);
        }
      }
    });
    assert.deepEqual(problems, []);
  });

  test('every regex compiles with Oniguruma', async () => {
    const lib = await onigLib;
    const problems = [];
    let count = 0;
    walk(raw, (r, where) => {
      for (const k of ['match', 'begin', 'end', 'while', 'firstLineMatch']) {
        if (typeof r[k] !== 'string') continue;
        count++;
        try {
          lib.createOnigScanner([r[k]]);
        } catch (e) {
          problems.push(`${where}.${k}: ${e.message}`);
        }
      }
    });
    assert.deepEqual(problems, []);
    assert.ok(count > 50, `${count} regexes`);
  });

  test('every repository rule is used', () => {
    const used = new Set();
    walk(raw, (r) => {
      if (typeof r.include === 'string' && r.include.startsWith('#')) used.add(r.include.slice(1));
    });
    assert.deepEqual(Object.keys(raw.repository).filter((k) => !used.has(k)), []);
  });
});

// ---- every Gene program in the repository --------------------------------------------

// Programs meant to run (the reader accepts them, or rejects them for reasons other than
// an unterminated string or comment). gene-vm/tests/fixtures holds deliberately broken
// text and is left out. A program that must stay unterminated goes into ALLOW_OPEN.
const PROGRAM_DIRS = ['examples', 'tests', 'bench/programs'];
const ALLOW_OPEN = new Set([]);

describe('repository programs', () => {
  const files = [];
  const skip = new Set(['node_modules', 'target', '.git', '.venv']);
  function collect(dir) {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (skip.has(e.name)) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) collect(p);
      else if (e.name.endsWith('.gene') && !ALLOW_OPEN.has(path.relative(ROOT, p))) files.push(p);
    }
  }
  for (const d of PROGRAM_DIRS) collect(path.join(ROOT, d));

  test('there are programs to check', () => assert.ok(files.length > 50, `${files.length} files`));

  test('no string, comment or regex runs past the end of a file; no line is slow', async () => {
    const problems = [];
    for (const f of files) {
      const { open, stoppedEarly } = await tokenize(fs.readFileSync(f, 'utf8'), { timeLimit: 2000 });
      const runaway = open.filter((s) => /^(string|comment)\./.test(s));
      if (runaway.length) problems.push(`${path.relative(ROOT, f)}: open at EOF: ${runaway.join(' ')}`);
      if (stoppedEarly) problems.push(`${path.relative(ROOT, f)}: a line took over 2 s`);
    }
    assert.deepEqual(problems, []);
  });
});

// ---- language-configuration.json ----------------------------------------------------------

describe('language-configuration.json', () => {
  const conf = JSON.parse(fs.readFileSync(CONFIG_PATH, 'utf8'));

  // As VS Code does (ensureValidWordDefinition adds the global flag, getWordAtText
  // takes the match that touches the position).
  function wordAt(line, column) {
    const re = new RegExp(conf.wordPattern, 'g');
    let m;
    while ((m = re.exec(line))) {
      assert.ok(m[0].length > 0, 'wordPattern never matches an empty string');
      if (m.index <= column && column <= m.index + m[0].length) return m[0];
    }
    return null;
  }
  const wordOf = (line, needle, offset = 0) => wordAt(line, line.indexOf(needle) + offset);

  test('comments and brackets', () => {
    assert.equal(conf.comments.lineComment, '#');
    assert.deepEqual(conf.comments.blockComment, ['#<', '>#']);
    assert.deepEqual(conf.brackets, [['(', ')'], ['[', ']'], ['{', '}']]);
  });

  test('brackets are balanced pairs, auto-closed and surrounding', () => {
    const opens = conf.brackets.map((b) => b[0]);
    const closes = conf.brackets.map((b) => b[1]);
    assert.equal(new Set([...opens, ...closes]).size, opens.length * 2, 'no character is used twice');
    for (const [o, c] of conf.brackets) {
      assert.ok(conf.autoClosingPairs.some((p) => p.open === o && p.close === c), `auto-closes ${o}`);
      assert.ok(conf.surroundingPairs.some((p) => p[0] === o && p[1] === c), `surrounds with ${o}${c}`);
    }
    const quote = conf.autoClosingPairs.find((p) => p.open === '"');
    assert.deepEqual([...quote.notIn].sort(), ['comment', 'string']);
    for (const p of conf.autoClosingPairs) assert.ok(p.open.length > 0 && p.close.length > 0, JSON.stringify(p));
  });

  test('the comment and bracket tokens are what the grammar tokenizes as such', async () => {
    const line = `${conf.comments.lineComment} text`;
    await expectToken(line, ' text', 'comment.line.number-sign.gene');
    const [bo, bc] = conf.comments.blockComment;
    const block = `(a ${bo} x ${bc} b)`;
    await expectToken(block, ' x ', 'comment.block.gene');
    await expectToken(block, 'b', 'variable.other.gene');
    for (const [o, c] of conf.brackets) {
      const src = `${o}1${c}`;
      const open = await tokenAt(src, o);
      const close = await tokenAt(src, c);
      assert.ok(open.scopes.some((s) => /^punctuation\.section\..*\.begin\.gene$/.test(s)), `${o}: ${open.scopes}`);
      assert.ok(close.scopes.some((s) => /^punctuation\.section\..*\.end\.gene$/.test(s)), `${c}: ${close.scopes}`);
    }
  });

  test('wordPattern keeps paths, predicates, bang names and specials whole', () => {
    const line = '(println a/b/c (empty? xs) (save! x) (xs .push 1) $args {^name 1} xs... -1.5e3 kebab-name $env/HOME xs/.size items* :hello [n: Int])';
    assert.equal(wordOf(line, 'a/b/c', 2), 'a/b/c');
    assert.equal(wordOf(line, 'empty?', 1), 'empty?');
    assert.equal(wordOf(line, 'save!', 1), 'save!');
    assert.equal(wordOf(line, '.push', 2), '.push');
    assert.equal(wordOf(line, '$args', 2), '$args');
    assert.equal(wordOf(line, '^name', 2), 'name');
    assert.equal(wordOf(line, 'xs...', 0), 'xs');
    assert.equal(wordOf(line, '-1.5e3', 1), '-1.5e3');
    assert.equal(wordOf(line, 'kebab-name', 7), 'kebab-name');
    assert.equal(wordOf(line, '$env/HOME', 6), '$env/HOME');
    assert.equal(wordOf(line, 'xs/.size', 5), 'xs/.size');
    assert.equal(wordOf(line, 'items*', 0), 'items*');
    assert.equal(wordOf(line, ':hello', 2), 'hello');
    assert.equal(wordOf(line, 'n:', 0), 'n');
    assert.equal(wordOf('(x)', 'x'), 'x');
    assert.equal(wordOf('(+ a b)', '+'), null);
  });

  test('indentation rules compile and follow the brackets', () => {
    const inc = new RegExp(conf.indentationRules.increaseIndentPattern);
    const dec = new RegExp(conf.indentationRules.decreaseIndentPattern);
    for (const l of ['(fn f [x]', '(if (x < 1)', '  (class Point', '{^a 1', '[1 2', '(f (g (h 1))', '(var m {'])
      assert.ok(inc.test(l), `indent after ${JSON.stringify(l)}`);
    for (const l of ['(println 1)', '(a (b) [c])', ')', '(f (g (h 1)))', 'x'])
      assert.ok(!inc.test(l), `no indent after ${JSON.stringify(l)}`);
    for (const l of [')', '  ])', '}']) assert.ok(dec.test(l), `outdent ${JSON.stringify(l)}`);
    for (const l of ['(x)', '  x)']) assert.ok(!dec.test(l), `no outdent ${JSON.stringify(l)}`);
  });

  test('Enter continues a ## doc comment only', () => {
    assert.equal(conf.onEnterRules.length, 1);
    const rule = conf.onEnterRules[0];
    const before = new RegExp(rule.beforeText);
    assert.ok(before.test('## doc text') && before.test('  ## more'));
    assert.ok(!before.test('# plain') && !before.test('(x) # trailing'));
    assert.deepEqual(rule.action, { indent: 'none', appendText: '## ' });
  });

  test('folding markers are comments', async () => {
    const start = new RegExp(conf.folding.markers.start);
    const end = new RegExp(conf.folding.markers.end);
    assert.ok(start.test('# region Helpers') && start.test('  ## region'));
    assert.ok(end.test('# endregion') && !start.test('# endregion'));
    // `#region` (no space) is the symbol #region, not a comment.
    assert.ok(!start.test('#region'));
    await expectToken('#region', '#region', 'variable.other.gene');
    await expectToken('# region x', ' region x', 'comment.line.number-sign.gene');
  });
});
