// Finding gene-lsp / gene-dap: the setting, else PATH, else the workspace's own build.
// Pure (file checks are injected) so plain Node tests can drive it.
import * as path from "path";

export interface BinaryLookup {
  /** The user's setting (`gene.server.path` / `gene.debugger.path`); may hold `~` or `${workspaceFolder}`. */
  setting: string | undefined;
  /** The process PATH. */
  pathEnv: string | undefined;
  /** Workspace folder paths, in order. */
  workspaceFolders: readonly string[];
  /** The home directory, for `~` in the setting. */
  home: string;
  platform: NodeJS.Platform;
  /** True when `file` exists and is an executable file. */
  isExecutable(file: string): boolean;
}

export type BinarySource = "setting" | "PATH" | "workspace";

export interface FoundBinary {
  path: string;
  source: BinarySource;
}

export interface MissingBinary {
  /** Every place that was tried, for the message shown to the user. */
  tried: string[];
  /** The setting pointed at a file that is not there (a typo, not an absent install). */
  badSetting?: string;
}

/** Profiles looked at in a workspace's `target/`, best first. */
export const TARGET_PROFILES = ["server", "release", "debug"];

export function expandSetting(value: string, lookup: Pick<BinaryLookup, "home" | "workspaceFolders">): string {
  let v = value.trim();
  if (v === "~" || v.startsWith("~/")) {
    v = path.join(lookup.home, v.slice(1));
  }
  const ws = lookup.workspaceFolders[0];
  if (ws !== undefined) {
    v = v.replace(/\$\{workspaceFolder\}/g, ws);
  }
  if (!path.isAbsolute(v) && ws !== undefined && v.includes("/")) {
    v = path.join(ws, v);
  }
  return v;
}

export function findBinary(name: string, lookup: BinaryLookup): FoundBinary | MissingBinary {
  const exe = lookup.platform === "win32" ? `${name}.exe` : name;
  const tried: string[] = [];
  const setting = lookup.setting?.trim();
  if (setting) {
    const p = expandSetting(setting, lookup);
    if (lookup.isExecutable(p)) {
      return { path: p, source: "setting" };
    }
    // A bare command name in the setting is looked up on PATH below.
    if (p.includes("/") || p.includes("\\")) {
      return { tried: [p], badSetting: p };
    }
    tried.push(`setting: ${p}`);
  }
  const wanted = setting && !setting.includes("/") ? setting : exe;
  const sep = lookup.platform === "win32" ? ";" : ":";
  for (const dir of (lookup.pathEnv ?? "").split(sep)) {
    if (!dir) {
      continue;
    }
    const p = path.join(dir, wanted);
    if (lookup.isExecutable(p)) {
      return { path: p, source: "PATH" };
    }
  }
  tried.push(`${wanted} on PATH`);
  for (const ws of lookup.workspaceFolders) {
    for (const profile of TARGET_PROFILES) {
      const p = path.join(ws, "target", profile, exe);
      if (lookup.isExecutable(p)) {
        return { path: p, source: "workspace" };
      }
      tried.push(p);
    }
  }
  return { tried };
}

export function isFound(r: FoundBinary | MissingBinary): r is FoundBinary {
  return (r as FoundBinary).path !== undefined;
}

export function missingMessage(name: string, settingKey: string, r: MissingBinary): string {
  if (r.badSetting) {
    return `Gene: ${settingKey} is "${r.badSetting}", which is not an executable file. Fix the setting or clear it to use the ${name} on PATH.`;
  }
  return (
    `Gene: ${name} was not found (looked at ${r.tried.join(", ")}). ` +
    `Install it (cargo install --path ${name} in gene-rs), put it on PATH, or set ${settingKey}.`
  );
}
