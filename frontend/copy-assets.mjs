// Copy the prebuilt YASGUI bundle (UMD script + CSS) into the Flask static folder.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve("@zazuko/yasgui/package.json"));
const version = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).version;
const target = join(here, "..", "server", "pages", "static", "vendor", "yasgui");
mkdirSync(target, { recursive: true });
for (const name of ["yasgui.min.js", "yasgui.min.css"]) {
  copyFileSync(join(pkgDir, "build", name), join(target, name));
}
copyFileSync(join(pkgDir, "package.json"), join(target, "package.json"));  // version and licence, for the record
console.log(`copied @zazuko/yasgui ${version} to ${target}`);
