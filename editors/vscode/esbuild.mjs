// Bundles the extension (and vscode-languageclient) into dist/extension.js.
// Also compiles every module on its own into out/, for the plain Node tests
// (tests/editors/vscode/unit), which load them with a stand-in `vscode` module.
import * as esbuild from "esbuild";
import { readdirSync } from "fs";

const production = process.argv.includes("--production");
await esbuild.build({
  entryPoints: ["src/extension.ts"],
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  external: ["vscode"],
  outfile: "dist/extension.js",
  sourcemap: !production,
  minify: production,
  logLevel: "warning",
});
await esbuild.build({
  entryPoints: readdirSync("src")
    .filter((f) => f.endsWith(".ts"))
    .map((f) => `src/${f}`),
  bundle: false,
  format: "cjs",
  platform: "node",
  target: "node20",
  outdir: "out",
  logLevel: "warning",
});
