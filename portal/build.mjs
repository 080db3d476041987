// Builds portal/dist: the static files that deploy unchanged to S3 (config.json
// is added at deploy, or served by the local stack). Asset names carry a hash
// of their content, so they can be cached for a year; index.html never is.
import { build } from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");

// The API client's types, from the OpenAPI document the backend generates.
const spec = JSON.parse(await readFile(join(here, "..", "docs", "openapi.json"), "utf8"));
const types = astToString(await openapiTS(spec));
await writeFile(join(here, "src", "api", "schema.d.ts"),
  "// Generated from docs/openapi.json by build.mjs (openapi-typescript): do not edit.\n" + types);
if (process.argv.includes("--types-only")) process.exit(0);

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
const result = await build({
  entryPoints: { app: join(here, "src", "main.tsx") },
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "esm",
  target: ["es2022"],
  outdir: join(dist, "assets"),
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  jsx: "automatic",
  jsxImportSource: "preact",
  metafile: true,
  logLevel: "warning",
  legalComments: "linked",
});

const outputs = Object.keys(result.metafile.outputs).map((file) => "/" + relative(dist, join(process.cwd(), file)));
const script = outputs.find((file) => file.endsWith(".js"));
const style = outputs.find((file) => file.endsWith(".css"));
const index = (await readFile(join(here, "src", "index.html"), "utf8"))
  .replace("%SCRIPT%", script)
  .replace("%STYLE%", style);
await writeFile(join(dist, "index.html"), index);
