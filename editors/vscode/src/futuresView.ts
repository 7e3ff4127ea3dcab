// The Futures view in the Run and Debug sidebar and the pending-count status bar item.
import * as vscode from "vscode";
import { FuturesModel, FuturesPage, Row } from "./futuresModel";

const PAGE = { count: 500 };

/** Per debug session: its model and whether its program is running. */
class Tracked {
  readonly model = new FuturesModel();
  running = false;
  inFlight = false;
  /** A refresh was asked for while one was in flight: run another when it ends. */
  again = false;
  ended = false;
  constructor(readonly session: vscode.DebugSession) {}
}

export class FuturesView implements vscode.TreeDataProvider<Row>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Row | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sessions = new Map<string, Tracked>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly tree: vscode.TreeView<Row>;
  private readonly status: vscode.StatusBarItem;
  private timer: NodeJS.Timeout | undefined;
  private fireScheduled = false;

  constructor(private readonly log: vscode.OutputChannel) {
    this.tree = vscode.window.createTreeView("gene.futures", { treeDataProvider: this, showCollapseAll: true });
    this.status = vscode.window.createStatusBarItem("gene.futures.pending", vscode.StatusBarAlignment.Left, 10);
    this.status.name = "Gene Pending Futures";
    this.status.command = "gene.futures.focus";
    this.disposables.push(
      this.tree,
      this.status,
      this.changed,
      vscode.debug.registerDebugAdapterTrackerFactory("gene", { createDebugAdapterTracker: (s) => this.tracker(s) }),
      vscode.debug.onDidTerminateDebugSession((s) => this.ended(s)),
      vscode.debug.onDidChangeActiveDebugSession(() => this.update()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("gene.futures.refreshInterval")) {
          this.restartTimer();
        }
      }),
    );
    this.update();
  }

  dispose(): void {
    if (this.timer) {
      clearInterval(this.timer);
    }
    for (const d of this.disposables) {
      d.dispose();
    }
  }

  /** The session the view shows: the active one if it is a Gene session, else the latest live one. */
  private current(): Tracked | undefined {
    const active = vscode.debug.activeDebugSession;
    if (active && this.sessions.has(active.id)) {
      return this.sessions.get(active.id);
    }
    let last: Tracked | undefined;
    for (const t of this.sessions.values()) {
      last = t;
    }
    return last;
  }

  private tracker(session: vscode.DebugSession): vscode.DebugAdapterTracker {
    const t = new Tracked(session);
    this.sessions.set(session.id, t);
    this.restartTimer();
    return {
      onDidSendMessage: (m: { type?: string; event?: string; body?: unknown }) => {
        if (m?.type !== "event" || !m.event) {
          return;
        }
        switch (m.event) {
          case "stopped":
            t.running = false;
            void this.refresh(t);
            break;
          case "continued":
            t.running = true;
            break;
          case "process":
          case "initialized":
            t.running = true;
            break;
          case "terminated":
          case "exited":
            t.running = false;
            break;
          default:
            if (t.model.applyEvent(m.event, m.body as { futures?: [] })) {
              this.scheduleFire();
            }
        }
      },
      onExit: () => {
        t.running = false;
      },
    };
  }

  private ended(session: vscode.DebugSession): void {
    const t = this.sessions.get(session.id);
    if (!t) {
      return;
    }
    t.ended = true;
    this.sessions.delete(session.id);
    t.model.clear();
    this.restartTimer();
    this.update();
  }

  private restartTimer(): void {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    if (this.sessions.size === 0) {
      return;
    }
    const ms = Math.max(100, vscode.workspace.getConfiguration("gene").get<number>("futures.refreshInterval", 500));
    this.timer = setInterval(() => {
      for (const t of this.sessions.values()) {
        if (t.running) {
          void this.refresh(t);
        }
      }
    }, ms);
  }

  /** Asks the adapter for the live futures (it answers while the program runs, too). */
  async refresh(t: Tracked | undefined = this.current()): Promise<void> {
    if (!t || t.ended) {
      this.update();
      return;
    }
    if (t.inFlight) {
      // The reply in flight may predate what asked for this refresh (a "stopped" event
      // right after a future resolved): ask again once it is in.
      t.again = true;
      return;
    }
    t.inFlight = true;
    try {
      const page = (await t.session.customRequest("gene/futures", PAGE)) as FuturesPage;
      if (!t.ended && page && Array.isArray(page.futures)) {
        t.model.applyPage(page);
      }
    } catch (e) {
      // Before launch or after the program ended the adapter has no program to ask.
      if (!t.ended) {
        this.log.appendLine(`[futures] gene/futures failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    } finally {
      t.inFlight = false;
    }
    if (t.again && !t.ended) {
      t.again = false;
      void this.refresh(t);
    }
    this.scheduleFire();
  }

  private scheduleFire(): void {
    if (this.fireScheduled) {
      return;
    }
    this.fireScheduled = true;
    setTimeout(() => {
      this.fireScheduled = false;
      this.update();
    }, 50);
  }

  /** Redraws the tree, its message and the status bar item. */
  private update(): void {
    const t = this.current();
    if (!t) {
      this.tree.message = "Start a Gene debug session to see its futures.";
      this.tree.description = "";
      this.status.hide();
    } else {
      const pending = t.model.pendingCount();
      // "" rather than undefined: VS Code 1.100 keeps a message set to undefined.
      this.tree.message = t.model.size === 0 ? "No futures yet." : "";
      this.tree.description = pending > 0 ? `${pending} pending` : "";
      this.status.text = `$(watch) ${pending} pending`;
      this.status.tooltip = `Gene: ${pending} pending future${pending === 1 ? "" : "s"} in "${t.session.name}" (click for the Futures view)`;
      this.status.show();
    }
    this.changed.fire(undefined);
  }

  getChildren(row?: Row): Row[] {
    const t = this.current();
    if (!t) {
      return [];
    }
    if (!row) {
      return t.model.groups();
    }
    return row.kind === "group" && row.state ? t.model.children(row.state) : [];
  }

  getTreeItem(row: Row): vscode.TreeItem {
    const state =
      row.kind === "group"
        ? row.expanded
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(row.label, state);
    item.id = `${this.current()?.session.id ?? ""}:${row.key}`;
    item.description = row.description;
    item.tooltip = row.tooltip;
    item.contextValue = row.contextValue;
    if (row.icon) {
      item.iconPath = new vscode.ThemeIcon(row.icon.id, row.icon.color ? new vscode.ThemeColor(row.icon.color) : undefined);
    }
    if (row.kind === "future" && row.origin) {
      item.command = { command: "gene.futures.revealOrigin", title: "Go to Origin", arguments: [row] };
    }
    return item;
  }

  async revealOrigin(row: Row | undefined): Promise<void> {
    const o = row?.origin;
    if (!o) {
      return;
    }
    const pos = new vscode.Position(Math.max(0, o.line - 1), Math.max(0, o.column - 1));
    await vscode.window.showTextDocument(vscode.Uri.file(o.path), {
      selection: new vscode.Range(pos, pos),
      preserveFocus: false,
      preview: true,
    });
  }

  /** The Futures view's own "Break on Value Change": stop when this future resolves. */
  async setBreakOnResolve(row: Row | undefined, on: boolean): Promise<void> {
    const t = this.current();
    if (!t || row?.futureId === undefined) {
      return;
    }
    const before = t.model.watchedIds();
    t.model.setWatched(row.futureId, on);
    try {
      await t.session.customRequest("gene/setFutureBreakpoints", { ids: t.model.watchedIds() });
    } catch (e) {
      for (const id of t.model.watchedIds()) {
        t.model.setWatched(id, before.includes(id));
      }
      void vscode.window.showErrorMessage(`Gene: could not set the breakpoint: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.update();
  }
}
