// Builds the notebook widgets' ES modules (anywidget `_esm`, one file each, no imports
// left) from widgets/*.js and the shared drawing code in src/draw/, and their CSS.
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";

const out = "../cvstudio_widgets/widgets/static";
await build({
  entryPoints: ["curves", "preview", "graph", "system"].map((n) => `widgets/${n}.js`),
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: process.argv.includes("--minify"),
  outdir: out,
  logLevel: "warning",
  banner: { js: "// Built from labextension/widgets and labextension/src/draw by `jlpm build:widgets`; do not edit." },
});
// one stylesheet for every widget: the shared drawing styles, then each widget's own file
const sheets = ["style/draw.css", ...["base", "curves", "preview", "graph"].map((n) => `widgets/${n}.css`)];
writeFileSync(`${out}/widgets.css`, sheets.map((f) => readFileSync(f, "utf8")).join(""));
