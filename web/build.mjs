// `npm run build`: the type check (tsc, writing nothing: a type error fails the build), the
// Vite build into helpdesk/web_dist/, then the hash of the sources it was built from
// (source-hash.txt), which a test compares with the sources in the checkout.
// The hash (same rule in tests/test_web_build.py): for each file under web/ but
// node_modules/ and dot-files, in sorted order of its path relative to web/ (with /),
// "<path>\0<sha256 of its bytes>\n"; the sha256 of all that.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const web = fileURLToPath(new URL(".", import.meta.url));

function sources(folder) {
  const found = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...sources(path));
    else found.push(relative(web, path).split(sep).join("/"));
  }
  return found;
}

export function sourceHash() {
  const all = createHash("sha256");
  for (const path of sources(web).sort()) {
    const file = createHash("sha256").update(readFileSync(join(web, path))).digest("hex");
    all.update(`${path}\0${file}\n`);
  }
  return all.digest("hex");
}

// Vite only strips the types; tsc checks them (tsconfig.json) and prints what it finds.
try {
  execFileSync(join(web, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", "tsconfig.json"], {
    cwd: web,
    stdio: "inherit",
  });
} catch (error) {
  if (typeof error.status !== "number") throw error; // tsc did not run at all
  console.error("type check failed (tsc's errors above): nothing built");
  process.exit(1);
}
await build({ configFile: join(web, "vite.config.mjs") });
const out = fileURLToPath(new URL("../helpdesk/web_dist/source-hash.txt", import.meta.url));
writeFileSync(out, `${sourceHash()}\n`);
console.log(`source hash written to ${relative(process.cwd(), out)}`);
