'use strict';
// A real VS Code for the end-to-end tests of editors/vscode: code-server 4.100.3
// (VS Code 1.100.3) serves the workbench, headless Debian Chromium renders it,
// playwright-core drives it with the keyboard and reads the DOM.
//
// `openWorkbench(t, scenario)` gives each test its own everything: a temp dir with
// the user data, extensions, HOME and XDG folders, a copy of fixtures/workspace,
// a code-server on a free port with the .vsix installed and User/settings.json
// pointing gene.server.path / gene.debugger.path at the built binaries, and a
// Chromium page with the folder open. `t.after` tears it all down, whether the
// test passed or not: the browser, code-server's whole process group, and every
// process left whose environment carries this run's marker (extension hosts,
// gene-lsp, gene-dap and paused debuggees all outlive the browser otherwise).
//
// Every wait polls a DOM condition (no fixed sleeps, lib/wait.js); a timeout names
// what it waited for. The view-pane and debugging methods of the driver live in
// lib/debug-views.js. Screenshots go to target/editor-e2e/<scenario>-<step>.png, and a
// `failure` one is taken when a scenario throws.

const assert = require('node:assert/strict');
const cp = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { WAIT_MS, sleep, until } = require('./wait');
const { DebugViews } = require('./debug-views');

const E2E = path.resolve(__dirname, '..');
const ROOT = path.resolve(E2E, '../../../..');
const LSP = process.env.GENE_LSP || path.join(ROOT, 'target/debug/gene-lsp');
const DAP = process.env.GENE_DAP || path.join(ROOT, 'target/debug/gene-dap');
const VSIX = process.env.GENE_VSIX || path.join(ROOT, 'target/vscode/gene.vsix');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.GENE_E2E_SHOTS || path.join(ROOT, 'target/editor-e2e');
const CODE_SERVER = path.join(E2E, 'node_modules/code-server/out/node/entry.js');
const FIXTURE = path.join(E2E, 'fixtures/workspace');
const MARK = 'GENE_VSCODE_E2E_RUN'; // env var set on code-server, inherited by all its children
const OWNER = 'GENE_VSCODE_E2E_OWNER'; // the pid of the test process that started them

const TEST_MS = 150000; // one scenario (pass as `{ timeout: TEST_MS }`)

// ---- small utilities --------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function httpOk(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** 1-based line of the first line of `file` (in fixtures/workspace) containing `marker`. */
function lineOf(file, marker) {
  const lines = fs.readFileSync(path.join(FIXTURE, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(marker));
  assert.ok(i >= 0, `marker ${marker} in ${file}`);
  return i + 1;
}

/** 1-based column of `token` on that line. */
function columnOf(file, line, token) {
  const text = fs.readFileSync(path.join(FIXTURE, file), 'utf8').split('\n')[line - 1];
  const i = text.indexOf(token);
  assert.ok(i >= 0, `${token} on ${file}:${line}`);
  return i + 1;
}

function checkPrerequisites() {
  const missing = [];
  for (const [what, p] of [['code-server (run ./run.sh)', CODE_SERVER], ['Chromium', CHROMIUM], ['gene-lsp', LSP], ['gene-dap', DAP], ['the extension (.vsix)', VSIX]]) {
    if (!fs.existsSync(p)) missing.push(`${what}: ${p}`);
  }
  return missing;
}

// ---- processes --------------------------------------------------------------------

/** Pids of live processes whose environment carries `MARK=<value>`. */
function markedPids(value) {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    const env = envOf(d);
    if (env && env.get(MARK) === value) out.push(Number(d));
  }
  return out;
}

/** Pids of live processes whose command line contains `needle` (the run's temp dir). */
function pidsWithArg(needle) {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'latin1').includes(needle)) out.push(Number(d));
    } catch (_) {
      /* gone */
    }
  }
  return out;
}

/** Environment of a live process as a map, or null. */
function envOf(pid) {
  try {
    const m = new Map();
    for (const kv of fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0')) {
      const i = kv.indexOf('=');
      if (i > 0) m.set(kv.slice(0, i), kv.slice(i + 1));
    }
    return m;
  } catch (_) {
    return null;
  }
}

/**
 * Kills what an earlier test process started and could not tear down (it was killed
 * itself): processes carrying OWNER=<pid> of a test process that is gone.
 */
function sweepOrphans() {
  const killed = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    const env = envOf(d);
    const owner = env && env.get(OWNER);
    if (!owner || !env.has(MARK)) continue;
    let ownerAlive = true;
    try {
      process.kill(Number(owner), 0);
    } catch (_) {
      ownerAlive = false;
    }
    if (!ownerAlive && killPid(Number(d), 'SIGKILL')) killed.push(Number(d));
  }
  // and their temp dirs (each holds the pid of the test process that made it)
  for (const d of fs.readdirSync(os.tmpdir())) {
    if (!d.startsWith('gene-vscode-e2e-')) continue;
    const dir = path.join(os.tmpdir(), d);
    let owner;
    try {
      owner = Number(fs.readFileSync(path.join(dir, 'owner'), 'utf8'));
    } catch (_) {
      continue;
    }
    try {
      process.kill(owner, 0);
    } catch (_) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return killed;
}

// When this process ends without running t.after (killed by a signal, an uncaught error),
// the detached code-server groups would outlive it: kill them synchronously on the way out.
const liveGroups = new Set();
const liveTmp = new Set();
let exitHooked = false;
function hookExit() {
  if (exitHooked) return;
  exitHooked = true;
  const killLive = () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
    if (!process.env.GENE_E2E_KEEP) for (const d of liveTmp) fs.rmSync(d, { recursive: true, force: true });
  };
  process.on('exit', killLive);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      killLive();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

function killPid(pid, sig) {
  try {
    process.kill(pid, sig);
    return true;
  } catch (_) {
    return false;
  }
}

function killGroup(pgid, sig) {
  try {
    process.kill(-pgid, sig);
  } catch (_) {
    /* gone */
  }
}

/** Everything this run started: code-server's group, then stragglers found by marker or temp dir. */
async function killEverything(server, marker, tmp) {
  const found = () => [...new Set([...markedPids(marker), ...pidsWithArg(tmp)])];
  if (server && server.pid) killGroup(server.pid, 'SIGTERM');
  for (const pid of found()) killPid(pid, 'SIGTERM');
  const end = Date.now() + 3000;
  while (Date.now() < end && (found().length || (server && server.exitCode === null && server.signalCode === null))) await sleep(100);
  if (server && server.pid) killGroup(server.pid, 'SIGKILL');
  for (const pid of found()) killPid(pid, 'SIGKILL');
  await sleep(100);
  return found();
}

// ---- the workbench ----------------------------------------------------------------

function userSettings() {
  return {
    'gene.server.path': LSP,
    'gene.debugger.path': DAP,
    'gene.futures.refreshInterval': Number(process.env.GENE_E2E_FUTURES_REFRESH_MS) || 250,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.enableExperiments': false,
    'chat.commandCenter.enabled': false,
    'chat.disableAIFeatures': true,
    'git.enabled': false,
    'git.openRepositoryInParentFolders': 'never',
    'editor.minimap.enabled': false,
    'editor.hover.delay': 300,
    'editor.fontSize': 14,
    'window.commandCenter': false,
    'debug.openDebug': 'openOnSessionStart',
    'debug.showInStatusBar': 'always',
    'debug.toolBarLocation': 'floating',
    'terminal.integrated.enablePersistentSessions': false,
    'files.autoSave': 'off',
  };
}

/**
 * Starts code-server with the .vsix installed and the fixture workspace, opens it in
 * Chromium, and returns the workbench driver `w`. Registers teardown on `t`.
 */
async function openWorkbench(t, scenario, { settings = {} } = {}) {
  const missing = checkPrerequisites();
  assert.deepEqual(missing, [], `missing prerequisites:\n  ${missing.join('\n  ')}`);
  // this scenario's screenshots of an earlier run (a stale `failure` one would mislead)
  if (fs.existsSync(SHOTS)) {
    for (const f of fs.readdirSync(SHOTS)) if (f.startsWith(`${scenario}-`) && f.endsWith('.png')) fs.rmSync(path.join(SHOTS, f), { force: true });
  }
  const orphans = sweepOrphans();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gene-vscode-e2e-'));
  fs.writeFileSync(path.join(tmp, 'owner'), String(process.pid));
  const dirs = {
    user: path.join(tmp, 'user-data'),
    ext: path.join(tmp, 'extensions'),
    home: path.join(tmp, 'home'),
    ws: path.join(tmp, 'workspace'),
  };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.cpSync(FIXTURE, dirs.ws, { recursive: true });
  fs.mkdirSync(path.join(dirs.user, 'User'), { recursive: true });
  // User settings (the browser side) and the same in the remote settings (code-server's
  // side, user-data/Machine/settings.json): in a remote window VS Code ignores the User
  // values of machine-scoped settings, and gene.server.path / gene.debugger.path are
  // `machine-overridable`. With them only in User, the extension host sees them at start
  // and then gets a configuration change that drops them.
  const all = JSON.stringify({ ...userSettings(), ...settings }, null, 2);
  fs.writeFileSync(path.join(dirs.user, 'User/settings.json'), all);
  fs.mkdirSync(path.join(dirs.user, 'Machine'), { recursive: true });
  fs.writeFileSync(path.join(dirs.user, 'Machine/settings.json'), all);
  const marker = path.basename(tmp);
  if (orphans.length) t.diagnostic(`killed processes left by an earlier, killed test run: ${orphans.join(' ')}`);
  hookExit();
  liveTmp.add(tmp);
  const env = {
    ...process.env,
    [MARK]: marker,
    [OWNER]: String(process.pid),
    HOME: dirs.home,
    XDG_CONFIG_HOME: path.join(dirs.home, '.config'),
    XDG_DATA_HOME: path.join(dirs.home, '.local/share'),
    XDG_CACHE_HOME: path.join(dirs.home, '.cache'),
    XDG_STATE_HOME: path.join(dirs.home, '.local/state'),
    TMPDIR: tmp,
  };
  delete env.VSCODE_IPC_HOOK_CLI;
  delete env.NODE_OPTIONS;
  const common = ['--user-data-dir', dirs.user, '--extensions-dir', dirs.ext];
  const timing = { start: Date.now() };
  const w = new Workbench({ t, scenario, tmp, dirs, timing });
  let server = null;
  let browser = null;
  t.after(async () => {
    try {
      if (browser) await Promise.race([browser.close(), sleep(5000)]);
    } catch (_) {
      /* already gone */
    }
    const left = await killEverything(server, marker, tmp);
    if (server) liveGroups.delete(server.pid);
    liveTmp.delete(tmp);
    if (left.length) t.diagnostic(`processes still alive after teardown: ${left.join(' ')}`);
    if (!process.env.GENE_E2E_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
    else t.diagnostic(`kept ${tmp}`);
  });

  // install the extension (1-2 s)
  const inst = cp.spawnSync(process.execPath, [CODE_SERVER, ...common, '--install-extension', VSIX, '--force'], {
    env,
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.equal(inst.status, 0, `code-server --install-extension ${VSIX} failed:\n${inst.stdout}\n${inst.stderr}`);
  timing.installed = Date.now();

  // serve
  const port = await freePort();
  const log = fs.openSync(path.join(tmp, 'code-server.log'), 'a');
  server = cp.spawn(
    process.execPath,
    [CODE_SERVER, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, ...common, '--disable-telemetry',
      '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened', dirs.ws],
    { env, detached: true, stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  if (server.pid) liveGroups.add(server.pid);
  w.server = server;
  const base = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (server.exitCode !== null) throw new Error(`code-server exited ${server.exitCode}: ${w.serverLog()}`);
    return httpOk(`${base}/healthz`);
  }, 'code-server /healthz', 30000, 200);
  timing.healthz = Date.now();

  // browse
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  w.page = page;
  page.on('console', (m) => {
    if (m.type() === 'error') w.consoleErrors.push(m.text());
  });
  await page.goto(`${base}/?folder=${encodeURIComponent(dirs.ws)}`);
  await w.waitFor('.monaco-workbench .part.statusbar', 'the workbench', 60000);
  await w.waitForText('.explorer-folders-view, .explorer-viewlet', /\.gene/, 'the explorer listing the workspace files', 60000);
  timing.workbench = Date.now();
  return w;
}

class Workbench {
  constructor({ t, scenario, tmp, dirs, timing }) {
    this.t = t;
    this.scenario = scenario;
    this.tmp = tmp;
    this.dirs = dirs;
    this.timing = timing;
    this.page = null;
    this.server = null;
    this.shots = [];
    this.consoleErrors = [];
  }

  /** Pids of this run's live processes whose executable is named `name` (e.g. gene-lsp). */
  pidsOf(name) {
    return markedPids(path.basename(this.tmp)).filter((pid) => {
      try {
        return path.basename(fs.readlinkSync(`/proc/${pid}/exe`)) === name;
      } catch (_) {
        return false;
      }
    });
  }

  serverLog() {
    try {
      return fs.readFileSync(path.join(this.tmp, 'code-server.log'), 'utf8').slice(-3000);
    } catch (_) {
      return '';
    }
  }

  /** The extension host / language server / adapter logs code-server wrote (for failure messages). */
  extensionLogs() {
    const out = [];
    const walk = (d) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/exthost|gene|remoteagent/i.test(p) && /\.log$/.test(p)) out.push(`--- ${path.relative(this.dirs.user, p)}\n${fs.readFileSync(p, 'utf8').slice(-2000)}`);
      }
    };
    try {
      walk(path.join(this.dirs.user, 'logs'));
    } catch (_) {
      /* none yet */
    }
    return out.join('\n');
  }

  // ---- DOM ----

  async waitFor(selector, what = selector, ms = WAIT_MS) {
    await this.page.locator(selector).first().waitFor({ state: 'visible', timeout: ms }).catch((e) => {
      throw new Error(`timeout after ${ms} ms waiting for ${what} (${selector}): ${e.message.split('\n')[0]}`);
    });
  }

  /** Waits until some visible element matching `selector` has text matching `re`; returns that text. */
  async waitForText(selector, re, what, ms = WAIT_MS) {
    return until(async () => {
      const texts = await this.texts(selector);
      return texts.find((x) => re.test(x));
    }, () => `${what}: ${selector} matching ${re}`, ms);
  }

  /** innerText of every visible element matching `selector`. */
  async texts(selector) {
    return this.page.$$eval(selector, (els) =>
      els.filter((e) => e.offsetParent !== null || e.getClientRects().length > 0).map((e) => e.innerText));
  }

  /** Saves target/editor-e2e/<scenario>-<step>.png. */
  async shot(step) {
    fs.mkdirSync(SHOTS, { recursive: true });
    const file = path.join(SHOTS, `${this.scenario}-${step}.png`);
    // let fade-ins (hovers, notifications) finish; infinite ones (progress bars) are ignored
    await this.page.waitForFunction(() => document.getAnimations().every((a) => {
      const it = a.effect && a.effect.getTiming ? a.effect.getTiming().iterations : 1;
      return it === Infinity || a.playState !== 'running';
    }), null, { timeout: 2000 }).catch(() => {});
    await this.page.screenshot({ path: file });
    this.shots.push(file);
    return file;
  }

  async press(keys) {
    for (const k of keys.split(' ')) await this.page.keyboard.press(k);
  }

  async escape() {
    await this.page.keyboard.press('Escape');
  }

  // ---- quick input ----

  quickInput() {
    return this.page.locator('.quick-input-widget');
  }

  async quickInputVisible() {
    return this.quickInput().isVisible();
  }

  /** Rows of the open quick pick: their aria-labels. */
  async quickPickRows() {
    return this.page.$$eval('.quick-input-widget .quick-input-list .monaco-list-row', (els) => els.map((e) => e.getAttribute('aria-label') || e.innerText));
  }

  async typeInQuickInput(text) {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: WAIT_MS });
    await input.fill(text);
  }

  /**
   * Runs a command from the palette (F1) by its title, retrying until it is listed
   * (an extension's commands are listed only once it activated).
   */
  async command(title, { ms = WAIT_MS } = {}) {
    const re = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(,|$| )`, 'i');
    await until(async () => {
      if (!(await this.quickInputVisible())) await this.page.keyboard.press('F1');
      await this.typeInQuickInput(`>${title}`);
      const found = await until(async () => {
        const rows = await this.quickPickRows();
        return rows.some((r) => re.test(r)) && rows;
      }, `palette entry ${title}`, 3000).catch(() => null);
      if (!found) {
        await this.escape();
        return false;
      }
      // select the matching row (the first one may be a recently used other command)
      const idx = found.findIndex((r) => re.test(r));
      await this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').nth(idx).click();
      return true;
    }, `the command "${title}" in the command palette`, ms, 300);
    await until(async () => !(await this.quickInputVisible()), `the palette to close after "${title}"`, 5000).catch(() => {});
  }

  /** Opens a workspace file via Quick Open (Ctrl+P) and waits for its editor. */
  async openFile(name) {
    await this.page.keyboard.press('Control+P');
    await this.typeInQuickInput(name);
    // the first row once the list is filtered (an unfiltered "recently opened" list may show it lower)
    await until(async () => {
      const rows = await this.quickPickRows();
      return rows.length > 0 && rows[0].includes(name) && (await this.page.locator('.quick-input-widget .quick-input-box input').inputValue()) === name;
    }, `Quick Open listing ${name} first`);
    await this.page.keyboard.press('Enter');
    await this.waitFor(`.tabs-container .tab.active[aria-label*="${name}"], .tabs-container .tab.active[data-resource-name="${name}"]`, `the editor tab of ${name}`);
    await this.waitFor('.editor-instance .monaco-editor .view-lines', 'the text editor');
    await until(async () => (await this.texts('.editor-instance .monaco-editor .view-lines')).some((x) => x.trim().length > 0), `the text of ${name}`);
    await this.focusEditor();
  }

  async focusEditor() {
    // clicking would move the cursor; the command keeps it
    await this.page.locator('.editor-instance .monaco-editor textarea.inputarea, .editor-instance .monaco-editor .native-edit-context').first().focus();
  }

  /** Moves the cursor with Go to Line (Ctrl+G), `line:col` 1-based. */
  async gotoLine(line, col = 1) {
    await this.focusEditor();
    await this.page.keyboard.press('Control+G');
    await this.typeInQuickInput(`:${line}:${col}`); // fill replaces the ':' prefix Ctrl+G put there
    await this.page.keyboard.press('Enter');
    await until(async () => {
      const s = await this.statusText();
      return s.includes(`Ln ${line}, Col ${col}`);
    }, () => `the cursor at Ln ${line}, Col ${col}`, 5000);
  }

  async statusText() {
    return (await this.texts('.part.statusbar')).join(' ');
  }

  /** The status bar items' texts. */
  async statusItems() {
    return this.page.$$eval('.part.statusbar .statusbar-item', (els) => els.map((e) => (e.innerText || '').trim()).filter(Boolean));
  }

  // ---- editor decorations ----

  /** Count of error squiggles rendered in the visible editor. */
  async squiggles(kind = 'error') {
    return this.page.locator(`.editor-instance .monaco-editor .squiggly-${kind}`).count();
  }

  /** Hover at the cursor (editor.action.showHover, Ctrl+K Ctrl+I) and returns its text. */
  async hoverAt(line, col, re, what = 'the hover') {
    await this.gotoLine(line, col);
    return until(async () => {
      if (!(await this.page.locator('.monaco-hover:not(.hidden) .monaco-hover-content').first().isVisible().catch(() => false))) {
        await this.focusEditor();
        await this.press('Control+K Control+I');
        await this.page.locator('.monaco-hover:not(.hidden) .monaco-hover-content').first().waitFor({ state: 'visible', timeout: 3000 }).catch(() => {});
      }
      const texts = await this.texts('.monaco-hover:not(.hidden) .monaco-hover-content');
      const hit = texts.find((x) => re.test(x));
      if (!hit) await this.escape(); // the hover may be an early "Loading..." one
      return hit;
    }, () => `${what} matching ${re}`, WAIT_MS, 500);
  }

  /** Moves the mouse over the first rendered token `token` of the editor and returns the hover's text once it matches `re`. */
  async hoverMouse(token, re, what = `the hover over ${token}`) {
    const span = this.page.locator('.editor-instance .monaco-editor .view-lines .view-line span > span').filter({ hasText: new RegExp(`^${token}$`) }).first();
    await span.waitFor({ state: 'visible', timeout: WAIT_MS });
    return until(async () => {
      const box = await span.boundingBox();
      await this.page.mouse.move(box.x + 2, box.y + box.height + 40); // off the token first
      await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
      await this.page.locator('.monaco-hover:not(.hidden) .monaco-hover-content').first().waitFor({ state: 'visible', timeout: 3000 }).catch(() => {});
      const texts = await this.texts('.monaco-hover:not(.hidden) .monaco-hover-content');
      return texts.find((x) => re.test(x));
    }, () => `${what} matching ${re}`, WAIT_MS, 300);
  }

  // ---- panels ----

  /** Opens the Problems panel and returns its rows' aria-labels once `pred(rows)` holds. */
  async problems(pred = (rows) => rows.length > 0, what = 'Problems entries') {
    await this.command('View: Focus Problems');
    await this.waitFor('.markers-panel', 'the Problems panel');
    return until(async () => {
      const rows = await this.page.$$eval('.markers-panel .monaco-list-row', (els) => els.map((e) => e.getAttribute('aria-label') || e.innerText));
      return pred(rows) && rows;
    }, what);
  }
}

// the view panes (rows, inline actions, context menus) and the debugging helpers
for (const k of Object.getOwnPropertyNames(DebugViews.prototype)) {
  if (k !== 'constructor') Object.defineProperty(Workbench.prototype, k, Object.getOwnPropertyDescriptor(DebugViews.prototype, k));
}

/**
 * Wraps a scenario: opens the workbench, runs `fn(w)`, screenshots `failure` and
 * appends the code-server / extension logs to the error when it throws.
 */
async function scenario(t, name, fn, opts = {}) {
  let w = null;
  try {
    w = await openWorkbench(t, name, opts);
    t.diagnostic(`workbench: install ${w.timing.installed - w.timing.start} ms, healthz +${w.timing.healthz - w.timing.installed} ms, ready +${w.timing.workbench - w.timing.healthz} ms`);
    await fn(w);
    t.diagnostic(`${name}: ${Date.now() - w.timing.start} ms in all; screenshots: ${w.shots.map((s) => path.basename(s)).join(', ')}`);
  } catch (e) {
    if (w && w.page) {
      try {
        await w.shot('failure');
      } catch (_) {
        /* the page is gone */
      }
      e.message += `\n--- screenshot ${path.join(SHOTS, `${name}-failure.png`)}\n--- code-server log (tail)\n${w.serverLog()}\n${w.extensionLogs()}`;
    }
    throw e;
  }
}

module.exports = {
  ROOT,
  E2E,
  LSP,
  DAP,
  VSIX,
  SHOTS,
  TEST_MS,
  WAIT_MS,
  until,
  sleep,
  lineOf,
  columnOf,
  checkPrerequisites,
  openWorkbench,
  scenario,
};
