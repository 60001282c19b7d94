// A static file server for the demo, and the layout any static server can
// reproduce to host pyrun:
//   /              demo/ (the page)
//   /pyrun/        loader/ (core.mjs and browser/pyrun.mjs)
//   /pyodide/      node_modules/pyodide/
//   /runtime/      build/wasm/ (pyrun.abi3.so)
//   /snapshot/     build/snapshot/ (prebuilt start-up snapshots, optional)
//   /editor/       build/demo/ (the demo's editor, bundled by npm run build)
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const MOUNTS = [
  ["/pyrun/", path.join(ROOT, "loader")],
  ["/pyodide/", path.join(ROOT, "node_modules/pyodide")],
  ["/runtime/", path.join(ROOT, "build/wasm")],
  ["/snapshot/", path.join(ROOT, "build/snapshot")],
  ["/editor/", path.join(ROOT, "build/demo")],
  ["/", path.join(ROOT, "demo")],
];

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".zip": "application/zip",
  ".so": "application/octet-stream",
  ".map": "application/json",
  ".svg": "image/svg+xml",
};

// The file a URL path names, or null when it is outside every mount.
function fileFor(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  for (const [prefix, dir] of MOUNTS) {
    if (!decoded.startsWith(prefix)) continue;
    const file = path.resolve(dir, `.${decoded.slice(prefix.length - 1)}`);
    if (file !== dir && !file.startsWith(dir + path.sep)) return null;
    return file.endsWith(path.sep) || file === dir ? path.join(file, "index.html") : file;
  }
  return null;
}

// An empty page of this origin, for tests and benchmarks that drive
// loadPyrun themselves.
const BLANK = "<!doctype html><meta charset=utf-8><title>blank</title>\n";

function serve(request, response) {
  const { pathname } = new URL(request.url, "http://localhost");
  if (pathname === "/blank.html") {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": BLANK.length });
    response.end(request.method === "HEAD" ? undefined : BLANK);
    return;
  }
  const file = fileFor(pathname);
  let stat = null;
  try {
    stat = file ? fs.statSync(file) : null;
  } catch {
    stat = null;
  }
  if (!stat?.isFile() || (request.method !== "GET" && request.method !== "HEAD")) {
    response.writeHead(stat ? 405 : 404, { "content-type": "text/plain" });
    response.end(stat ? "method not allowed\n" : "not found\n");
    return;
  }
  response.writeHead(200, {
    "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
    "content-length": stat.size,
    "cache-control": "no-cache",
  });
  if (request.method === "HEAD") response.end();
  else fs.createReadStream(file).pipe(response);
}

// Resolves to { url, close() } once listening (port 0: any free port).
export function startDemoServer({ port = 0, host = "127.0.0.1" } = {}) {
  const server = http.createServer(serve);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolve({
        url: `http://${host}:${actual}/`,
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}
