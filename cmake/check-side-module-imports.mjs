// Fails the build when the side module imports a function or global that the
// pinned Pyodide main module does not export. Pyodide resolves side-module
// imports lazily, so a missing one would otherwise crash the interpreter the
// first time it is called.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const [sideModule, mainModule] = process.argv.slice(2);
if (!existsSync(mainModule)) {
  console.error(`check-side-module-imports: ${mainModule} is missing; run npm ci first`);
  process.exit(1);
}

function section(file, name) {
  return execFileSync("wasm-objdump", ["-x", "-j", name, file], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
}

// Symbols provided by the dynamic linker itself rather than by exports.
const linkerProvided = new Set([
  "memory",
  "__memory_base",
  "__table_base",
  "__stack_pointer",
  "__indirect_function_table",
]);

// GOT entries may also point at the side module's own exports.
const exported = new Set();
for (const file of [mainModule, sideModule]) {
  for (const m of section(file, "Export").matchAll(/-> "([^"]+)"/g)) exported.add(m[1]);
}

const missing = [];
for (const m of section(sideModule, "Import").matchAll(/<- (env|GOT\.mem|GOT\.func)\.(\S+)/g)) {
  const symbol = m[2];
  if (!linkerProvided.has(symbol) && !exported.has(symbol)) missing.push(`${m[1]}.${symbol}`);
}
if (missing.length) {
  console.error(`${sideModule} imports symbols that ${mainModule} does not export:`);
  for (const s of missing) console.error(`  ${s}`);
  process.exit(1);
}
