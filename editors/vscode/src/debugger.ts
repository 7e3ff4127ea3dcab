// The `gene` debugger: configurations, the gene-dap adapter, and Run/Debug Gene File.
import * as path from "path";
import * as vscode from "vscode";
import { isFound, missingMessage } from "./binaries";
import { EditorState, GeneLaunchConfig, defaultConfig, resolveConfig } from "./launch";
import { locate, settingKey } from "./locate";
import { checkBinaryVersion } from "./versionCheck";

function editorState(folder: vscode.WorkspaceFolder | undefined, uri?: vscode.Uri): EditorState {
  const doc = uri ? undefined : vscode.window.activeTextEditor?.document;
  const file = uri?.fsPath ?? (doc?.languageId === "gene" && doc.uri.scheme === "file" ? doc.uri.fsPath : undefined);
  const ws = folder ?? (file ? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file)) : undefined) ?? vscode.workspace.workspaceFolders?.[0];
  return { activeGeneFile: file, workspaceFolder: ws?.uri.fsPath };
}

class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): vscode.DebugConfiguration[] {
    const state = editorState(folder);
    const file = state.activeGeneFile;
    const configs: vscode.DebugConfiguration[] = [
      { type: "gene", request: "launch", name: "Debug current Gene file", program: "${file}", cwd: "${workspaceFolder}" },
    ];
    if (file && state.workspaceFolder) {
      const rel = path.relative(state.workspaceFolder, file);
      configs.push({ type: "gene", request: "launch", name: `Debug ${rel}`, program: `\${workspaceFolder}/${rel}` });
    }
    return configs;
  }

  resolveDebugConfigurationWithSubstitutedVariables(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.DebugConfiguration | undefined | null {
    const r = resolveConfig(config as GeneLaunchConfig, editorState(folder));
    if ("error" in r) {
      void vscode.window.showErrorMessage(`Gene: ${r.error}`);
      return undefined;
    }
    if ("cancelled" in r) {
      return undefined;
    }
    return r.config as vscode.DebugConfiguration;
  }
}

class AdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(
    private readonly version: string,
    private readonly log: vscode.OutputChannel,
  ) {}

  async createDebugAdapterDescriptor(): Promise<vscode.DebugAdapterDescriptor | undefined> {
    const found = locate("gene-dap");
    if (!isFound(found)) {
      const msg = missingMessage("gene-dap", settingKey("gene-dap"), found);
      this.log.appendLine(msg);
      void vscode.window.showErrorMessage(msg, "Open Settings").then((p) => {
        if (p) {
          void vscode.commands.executeCommand("workbench.action.openSettings", settingKey("gene-dap"));
        }
      });
      // VS Code reports the failed start too; the message above says what to do.
      throw new Error(msg);
    }
    this.log.appendLine(`[gene] debug adapter ${found.path} (from ${found.source})`);
    await checkBinaryVersion("gene-dap", found.path, this.version, this.log);
    return new vscode.DebugAdapterExecutable(found.path, []);
  }
}

export function registerDebugger(context: vscode.ExtensionContext, version: string, log: vscode.OutputChannel): void {
  const provider = new ConfigurationProvider();
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider("gene", provider),
    vscode.debug.registerDebugConfigurationProvider("gene", provider, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.debug.registerDebugAdapterDescriptorFactory("gene", new AdapterFactory(version, log)),
    vscode.commands.registerCommand("gene.runFile", (uri?: vscode.Uri) => startFile(uri, true)),
    vscode.commands.registerCommand("gene.debugFile", (uri?: vscode.Uri) => startFile(uri, false)),
  );
}

async function startFile(uri: vscode.Uri | undefined, noDebug: boolean): Promise<boolean> {
  const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target?.toString());
  if (!target || target.scheme !== "file" || (doc && doc.languageId !== "gene" && !target.fsPath.endsWith(".gene"))) {
    void vscode.window.showErrorMessage("Gene: open a saved .gene file to run or debug it.");
    return false;
  }
  if (doc?.isDirty) {
    await doc.save();
  }
  const folder = vscode.workspace.getWorkspaceFolder(target);
  const config = defaultConfig(editorState(folder, target), noDebug);
  if (!config) {
    return false;
  }
  return vscode.debug.startDebugging(folder, config as vscode.DebugConfiguration, { noDebug });
}
