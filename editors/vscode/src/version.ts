// Comparing `gene-lsp --version` / `gene-dap --version` with the extension's own version.

/** The x.y.z version in `gene-lsp 0.1.0` (or undefined when the output has none). */
export function parseVersion(output: string): string | undefined {
  const m = /\b(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.-]+)?\b/.exec(output);
  return m ? m[0] : undefined;
}

export type VersionCheck =
  | { ok: true; version: string }
  | { ok: false; message: string; version?: string };

/** The binaries ship with the extension: any difference in x.y.z is reported. */
export function checkVersion(binary: string, output: string, expected: string): VersionCheck {
  const got = parseVersion(output);
  if (got === undefined) {
    return { ok: false, message: `Gene: could not read the version of ${binary} (it printed "${output.trim().slice(0, 80)}").` };
  }
  const core = (v: string) => v.split(/[+-]/)[0];
  if (core(got) !== core(expected)) {
    return {
      ok: false,
      version: got,
      message: `Gene: ${binary} is version ${got} but this extension is ${expected}. Some features may not work; install the matching ${binary} or extension.`,
    };
  }
  return { ok: true, version: got };
}
