// Where the extension finds its binaries, from the editor's settings and state.
import * as fs from "fs";
import * as os from "os";
import * as vscode from "vscode";
import { FoundBinary, MissingBinary, findBinary } from "./binaries";

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) {
      return false;
    }
    if (process.platform === "win32") {
      return true;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `gene-lsp` (setting `gene.server.path`) or `gene-dap` (setting `gene.debugger.path`). */
export function locate(name: "gene-lsp" | "gene-dap"): FoundBinary | MissingBinary {
  const key = name === "gene-lsp" ? "server.path" : "debugger.path";
  return findBinary(name, {
    setting: vscode.workspace.getConfiguration("gene").get<string>(key),
    pathEnv: process.env.PATH,
    workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
    home: os.homedir(),
    platform: process.platform,
    isExecutable,
  });
}

export function settingKey(name: "gene-lsp" | "gene-dap"): string {
  return name === "gene-lsp" ? "gene.server.path" : "gene.debugger.path";
}
