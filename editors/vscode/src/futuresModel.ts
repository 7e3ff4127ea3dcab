// The Futures view's data: what gene-dap's `gene/futures` replies and
// `gene/futureCreated` / `gene/futureResolved` events say, grouped by state.
// Pure (no vscode import): the tree view only maps `Row`s to TreeItems.

export type FutureState = "pending" | "success" | "failure" | "cancelled";

/** One record as gene-dap sends it (gene-dap/src/convert.rs `record`). */
export interface FutureRecord {
  id: number;
  label: string;
  state: FutureState;
  ageMs: number;
  callbacks?: { onSuccess: number; onFailure: number };
  value?: string;
  error?: string;
  origin?: { path: string; line: number; column: number };
  resolvedAfterMs?: number;
  awaitedBy?: string;
}

export interface FuturesPage {
  futures: FutureRecord[];
  total: number;
  stats?: Record<string, number>;
}

export const STATE_ORDER: FutureState[] = ["pending", "success", "failure", "cancelled"];

const STATE_TITLE: Record<FutureState, string> = {
  pending: "Pending",
  success: "Succeeded",
  failure: "Failed",
  cancelled: "Cancelled",
};

const STATE_ICON: Record<FutureState, { id: string; color?: string }> = {
  pending: { id: "watch", color: "charts.yellow" },
  success: { id: "pass", color: "testing.iconPassed" },
  failure: { id: "error", color: "testing.iconFailed" },
  cancelled: { id: "circle-slash", color: "disabledForeground" },
};

/** A row of the tree: a state group or a future. */
export interface Row {
  kind: "group" | "future" | "more";
  key: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon?: { id: string; color?: string };
  /** `future.pending`, `future.pending.watched`, `future.success`, ... (menus key on it). */
  contextValue?: string;
  state?: FutureState;
  futureId?: number;
  origin?: { path: string; line: number; column: number };
  expanded?: boolean;
}

export interface ModelOptions {
  /** Resolved futures kept per final state (oldest dropped first). */
  historyLimit?: number;
  /** Rows shown per group before a "… more" row. */
  groupLimit?: number;
}

interface Entry {
  record: FutureRecord;
  /** When `record.ageMs` was measured (ms, the model's clock). */
  seenAt: number;
  /** Order of resolution, for the history limit and display (newest first). */
  resolvedSeq?: number;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return "";
  }
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  if (ms < 60_000) {
    return `${(ms / 1000).toFixed(1)} s`;
  }
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m} min ${s} s`;
}

function baseName(p: string): string {
  const i = Math.max(p.lastIndexOf("/"), p.lastIndexOf("\\"));
  return i >= 0 ? p.slice(i + 1) : p;
}

function oneLine(s: string, max = 80): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export class FuturesModel {
  private entries = new Map<number, Entry>();
  private resolvedSeq = 0;
  private watched = new Set<number>();
  /** Pending futures the last page did not include (paging), for the "more" row. */
  private unlistedPending = 0;
  private readonly historyLimit: number;
  private readonly groupLimit: number;

  constructor(
    private readonly now: () => number = Date.now,
    opts: ModelOptions = {},
  ) {
    this.historyLimit = opts.historyLimit ?? 1000;
    this.groupLimit = opts.groupLimit ?? 200;
  }

  get size(): number {
    return this.entries.size;
  }

  record(id: number): FutureRecord | undefined {
    return this.entries.get(id)?.record;
  }

  pendingCount(): number {
    let n = this.unlistedPending;
    for (const e of this.entries.values()) {
      if (e.record.state === "pending") {
        n++;
      }
    }
    return n;
  }

  private upsert(r: FutureRecord, t: number): void {
    if (typeof r?.id !== "number" || !STATE_ORDER.includes(r.state)) {
      return;
    }
    const old = this.entries.get(r.id);
    const e: Entry = { record: r, seenAt: t, resolvedSeq: old?.resolvedSeq };
    if (r.state !== "pending") {
      this.watched.delete(r.id);
      if (e.resolvedSeq === undefined) {
        e.resolvedSeq = ++this.resolvedSeq;
      }
    }
    this.entries.set(r.id, e);
  }

  /**
   * A `gene/futures` reply: the futures alive now. A pending future the reply lists
   * nothing about, when the reply is complete, is gone without a resolution event
   * (collected): it is dropped. Resolved ones stay as history.
   */
  applyPage(page: FuturesPage): void {
    const t = this.now();
    const seen = new Set<number>();
    for (const r of page.futures ?? []) {
      seen.add(r.id);
      // A reply computed before a gene/futureResolved event that reached us first must
      // not turn the resolved future back into a pending one (states only move forward).
      const old = this.entries.get(r.id);
      if (r.state === "pending" && old && old.record.state !== "pending") {
        continue;
      }
      this.upsert(r, t);
    }
    const complete = (page.futures?.length ?? 0) >= (page.total ?? 0);
    if (complete) {
      for (const [id, e] of this.entries) {
        if (e.record.state === "pending" && !seen.has(id)) {
          this.entries.delete(id);
          this.watched.delete(id);
        }
      }
      this.unlistedPending = 0;
    } else {
      const pendingListed = (page.futures ?? []).filter((r) => r.state === "pending").length;
      const statsPending = page.stats?.pending;
      this.unlistedPending =
        typeof statsPending === "number" ? Math.max(0, statsPending - pendingListed) : 0;
    }
    this.trimHistory();
  }

  /** `gene/futureCreated` / `gene/futureResolved` event bodies. */
  applyEvent(event: string, body: { futures?: FutureRecord[] } | undefined): boolean {
    if (event !== "gene/futureCreated" && event !== "gene/futureResolved") {
      return false;
    }
    const t = this.now();
    for (const r of body?.futures ?? []) {
      const old = this.entries.get(r.id);
      // A late "created" must not turn a resolved future back into a pending one.
      if (event === "gene/futureCreated" && old && old.record.state !== "pending") {
        continue;
      }
      this.upsert(r, t);
    }
    this.trimHistory();
    return true;
  }

  setWatched(id: number, on: boolean): void {
    if (on) {
      this.watched.add(id);
    } else {
      this.watched.delete(id);
    }
  }

  watchedIds(): number[] {
    return [...this.watched].sort((a, b) => a - b);
  }

  clear(): void {
    this.entries.clear();
    this.watched.clear();
    this.unlistedPending = 0;
  }

  private trimHistory(): void {
    for (const state of STATE_ORDER) {
      if (state === "pending") {
        continue;
      }
      const done = [...this.entries.values()].filter((e) => e.record.state === state);
      if (done.length > this.historyLimit) {
        done.sort((a, b) => (a.resolvedSeq ?? 0) - (b.resolvedSeq ?? 0));
        for (const e of done.slice(0, done.length - this.historyLimit)) {
          this.entries.delete(e.record.id);
        }
      }
    }
  }

  private inState(state: FutureState): Entry[] {
    const list = [...this.entries.values()].filter((e) => e.record.state === state);
    if (state === "pending") {
      list.sort((a, b) => a.record.id - b.record.id);
    } else {
      list.sort((a, b) => (b.resolvedSeq ?? 0) - (a.resolvedSeq ?? 0));
    }
    return list;
  }

  /** Top level: one group per state that has futures, pending first. */
  groups(): Row[] {
    const rows: Row[] = [];
    for (const state of STATE_ORDER) {
      let n = this.inState(state).length;
      if (state === "pending") {
        n += this.unlistedPending;
      }
      if (n === 0) {
        continue;
      }
      rows.push({
        kind: "group",
        key: `group:${state}`,
        label: STATE_TITLE[state],
        description: String(n),
        state,
        icon: STATE_ICON[state],
        contextValue: `group.${state}`,
        expanded: state === "pending" || state === "failure" || n <= 20,
      });
    }
    return rows;
  }

  children(group: FutureState): Row[] {
    const list = this.inState(group);
    const rows = list.slice(0, this.groupLimit).map((e) => this.futureRow(e));
    const hidden = list.length - rows.length + (group === "pending" ? this.unlistedPending : 0);
    if (hidden > 0) {
      rows.push({ kind: "more", key: `more:${group}`, label: `… ${hidden} more` });
    }
    return rows;
  }

  private futureRow(e: Entry): Row {
    const r = e.record;
    const watched = this.watched.has(r.id);
    let description: string;
    if (r.state === "pending") {
      const age = r.ageMs + (this.now() - e.seenAt);
      // Who awaits it is in the tooltip: the row stays short enough to read.
      description = formatMs(age);
    } else {
      const result = r.state === "success" ? r.value : r.error;
      description = result !== undefined ? oneLine(result, 60) : STATE_TITLE[r.state].toLowerCase();
      if (r.resolvedAfterMs !== undefined) {
        description += ` · after ${formatMs(r.resolvedAfterMs)}`;
      }
    }
    if (r.origin) {
      description += ` · ${baseName(r.origin.path)}:${r.origin.line}`;
    }
    const lines = [`#${r.id} ${r.label} (${r.state})`];
    if (r.origin) {
      lines.push(`created at ${r.origin.path}:${r.origin.line}:${r.origin.column}`);
    }
    if (r.state === "pending") {
      lines.push(`pending for ${formatMs(r.ageMs)}`);
    }
    if (r.value !== undefined) {
      lines.push(`value: ${r.value}`);
    }
    if (r.error !== undefined) {
      lines.push(`error: ${r.error}`);
    }
    if (r.resolvedAfterMs !== undefined) {
      lines.push(`resolved after ${formatMs(r.resolvedAfterMs)}`);
    }
    if (r.callbacks) {
      lines.push(`callbacks: ${r.callbacks.onSuccess} on success, ${r.callbacks.onFailure} on failure`);
    }
    if (r.awaitedBy) {
      lines.push(`awaited by ${r.awaitedBy}`);
    }
    if (watched) {
      lines.push("breaks when it resolves");
    }
    return {
      kind: "future",
      key: `future:${r.id}`,
      label: `#${r.id} ${r.label}`,
      description,
      tooltip: lines.join("\n"),
      icon: watched ? { id: "debug-breakpoint-data", color: "debugIcon.breakpointForeground" } : STATE_ICON[r.state],
      contextValue: r.state === "pending" ? (watched ? "future.pending.watched" : "future.pending") : `future.${r.state}`,
      state: r.state,
      futureId: r.id,
      origin: r.origin,
    };
  }
}
