// The gene-lsp language client: start, restart, and a clear message when the binary is missing.
import * as vscode from "vscode";
// Loaded when a server is found: the library is most of the bundle and needs the real editor.
import type { LanguageClient, LanguageClientOptions, ServerOptions } from "vscode-languageclient/node";
import { isFound, missingMessage } from "./binaries";
import { locate, settingKey } from "./locate";
import { checkBinaryVersion } from "./versionCheck";

export class GeneLanguageClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<void> | undefined;
  readonly output: vscode.OutputChannel;
  private readonly trace: vscode.OutputChannel;

  constructor(private readonly version: string) {
    this.output = vscode.window.createOutputChannel("Gene Language Server");
    this.trace = vscode.window.createOutputChannel("Gene Language Server Trace");
  }

  get running(): boolean {
    return this.client?.isRunning() ?? false;
  }

  start(): Promise<void> {
    if (!this.starting) {
      this.starting = this.doStart().finally(() => {
        this.starting = undefined;
      });
    }
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const found = locate("gene-lsp");
    if (!isFound(found)) {
      const msg = missingMessage("gene-lsp", settingKey("gene-lsp"), found);
      this.output.appendLine(msg);
      const pick = await vscode.window.showErrorMessage(msg, "Open Settings", "Show Output");
      if (pick === "Open Settings") {
        void vscode.commands.executeCommand("workbench.action.openSettings", settingKey("gene-lsp"));
      } else if (pick === "Show Output") {
        this.output.show();
      }
      return;
    }
    this.output.appendLine(`[gene] starting ${found.path} (from ${found.source})`);
    void checkBinaryVersion("gene-lsp", found.path, this.version, this.output);
    const extraEnv = vscode.workspace.getConfiguration("gene").get<Record<string, string>>("server.extraEnv", {});
    const serverOptions: ServerOptions = {
      run: { command: found.path, options: { env: { ...process.env, ...extraEnv } } },
      debug: { command: found.path, options: { env: { ...process.env, RUST_BACKTRACE: "1", ...extraEnv } } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: "file", language: "gene" },
        { scheme: "untitled", language: "gene" },
      ],
      outputChannel: this.output,
      traceOutputChannel: this.trace,
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.gene") },
    };
    const lc = await import("vscode-languageclient/node");
    // Client id "gene" makes the library read the `gene.trace.server` setting.
    const client = new lc.LanguageClient("gene", "Gene Language Server", serverOptions, clientOptions);
    this.client = client;
    try {
      await client.start();
    } catch (e) {
      const msg = `Gene: gene-lsp (${found.path}) failed to start: ${e instanceof Error ? e.message : String(e)}`;
      this.output.appendLine(msg);
      void vscode.window.showErrorMessage(msg, "Show Output").then((p) => p && this.output.show());
    }
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) {
      try {
        await c.stop(3000);
      } catch (e) {
        this.output.appendLine(`[gene] stopping gene-lsp: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  async restart(): Promise<void> {
    await this.starting;
    await this.stop();
    await this.start();
    if (this.running) {
      void vscode.window.setStatusBarMessage("Gene: language server restarted", 3000);
    }
  }

  dispose(): void {
    void this.stop();
    this.output.dispose();
    this.trace.dispose();
  }
}
