'use strict';
// Helpers for the gene-lsp end-to-end tests.
//
// Every scenario drives the real server binary through the real client library:
// a `vscode-jsonrpc` connection (StreamMessageReader/Writer over the server's
// stdio) with the request and notification types of
// `vscode-languageserver-protocol`. On top of it this file adds:
// - a timeout on every request (10 s) and on every wait;
// - a record of every `textDocument/publishDiagnostics` per uri, with its version
//   and arrival time, so a test never misses one that arrived before it waited;
// - the server's stderr and `window/logMessage`s for failure messages;
// - a small text model that applies TextEdits in the negotiated encoding
//   (UTF-16 code units or UTF-8 bytes), so tests check the text the editor would
//   end up with;
// - every spawned server is killed when its test ends.

const assert = require('node:assert/strict');
const cp = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const rpc = require('vscode-jsonrpc/node');
const lsp = require('vscode-languageserver-protocol');

const ROOT = path.resolve(__dirname, '../../..');
const SERVER = process.env.GENE_LSP || path.join(ROOT, 'target/debug/gene-lsp');
const GENE = process.env.GENE_BIN || path.join(ROOT, 'target/debug/gene');

const REQUEST_MS = 10000; // one request
const WAIT_MS = 10000; // one awaited notification
const TEST_MS = 30000; // one test (pass as `{ timeout: TEST_MS }`)
const T = { timeout: TEST_MS };

// ---- processes and timing (shared: ../../lib/proc.js) ----------------------------

const { track, alive, killProc, exitOf, sleep, withTimeout } = require('../../lib/proc');

const tmpDirs = [];
function tmpDir(prefix = 'gene-lsp-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}
process.on('exit', () => {
  for (const d of tmpDirs) {
    try {
      fs.rmSync(d, { recursive: true, force: true });
    } catch (_) {
      /* best effort */
    }
  }
});

let uriCounter = 0;
/** A fresh file URI (the file need not exist: the server works on open documents). */
function docUri(name = 'doc') {
  uriCounter += 1;
  return `file:///tmp/gene-lsp-e2e/${process.pid}-${uriCounter}/${name}.gene`;
}

// ---- text model --------------------------------------------------------------------

/** Line start offsets (in JS string indexes) of `text`; lines end at \n. */
function lineStarts(text) {
  const v = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') v.push(i + 1);
  return v;
}

/** JS string index (UTF-16) of an LSP position in `text`, in encoding `enc`. */
function offsetAt(text, pos, enc = 'utf-16') {
  const starts = lineStarts(text);
  if (pos.line >= starts.length) return text.length;
  const start = starts[pos.line];
  let end = pos.line + 1 < starts.length ? starts[pos.line + 1] - 1 : text.length;
  if (end > start && text[end - 1] === '\r') end -= 1;
  if (enc === 'utf-16') return Math.min(start + pos.character, end);
  if (enc !== 'utf-8') throw new Error(`unknown encoding ${enc}`);
  // UTF-8: walk code points counting bytes.
  let i = start;
  let bytes = 0;
  while (i < end && bytes < pos.character) {
    const cp = text.codePointAt(i);
    bytes += Buffer.byteLength(String.fromCodePoint(cp), 'utf8');
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

/** LSP position of a JS string index of `text`, in encoding `enc`. */
function positionAt(text, offset, enc = 'utf-16') {
  const starts = lineStarts(text);
  let line = 0;
  while (line + 1 < starts.length && starts[line + 1] <= offset) line++;
  const seg = text.slice(starts[line], offset);
  const character = enc === 'utf-8' ? Buffer.byteLength(seg, 'utf8') : seg.length;
  return { line, character };
}

/** Position (encoding `enc`) of the `nth` (0-based) occurrence of `needle`, plus `delta` chars. */
function posOf(text, needle, { nth = 0, delta = 0, enc = 'utf-16' } = {}) {
  let at = -1;
  for (let k = 0; k <= nth; k++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`${JSON.stringify(needle)} (#${nth}) not in ${JSON.stringify(text)}`);
  }
  return positionAt(text, at + delta, enc);
}

/** Range (encoding `enc`) covering the `nth` occurrence of `needle`. */
function rangeOf(text, needle, { nth = 0, enc = 'utf-16' } = {}) {
  const start = posOf(text, needle, { nth, enc });
  const startIdx = offsetAt(text, start, enc);
  return { start, end: positionAt(text, startIdx + needle.length, enc) };
}

/** The text a range covers. */
function textOf(text, range, enc = 'utf-16') {
  return text.slice(offsetAt(text, range.start, enc), offsetAt(text, range.end, enc));
}

/** Applies LSP TextEdits (non-overlapping, positions against the original text). */
function applyEdits(text, edits, enc = 'utf-16') {
  const abs = edits.map((e, i) => ({
    a: offsetAt(text, e.range.start, enc),
    b: offsetAt(text, e.range.end, enc),
    t: e.newText,
    i,
  }));
  abs.sort((x, y) => y.a - x.a || y.i - x.i);
  let out = text;
  for (const e of abs) out = out.slice(0, e.a) + e.t + out.slice(e.b);
  return out;
}

/** Applies one incremental content change to `text` (what the server must do too). */
function applyChange(text, change, enc = 'utf-16') {
  if (!change.range) return change.text;
  return applyEdits(text, [{ range: change.range, newText: change.text }], enc);
}

// ---- the formatter, from the command line -------------------------------------------

/** `gene fmt` of `text` (stdin to stdout): {status, stdout, stderr}. */
function geneFmt(text) {
  if (!fs.existsSync(GENE)) {
    throw new Error(`gene binary missing at ${GENE}: build it (cargo build -p gene-vm) or set GENE_BIN`);
  }
  const r = cp.spawnSync(GENE, ['fmt'], { input: text, encoding: 'utf8', timeout: REQUEST_MS });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// ---- the client ---------------------------------------------------------------------

/** Client capabilities of a plain editor: push diagnostics, UTF-16 only. */
function baseCapabilities({ pull = false, encodings = null, hierarchicalSymbols = true } = {}) {
  const caps = {
    general: {},
    workspace: { applyEdit: true, workspaceEdit: { documentChanges: true }, configuration: false },
    textDocument: {
      synchronization: { dynamicRegistration: false, didSave: true },
      publishDiagnostics: { relatedInformation: true, versionSupport: true, tagSupport: { valueSet: [1, 2] } },
      formatting: {},
      rangeFormatting: {},
      onTypeFormatting: {},
      foldingRange: { lineFoldingOnly: true },
      selectionRange: {},
      hover: { contentFormat: ['markdown', 'plaintext'] },
      definition: { linkSupport: false },
      references: {},
      documentHighlight: {},
      rename: { prepareSupport: true },
      documentSymbol: { hierarchicalDocumentSymbolSupport: hierarchicalSymbols },
      completion: { completionItem: { snippetSupport: true } },
    },
    window: { workDoneProgress: false },
  };
  if (encodings) caps.general.positionEncodings = encodings;
  if (pull) caps.textDocument.diagnostic = { dynamicRegistration: false, relatedDocumentSupport: false };
  return caps;
}

class Client {
  constructor(proc) {
    this.proc = proc;
    this.stderr = '';
    this.diagnostics = new Map(); // uri -> [{version, diagnostics, at}]
    this.logs = []; // window/logMessage and window/showMessage
    this.notifications = []; // every server notification: {method, params, at}
    this.errors = []; // connection errors
    this.closed = false;
    this.caps = null;
    this.encoding = 'utf-16';
    this._waiters = [];
    proc.stderr.on('data', (d) => {
      this.stderr += d.toString();
    });
    const reader = new rpc.StreamMessageReader(proc.stdout);
    this.reader = reader;
    const writer = new rpc.StreamMessageWriter(proc.stdin);
    this.rpcLog = []; // what vscode-jsonrpc logged, e.g. a response without an id
    const log = (level) => (m) => this.rpcLog.push({ level, message: String(m) });
    this.conn = rpc.createMessageConnection(reader, writer, {
      error: log('error'),
      warn: log('warn'),
      info: log('info'),
      log: log('log'),
    });
    this.conn.onError(([err]) => this.errors.push(err));
    this.exited = null; // {code, signal} once the process ended
    proc.on('exit', (code, signal) => {
      this.exited = { code, signal };
      this._wake();
    });
    // A server that dies in the middle of a message leaves the reader with a
    // partial message, whose timer re-arms itself forever and keeps the test
    // process alive: stop it once the server's stdout is closed.
    proc.stdout.on('close', () => this._stopReaderTimer());
    this.conn.onClose(() => {
      this.closed = true;
    });
    this.conn.onNotification((method, params) => {
      const at = Date.now();
      this.notifications.push({ method, params, at });
      if (method === 'textDocument/publishDiagnostics') {
        const list = this.diagnostics.get(params.uri) || [];
        list.push({ version: params.version, diagnostics: params.diagnostics, at });
        this.diagnostics.set(params.uri, list);
      } else if (method === 'window/logMessage' || method === 'window/showMessage') {
        this.logs.push(params);
      }
      this._wake();
    });
    // Requests from the server (configuration, registerCapability, ...): answer null.
    this.conn.onRequest((method, params) => {
      this.notifications.push({ method, params, at: Date.now(), request: true });
      this._wake();
      return null;
    });
    this.conn.listen();
  }

  _wake() {
    const ws = this._waiters;
    this._waiters = [];
    for (const w of ws) w();
  }

  /** What to show when something fails: the server's stderr and log messages. */
  context() {
    const logs = this.logs.map((l) => l.message).join('\n');
    const exited = this.exited ? `\n--- server exited: ${JSON.stringify(this.exited)} ---` : '';
    return `${exited}\n--- server stderr ---\n${this.stderr.slice(-2000)}\n--- log messages ---\n${logs.slice(-2000)}`;
  }

  /** Sends a request by method name; resolves with the result, rejects (with .code) on an error. */
  async request(method, params, ms = REQUEST_MS) {
    // No params at all (not `[null]`) for requests without them, e.g. shutdown.
    const p = params === undefined ? this.conn.sendRequest(method) : this.conn.sendRequest(method, params);
    try {
      return await withTimeout(p, ms, () => `request ${method} ${JSON.stringify(params).slice(0, 300)}${this.context()}`);
    } catch (e) {
      if (e instanceof rpc.ResponseError) {
        const err = new Error(`${method} answered error ${e.code}: ${e.message}`);
        err.code = e.code;
        err.rpcMessage = e.message;
        err.data = e.data;
        throw err;
      }
      throw e;
    }
  }

  /** A request that must fail: resolves with the ResponseError-like {code, message}. */
  async requestError(method, params, ms = REQUEST_MS) {
    let result;
    try {
      result = await this.request(method, params, ms);
    } catch (e) {
      if (e.code === undefined) throw e;
      return { code: e.code, message: e.rpcMessage };
    }
    assert.fail(`${method} was expected to fail but answered ${JSON.stringify(result)}`);
  }

  /** Writes bytes straight to the server's stdin (for malformed frames). */
  writeRaw(data) {
    return new Promise((resolve, reject) => this.proc.stdin.write(data, (e) => (e ? reject(e) : resolve())));
  }

  notify(method, params) {
    return params === undefined ? this.conn.sendNotification(method) : this.conn.sendNotification(method, params);
  }

  /** initialize + initialized. Options: {pull, encodings, capabilities, initializationOptions}. */
  async initialize(opts = {}) {
    const capabilities = opts.capabilities || baseCapabilities(opts);
    const r = await this.request(lsp.InitializeRequest.method, {
      processId: process.pid,
      clientInfo: { name: 'gene-lsp-e2e', version: '0' },
      rootUri: null,
      workspaceFolders: null,
      capabilities,
      initializationOptions: opts.initializationOptions,
    });
    this.caps = r.capabilities;
    this.encoding = r.capabilities.positionEncoding || 'utf-16';
    await this.notify(lsp.InitializedNotification.method, {});
    return r;
  }

  /** Fails with "not advertised" unless the server advertises capability `name`. */
  requireCapability(name) {
    const v = this.caps && this.caps[name];
    assert.ok(
      v !== undefined && v !== null && v !== false,
      `${name} not advertised by gene-lsp (server capabilities: ${JSON.stringify(Object.keys(this.caps || {}))})`,
    );
    return v;
  }

  // ---- documents ---------------------------------------------------------------------

  async open(uri, text, version = 1) {
    this.docs = this.docs || new Map();
    this.docs.set(uri, { text, version });
    await this.notify(lsp.DidOpenTextDocumentNotification.method, {
      textDocument: { uri, languageId: 'gene', version, text },
    });
  }

  /** Sends incremental changes; keeps the local copy of the text in step. */
  async change(uri, version, changes) {
    const d = this.docs.get(uri);
    for (const c of changes) d.text = applyChange(d.text, c, this.encoding);
    d.version = version;
    await this.notify(lsp.DidChangeTextDocumentNotification.method, {
      textDocument: { uri, version },
      contentChanges: changes,
    });
    return d.text;
  }

  async close(uri) {
    this.docs.delete(uri);
    await this.notify(lsp.DidCloseTextDocumentNotification.method, { textDocument: { uri } });
  }

  text(uri) {
    return this.docs.get(uri).text;
  }

  // ---- diagnostics ---------------------------------------------------------------------

  published(uri) {
    return this.diagnostics.get(uri) || [];
  }

  /**
   * Waits for a publishDiagnostics of `uri` (received at index >= `from` of the
   * list, so one that came before the call counts) that satisfies `pred`.
   */
  async waitDiagnostics(uri, pred = () => true, { from = 0, ms = WAIT_MS } = {}) {
    const end = Date.now() + ms;
    for (;;) {
      const list = this.published(uri);
      for (let i = from; i < list.length; i++) if (pred(list[i])) return list[i];
      const left = end - Date.now();
      if (left <= 0) {
        throw new Error(
          `timeout after ${ms} ms waiting for diagnostics of ${uri}; received: ${JSON.stringify(list)}${this.context()}`,
        );
      }
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this._waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Pulls diagnostics (textDocument/diagnostic); resolves with the items of the full report. */
  async pull(uri) {
    const r = await this.request(lsp.DocumentDiagnosticRequest.method, { textDocument: { uri } });
    assert.equal(r.kind, 'full', `a full report: ${JSON.stringify(r)}`);
    return r.items;
  }

  // ---- end -------------------------------------------------------------------------------

  /** shutdown + exit; resolves with {code, signal, ms} of the process exit. */
  async shutdownAndExit(ms = 5000) {
    const r = await this.request(lsp.ShutdownRequest.method, undefined);
    assert.equal(r, null, 'shutdown answers null');
    const t0 = Date.now();
    await this.notify(lsp.ExitNotification.method);
    const ex = await withTimeout(exitOf(this.proc), ms, `server exit within ${ms} ms after exit${this.context()}`);
    return { ...ex, ms: Date.now() - t0 };
  }

  _stopReaderTimer() {
    this.reader.partialMessageTimeout = 0;
    if (typeof this.reader.clearPartialMessageTimer === 'function') this.reader.clearPartialMessageTimer();
  }

  dispose() {
    this._stopReaderTimer();
    try {
      this.conn.dispose();
    } catch (_) {
      /* already closed */
    }
    killProc(this.proc);
  }
}

/** Spawns the server and a client over its stdio; killed when the test `t` ends. */
function spawnServer(t, args = []) {
  if (!fs.existsSync(SERVER)) {
    throw new Error(`gene-lsp binary missing at ${SERVER}: build it (cargo build -p gene-lsp) or set GENE_LSP`);
  }
  const proc = cp.spawn(SERVER, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  track(proc);
  // A write after the server died must not crash the test process.
  proc.stdin.on('error', () => {});
  const c = new Client(proc);
  if (t) t.after(() => c.dispose());
  return c;
}

/** Spawns and initializes; `opts` as for Client.initialize. */
async function start(t, opts = {}) {
  const c = spawnServer(t);
  await c.initialize(opts);
  return c;
}

/** An LSP base-protocol frame around `body` (a string, sent as is). */
function frame(body) {
  return `Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n\r\n${body}`;
}

/** The diagnostics' codes, sorted. */
function codes(diags) {
  return diags.map((d) => (d.code === undefined ? '<none>' : String(d.code))).sort();
}

module.exports = {
  ROOT,
  SERVER,
  GENE,
  REQUEST_MS,
  WAIT_MS,
  TEST_MS,
  T,
  lsp,
  rpc,
  sleep,
  withTimeout,
  tmpDir,
  docUri,
  exitOf,
  alive,
  offsetAt,
  positionAt,
  posOf,
  rangeOf,
  textOf,
  applyEdits,
  applyChange,
  geneFmt,
  baseCapabilities,
  spawnServer,
  start,
  codes,
  frame,
  Client,
};
