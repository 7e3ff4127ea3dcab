'use strict';
// The extension's manifest and the packaged .vsix: every contribution points at
// something real, the semantic token scopes cover gene-lsp's whole legend, and the
// package holds the bundle and nothing it should not.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const cp = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../../../..');
const EXT = path.join(ROOT, 'editors/vscode');
const pkg = JSON.parse(fs.readFileSync(path.join(EXT, 'package.json'), 'utf8'));
const VSIX = path.join(ROOT, 'target/vscode/gene.vsix');
const c = pkg.contributes;

/** A `pub const NAME: &[&str] = &[...]` list from the Rust source. */
function rustList(file, name) {
  const src = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const m = new RegExp(`pub const ${name}: &\\[&str\\] = &\\[([^\\]]*)\\]`).exec(src);
  assert.ok(m, `${name} in ${file}`);
  return [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
}

test('version and engine: the same version as the Rust crates; engines.vscode pinned to ^1.100.0 as @types/vscode', () => {
  const cargo = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8');
  assert.equal(pkg.version, /\nversion = "([^"]+)"/.exec(cargo)[1], 'extension version == workspace version (the version check relies on it)');
  assert.equal(pkg.engines.vscode, '^1.100.0');
  assert.equal(pkg.devDependencies['@types/vscode'], '1.100.0');
});

test('language gene: *.gene, the shebang first line, its configuration and grammar files exist', () => {
  const [lang] = c.languages;
  assert.equal(lang.id, 'gene');
  assert.deepEqual(lang.extensions, ['.gene']);
  const first = new RegExp(lang.firstLine);
  assert.ok(first.test('#!/usr/bin/env gene'));
  assert.ok(first.test('#!/usr/local/bin/gene run'));
  assert.ok(!first.test('#!/usr/bin/env python3'));
  assert.ok(fs.existsSync(path.join(EXT, lang.configuration)));
  const [g] = c.grammars;
  assert.equal(g.scopeName, 'source.gene');
  const grammar = JSON.parse(fs.readFileSync(path.join(EXT, g.path), 'utf8'));
  assert.equal(grammar.scopeName, 'source.gene');
});

test('semanticTokenScopes map every token type of gene-lsp\'s legend', () => {
  const types = rustList('gene-vm/src/analysis/tokens.rs', 'TOKEN_TYPES');
  const mods = rustList('gene-vm/src/analysis/tokens.rs', 'TOKEN_MODIFIERS');
  const scopes = c.semanticTokenScopes.find((s) => s.language === 'gene').scopes;
  for (const t of types) assert.ok(scopes[t], `a scope for token type ${t}`);
  for (const key of Object.keys(scopes)) {
    const [t, ...m] = key.split('.');
    assert.ok(types.includes(t), `${key}: ${t} is in the legend`);
    for (const x of m) assert.ok(mods.includes(x), `${key}: modifier ${x} is in the legend`);
  }
});

test('every command in a menu is declared, and every declared command is registered by the code', () => {
  const declared = new Set(c.commands.map((x) => x.command));
  for (const [menu, items] of Object.entries(c.menus)) {
    for (const it of items) assert.ok(declared.has(it.command), `${menu}: ${it.command} is declared`);
  }
  const src = fs.readdirSync(path.join(EXT, 'src')).map((f) => fs.readFileSync(path.join(EXT, 'src', f), 'utf8')).join('\n');
  for (const cmd of declared) assert.ok(src.includes(`"${cmd}"`), `${cmd} is registered in src/`);
  assert.ok(c.menus['editor/title/run'].some((m) => m.command === 'gene.runFile'));
  assert.ok(c.menus['editor/title/run'].some((m) => m.command === 'gene.debugFile'));
});

test('debugger gene: breakpoints for the language, documented launch attributes, configurations and snippets', () => {
  assert.deepEqual(c.breakpoints, [{ language: 'gene' }]);
  const [dbg] = c.debuggers;
  assert.equal(dbg.type, 'gene');
  const launch = dbg.configurationAttributes.launch;
  for (const a of ['program', 'args', 'cwd', 'env', 'stopOnEntry', 'pollInterval']) {
    assert.ok(launch.properties[a], `launch.${a}`);
    assert.ok(launch.properties[a].description.length > 20, `launch.${a} has a description`);
  }
  assert.deepEqual(launch.required, ['program']);
  assert.ok(dbg.configurationAttributes.attach.properties.port);
  assert.equal(dbg.initialConfigurations[0].type, 'gene');
  assert.ok(dbg.configurationSnippets.length >= 2);
  for (const s of dbg.configurationSnippets) assert.equal(s.body.type, 'gene');
});

test('the Futures view lives in the debug sidebar and shows only during gene sessions', () => {
  assert.deepEqual(c.views.debug, [{ id: 'gene.futures', name: 'Futures', when: 'inDebugMode && debugType == gene' }]);
  const p = c.configuration.properties;
  for (const k of ['gene.server.path', 'gene.debugger.path', 'gene.trace.server', 'gene.futures.refreshInterval']) assert.ok(p[k], k);
  assert.deepEqual(p['gene.trace.server'].enum, ['off', 'messages', 'verbose']);
});

test('the .vsix holds the bundle, the grammar, the configuration and the README, and no sources or node_modules', () => {
  assert.ok(fs.existsSync(VSIX), `${VSIX} (built by editors/vscode/build.sh)`);
  const list = cp.execFileSync('python3', ['-c', 'import sys,zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', VSIX], { encoding: 'utf8' }).split('\n');
  // vsce stores the README as readme.md.
  const lower = list.map((f) => f.toLowerCase());
  for (const f of ['extension/package.json', 'extension/dist/extension.js', 'extension/syntaxes/gene.tmLanguage.json', 'extension/language-configuration.json', 'extension/readme.md']) {
    assert.ok(lower.includes(f.toLowerCase()), `${f} in the package: ${list.join(', ')}`);
  }
  assert.ok(!list.some((f) => f.includes('node_modules/') || f.startsWith('extension/src/') || f.endsWith('.map')), list.join(', '));
});
