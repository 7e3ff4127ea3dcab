'use strict';
// Neovim (Debian's 0.7.2, headless, built-in client) against gene-lsp: a file with
// three errors gives three diagnostics, fixing them in the buffer clears them,
// formatting is applied with vim.lsp.util.apply_text_edits, and hover,
// definition, rename (applied with apply_workspace_edit) and completion work.
// nvim/test.lua prints one JSON line per event; this file checks them.

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const cp = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./lib/client');

const NVIM = process.env.NVIM_BIN || 'nvim';
const SCRIPT = path.join(__dirname, 'nvim/test.lua');
const FIXTURE = path.join(__dirname, 'nvim/three_errors.gene');
const T = { timeout: 60000 };

let run = null; // {events, stdout, stderr, status, error}

function nvimVersion() {
  const r = cp.spawnSync(NVIM, ['--version'], { encoding: 'utf8', timeout: 10000 });
  if (r.error || r.status !== 0) return null;
  return (r.stdout.match(/NVIM v(\S+)/) || [])[1] || 'unknown';
}

before(async () => {
  const version = nvimVersion();
  if (!version) {
    run = { error: `nvim not found (${NVIM}): install Debian's neovim (tests/lsp/run.sh does, as root) or set NVIM_BIN` };
    return;
  }
  if (!fs.existsSync(h.SERVER)) {
    run = { error: `gene-lsp binary missing at ${h.SERVER}: cargo build -p gene-lsp` };
    return;
  }
  const dir = h.tmpDir('gene-lsp-nvim-');
  fs.copyFileSync(FIXTURE, path.join(dir, 'three_errors.gene'));
  const env = { ...process.env, GENE_LSP: h.SERVER, HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir, XDG_STATE_HOME: dir, XDG_CACHE_HOME: dir };
  run = await new Promise((resolve) => {
    const p = cp.spawn(NVIM, ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${SCRIPT}`, 'three_errors.gene'], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 45000);
    p.on('exit', (status, signal) => {
      clearTimeout(timer);
      const events = [];
      for (const line of stdout.split('\n')) {
        const s = line.trim();
        if (!s.startsWith('{')) continue;
        try {
          events.push(JSON.parse(s));
        } catch (_) {
          /* not one of ours */
        }
      }
      resolve({ version, events, stdout, stderr, status, signal });
    });
  });
});

function ctx() {
  return `\n--- nvim stdout ---\n${(run.stdout || '').slice(-3000)}\n--- nvim stderr ---\n${(run.stderr || '').slice(-2000)}`;
}

function events(name) {
  assert.ok(!run.error, run.error);
  return run.events.filter((e) => e.event === name);
}

function one(name) {
  const e = events(name);
  assert.equal(e.length, 1, `one ${name} event${ctx()}`);
  return e[0];
}

test('nvim runs the script to the end without a Lua error and exits 0', T, () => {
  assert.ok(!run.error, run.error);
  assert.match(run.version, /^0\./, `a Neovim version: ${run.version}`);
  assert.deepEqual(events('error'), [], `no error event${ctx()}`);
  assert.equal(events('done').length, 1, `the script finished${ctx()}`);
  assert.equal(run.status, 0, `nvim exit status${ctx()}`);
  const init = one('initialized');
  assert.equal(init.offset_encoding, 'utf-16', 'Neovim 0.7 does not offer utf-8 in general.positionEncodings: utf-16');
});

test('nvim: a file with three errors gives the three, published and stored by vim.diagnostic', T, () => {
  const d = events('diagnostic');
  assert.equal(d.length, 3, `three diagnostics${ctx()}`);
  for (const x of d) {
    assert.equal(x.uri_matches, true, 'for the buffer uri');
    assert.equal(x.source, 'gene');
    assert.equal(x.code, 'syntax');
    assert.equal(x.severity, 1);
  }
  const ranges = d.map((x) => x.range).sort((a, b) => a.start.line - b.start.line);
  assert.deepEqual(ranges, [
    // `(println "é" 'ab')`: the literal starts at UTF-16 column 13 (é is one unit).
    { start: { line: 2, character: 13 }, end: { line: 2, character: 17 } },
    { start: { line: 3, character: 19 }, end: { line: 3, character: 20 } },
    { start: { line: 4, character: 0 }, end: { line: 4, character: 1 } },
  ]);
  const v = events('vim_diagnostic').sort((a, b) => a.lnum - b.lnum);
  assert.equal(v.length, 3, `vim.diagnostic.get has three${ctx()}`);
  // Neovim converts to byte columns: é is two bytes.
  assert.deepEqual(v.map((x) => [x.lnum, x.col, x.end_col]), [[2, 14, 18], [3, 19, 20], [4, 0, 1]]);
});

test('nvim: fixing the errors in the buffer (incremental changes) clears the diagnostics', T, () => {
  const f = one('after_fix');
  assert.equal(f.cleared, true, `an empty publish arrived${ctx()}`);
  assert.equal(f.count, 0, JSON.stringify(f.diagnostics));
});

test('nvim: formatting applied with vim.lsp.util.apply_text_edits gives the gene fmt layout', T, () => {
  const f = one('formatting');
  assert.equal(f.error, undefined, `formatting succeeded: ${f.error}`);
  assert.equal(f.edits, 1);
  assert.deepEqual(f.lines, ['(fn add [a b]', '  (a + b))', '(println "é" \'a\')', '(println (add 1 2))', '(println "é" 2)']);
});

test('nvim: hover on a call of a user function shows its signature', T, () => {
  const e = one('hover');
  assert.equal(e.advertised, true, 'hoverProvider not advertised');
  assert.equal(e.error, undefined, e.error);
  assert.match(e.value || '', /add/);
  assert.match(e.value || '', /\[a b\]/);
});

test('nvim: definition of the called function is its name in the fn form', T, () => {
  const e = one('definition');
  assert.equal(e.advertised, true, 'definitionProvider not advertised');
  assert.equal(e.error, undefined, e.error);
  assert.equal(e.uri_matches, true);
  assert.deepEqual(e.range, { start: { line: 0, character: 4 }, end: { line: 0, character: 7 } });
});

test('nvim: rename applied with vim.lsp.util.apply_workspace_edit renames the definition and the call', T, () => {
  const e = one('rename');
  assert.equal(e.advertised, true, 'renameProvider not advertised');
  assert.equal(e.error, undefined, e.error);
  assert.deepEqual(e.lines, ['(fn plus [a b]', '  (a + b))', '(println "é" \'a\')', '(println (plus 1 2))', '(println "é" 2)']);
});

test('nvim: completion offers the renamed function', T, () => {
  const e = one('completion');
  assert.equal(e.advertised, true, 'completionProvider not advertised');
  assert.equal(e.error, undefined, e.error);
  assert.ok(e.labels.includes('plus'), `plus offered for "pl": ${JSON.stringify(e.labels)}`);
});

test('nvim: stopping the client ends the server process', T, async () => {
  const e = one('stopped');
  assert.equal(e.stopped, true, 'vim.lsp.stop_client finished');
  if (e.pid) {
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      try {
        process.kill(e.pid, 0);
        await h.sleep(100);
      } catch (_) {
        alive = false;
      }
    }
    assert.equal(alive, false, `gene-lsp (pid ${e.pid}) exited after the client stopped`);
  }
});
