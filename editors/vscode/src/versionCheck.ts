// Runs `<binary> --version` once per path and warns when it differs from the extension.
import { execFile } from "child_process";
import * as vscode from "vscode";
import { checkVersion } from "./version";

const checked = new Map<string, Promise<void>>();

export function checkBinaryVersion(
  name: string,
  path: string,
  expected: string,
  log: vscode.OutputChannel,
): Promise<void> {
  const key = `${name}\0${path}`;
  let p = checked.get(key);
  if (!p) {
    p = new Promise<void>((resolve) => {
      execFile(path, ["--version"], { timeout: 5000 }, (err, stdout, stderr) => {
        const out = `${stdout ?? ""}${stderr ?? ""}`;
        const r = err && !out ? { ok: false as const, message: `Gene: ${name} --version failed: ${err.message}` } : checkVersion(name, out, expected);
        if (r.ok) {
          log.appendLine(`[gene] ${name} ${r.version} at ${path}`);
        } else {
          log.appendLine(`[gene] ${r.message}`);
          void vscode.window.showWarningMessage(r.message);
        }
        resolve();
      });
    });
    checked.set(key, p);
  }
  return p;
}
