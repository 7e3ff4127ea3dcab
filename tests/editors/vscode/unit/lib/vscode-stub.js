'use strict';
// A stand-in for the `vscode` module, only as wide as the extension's edges: it records
// what the extension asks of the editor (tree views, status bar, messages, debug
// registrations) and lets a test drive the editor's side (settings, debug sessions,
// events). Installed with `install()` before the extension's modules are required.
const Module = require('node:module');
const path = require('node:path');

function disposable(fn = () => {}) {
  return { dispose: fn };
}

class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (fn) => {
      this.listeners.add(fn);
      return disposable(() => this.listeners.delete(fn));
    };
  }
  fire(v) {
    for (const l of [...this.listeners]) l(v);
  }
  dispose() {
    this.listeners.clear();
  }
}

class Uri {
  constructor(fsPath, scheme = 'file') {
    this.fsPath = fsPath;
    this.scheme = scheme;
    this.path = fsPath;
  }
  static file(p) {
    return new Uri(p);
  }
  toString() {
    return `${this.scheme}://${this.fsPath}`;
  }
}

class Position {
  constructor(line, character) {
    this.line = line;
    this.character = character;
  }
}
class Range {
  constructor(start, end) {
    this.start = start;
    this.end = end;
  }
}
class ThemeColor {
  constructor(id) {
    this.id = id;
  }
}
class ThemeIcon {
  constructor(id, color) {
    this.id = id;
    this.color = color;
  }
}
const TreeItemCollapsibleState = { None: 0, Collapsed: 1, Expanded: 2 };
class TreeItem {
  constructor(label, collapsibleState) {
    this.label = label;
    this.collapsibleState = collapsibleState;
  }
}
class DebugAdapterExecutable {
  constructor(command, args, options) {
    this.command = command;
    this.args = args;
    this.options = options;
  }
}

/** Fresh editor state per test. */
function createEditor() {
  const ed = {
    settings: {},
    messages: [], // {level, text}
    commands: new Map(),
    executed: [],
    shown: [],
    started: [],
    trees: new Map(),
    statusItems: [],
    trackerFactories: [],
    configProviders: [],
    descriptorFactories: [],
    workspaceFolders: [],
    textDocuments: [],
    activeTextEditor: undefined,
    activeDebugSession: undefined,
    onTerminate: new EventEmitter(),
    onActiveSession: new EventEmitter(),
    onConfig: new EventEmitter(),
    channels: [],
  };
  const message = (level) => (text, ...items) => {
    ed.messages.push({ level, text, items });
    return Promise.resolve(undefined);
  };
  ed.vscode = {
    EventEmitter,
    Uri,
    Position,
    Range,
    ThemeColor,
    ThemeIcon,
    TreeItem,
    TreeItemCollapsibleState,
    DebugAdapterExecutable,
    StatusBarAlignment: { Left: 1, Right: 2 },
    DebugConfigurationProviderTriggerKind: { Initial: 1, Dynamic: 2 },
    window: {
      get activeTextEditor() {
        return ed.activeTextEditor;
      },
      createTreeView(id, options) {
        const view = { id, options, message: undefined, description: undefined, dispose() {} };
        ed.trees.set(id, view);
        return view;
      },
      createStatusBarItem(id, alignment, priority) {
        const item = { id, alignment, priority, text: '', visible: false, show() { this.visible = true; }, hide() { this.visible = false; }, dispose() {} };
        ed.statusItems.push(item);
        return item;
      },
      createOutputChannel(name) {
        const ch = { name, lines: [], appendLine(l) { this.lines.push(l); }, append(l) { this.lines.push(l); }, show() {}, dispose() {} };
        ed.channels.push(ch);
        return ch;
      },
      showErrorMessage: message('error'),
      showWarningMessage: message('warning'),
      showInformationMessage: message('info'),
      setStatusBarMessage: (text) => {
        ed.messages.push({ level: 'status', text });
        return disposable();
      },
      showTextDocument(uri, options) {
        ed.shown.push({ uri, options });
        return Promise.resolve({});
      },
    },
    commands: {
      registerCommand(id, fn) {
        ed.commands.set(id, fn);
        return disposable(() => ed.commands.delete(id));
      },
      executeCommand(id, ...args) {
        ed.executed.push({ id, args });
        const fn = ed.commands.get(id);
        return Promise.resolve(fn ? fn(...args) : undefined);
      },
    },
    workspace: {
      getConfiguration(section) {
        return {
          get(key, def) {
            const v = ed.settings[`${section}.${key}`];
            return v === undefined ? def : v;
          },
        };
      },
      onDidChangeConfiguration: ed.onConfig.event,
      get workspaceFolders() {
        return ed.workspaceFolders.map((p, index) => ({ uri: Uri.file(p), name: path.basename(p), index }));
      },
      getWorkspaceFolder(uri) {
        const f = ed.workspaceFolders.find((p) => uri.fsPath.startsWith(p + path.sep));
        return f ? { uri: Uri.file(f), name: path.basename(f), index: 0 } : undefined;
      },
      get textDocuments() {
        return ed.textDocuments;
      },
      createFileSystemWatcher() {
        return disposable();
      },
    },
    debug: {
      get activeDebugSession() {
        return ed.activeDebugSession;
      },
      registerDebugAdapterTrackerFactory(type, factory) {
        ed.trackerFactories.push({ type, factory });
        return disposable();
      },
      registerDebugConfigurationProvider(type, provider, trigger) {
        ed.configProviders.push({ type, provider, trigger });
        return disposable();
      },
      registerDebugAdapterDescriptorFactory(type, factory) {
        ed.descriptorFactories.push({ type, factory });
        return disposable();
      },
      onDidTerminateDebugSession: ed.onTerminate.event,
      onDidChangeActiveDebugSession: ed.onActiveSession.event,
      startDebugging(folder, config, options) {
        ed.started.push({ folder, config, options });
        return Promise.resolve(true);
      },
    },
  };
  return ed;
}

let current;
let installed = false;

/** Makes `require('vscode')` return the current editor's stand-in. */
function install() {
  current = createEditor();
  if (!installed) {
    installed = true;
    const load = Module._load;
    // One module object for every test: modules keep what they imported, so it
    // forwards to the editor of the test that is running.
    const forward = {};
    for (const key of Object.keys(current.vscode)) {
      Object.defineProperty(forward, key, { enumerable: true, get: () => current.vscode[key] });
    }
    Module._load = function (request, parent, isMain) {
      if (request === 'vscode') return forward;
      return load.call(this, request, parent, isMain);
    };
  }
  return current;
}

/**
 * A debug session whose adapter answers `customRequest` from `answer(command, args)`;
 * `send(msg)` delivers an adapter message to the trackers created for it.
 */
function fakeSession(ed, { id = 'session-1', name = 'Debug prog.gene', answer }) {
  const session = {
    id,
    name,
    type: 'gene',
    requests: [],
    trackers: [],
    customRequest(command, args) {
      this.requests.push({ command, args });
      try {
        return Promise.resolve(answer(command, args));
      } catch (e) {
        return Promise.reject(e);
      }
    },
  };
  for (const { factory } of ed.trackerFactories) session.trackers.push(factory.createDebugAdapterTracker(session));
  session.send = (msg) => {
    for (const t of session.trackers) t.onDidSendMessage?.(msg);
  };
  return session;
}

module.exports = { install, fakeSession, EventEmitter };
