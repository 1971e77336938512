// Builds the front end into triage/static (ignored by git): compiled CSS, and the GOV.UK
// Frontend script and images copied from the installed npm package.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const staticDir = join(root, "triage", "static");

const css = sass.compile(join(root, "assets", "scss", "app.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
mkdirSync(join(staticDir, "css"), { recursive: true });
writeFileSync(join(staticDir, "css", "app.css"), css.css);

const vendor = join(staticDir, "vendor", "govuk");
mkdirSync(vendor, { recursive: true });
cpSync(join(govuk, "govuk-frontend.min.js"), join(vendor, "govuk-frontend.min.js"));
cpSync(join(govuk, "assets", "images"), join(vendor, "assets", "images"), { recursive: true });
console.log("front end built into triage/static");
