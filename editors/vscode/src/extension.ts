// Gene for VS Code: gene-lsp as the language server, gene-dap as the debugger, and the
// Futures view of a running program.
import * as vscode from "vscode";
import { GeneLanguageClient } from "./client";
import { registerDebugger } from "./debugger";
import { FuturesView } from "./futuresView";
import { Row } from "./futuresModel";

let client: GeneLanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const version = String(context.extension.packageJSON.version ?? "0.0.0");
  client = new GeneLanguageClient(version);
  const futures = new FuturesView(client.output);
  context.subscriptions.push(
    client,
    futures,
    vscode.commands.registerCommand("gene.restartServer", () => client?.restart()),
    vscode.commands.registerCommand("gene.showServerOutput", () => client?.output.show()),
    vscode.commands.registerCommand("gene.futures.refresh", () => futures.refresh()),
    vscode.commands.registerCommand("gene.futures.revealOrigin", (row?: Row) => futures.revealOrigin(row)),
    vscode.commands.registerCommand("gene.futures.breakOnResolve", (row?: Row) => futures.setBreakOnResolve(row, true)),
    vscode.commands.registerCommand("gene.futures.removeBreakOnResolve", (row?: Row) =>
      futures.setBreakOnResolve(row, false),
    ),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("gene.server.path") || e.affectsConfiguration("gene.server.extraEnv")) {
        void client?.restart();
      }
    }),
  );
  registerDebugger(context, version, client.output);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
