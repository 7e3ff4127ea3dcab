// Turning a user's `gene` debug configuration into what gene-dap's launch expects.
// Pure: the editor state it needs is passed in.
import * as path from "path";

export interface GeneLaunchConfig {
  type: string;
  request: string;
  name: string;
  program?: string;
  args?: unknown;
  cwd?: string;
  env?: Record<string, string | null>;
  stopOnEntry?: boolean;
  pollInterval?: number;
  noDebug?: boolean;
  port?: number;
  host?: string;
  [key: string]: unknown;
}

export interface EditorState {
  /** The active editor's file when it is a Gene file. */
  activeGeneFile?: string;
  /** The workspace folder the configuration belongs to. */
  workspaceFolder?: string;
}

export type Resolved = { config: GeneLaunchConfig } | { error: string } | { cancelled: true };

/** The configuration F5 uses when there is no launch.json: debug the active Gene file. */
export function defaultConfig(state: EditorState, noDebug = false): GeneLaunchConfig | undefined {
  if (!state.activeGeneFile) {
    return undefined;
  }
  const c: GeneLaunchConfig = {
    type: "gene",
    request: "launch",
    name: noDebug ? "Run Gene File" : "Debug Gene File",
    program: state.activeGeneFile,
  };
  if (noDebug) {
    c.noDebug = true;
  }
  return c;
}

function expand(value: string, state: EditorState): string {
  let v = value;
  if (state.workspaceFolder !== undefined) {
    v = v.replace(/\$\{workspaceFolder\}/g, state.workspaceFolder);
  }
  if (state.activeGeneFile !== undefined) {
    v = v.replace(/\$\{file\}/g, state.activeGeneFile);
  }
  return v;
}

/**
 * Validates and completes a configuration (after VS Code substituted its variables):
 * a relative `program` or `cwd` is taken from the workspace folder, `cwd` defaults to
 * the workspace folder (else the program's folder), `args` must be strings.
 */
export function resolveConfig(raw: GeneLaunchConfig, state: EditorState): Resolved {
  // F5 with no launch.json hands over an empty configuration.
  if (!raw.type && !raw.request && !raw.name) {
    const d = defaultConfig(state);
    if (!d) {
      return { error: "Open a Gene file (or add a \"gene\" configuration to launch.json) to start debugging." };
    }
    raw = d;
  }
  const config: GeneLaunchConfig = { ...raw };
  if (config.request === "attach") {
    const port = Number(config.port);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      return { error: `"port" must be the port given to gene run --debug-port (got ${JSON.stringify(config.port)}).` };
    }
    config.port = port;
    return { config };
  }
  if (config.request !== "launch") {
    return { error: `"request" must be "launch" or "attach" (got ${JSON.stringify(config.request)}).` };
  }
  const base = state.workspaceFolder;
  let program = typeof config.program === "string" ? expand(config.program, state).trim() : "";
  if (!program) {
    if (!state.activeGeneFile) {
      return { error: "The launch configuration has no \"program\" and no Gene file is open." };
    }
    program = state.activeGeneFile;
  }
  if (!path.isAbsolute(program)) {
    program = path.resolve(base ?? process.cwd(), program);
  }
  config.program = program;

  if (config.args === undefined) {
    config.args = [];
  } else if (typeof config.args === "string") {
    config.args = config.args.split(/\s+/).filter((a) => a.length > 0);
  } else if (!Array.isArray(config.args) || !config.args.every((a) => typeof a === "string")) {
    return { error: "\"args\" must be an array of strings." };
  }

  let cwd = typeof config.cwd === "string" && config.cwd.trim() ? expand(config.cwd, state).trim() : undefined;
  if (cwd === undefined) {
    cwd = base ?? path.dirname(program);
  } else if (!path.isAbsolute(cwd)) {
    cwd = path.resolve(base ?? path.dirname(program), cwd);
  }
  config.cwd = cwd;

  if (config.env !== undefined) {
    if (typeof config.env !== "object" || config.env === null || Array.isArray(config.env)) {
      return { error: "\"env\" must be an object of variable names to strings (or null to remove one)." };
    }
    for (const [k, v] of Object.entries(config.env)) {
      if (v !== null && typeof v !== "string") {
        return { error: `"env.${k}" must be a string or null.` };
      }
    }
  }
  if (config.pollInterval !== undefined) {
    const n = Number(config.pollInterval);
    if (!Number.isInteger(n) || n < 0) {
      return { error: "\"pollInterval\" must be a whole number of instructions (0 or more)." };
    }
    config.pollInterval = n;
  }
  if (config.stopOnEntry !== undefined) {
    config.stopOnEntry = Boolean(config.stopOnEntry);
  }
  return { config };
}
