// urllib.request.urlopen through the host's fetch (README "Threads and
// HTTP"), against a server this test starts on 127.0.0.1: what the
// program prints is what CPython 3.11, with real sockets, prints for it.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";

import { pyrun, python3, scratch, text } from "../helpers/run.mjs";

let server;
let port;
let closedPort;

const BIG = Buffer.alloc(300_000, "0123456789abcdef");

before(async () => {
  server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      if (req.url === "/hello") {
        res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "X-Test": "yes" });
        res.end("hello\nsecond line\nthird\n");
      } else if (req.url === "/echo") {
        res.writeHead(201, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ method: req.method, type: req.headers["content-type"] ?? null, body }));
      } else if (req.url === "/redirect") {
        res.writeHead(302, { Location: "/hello" });
        res.end();
      } else if (req.url === "/big") {
        res.writeHead(200, { "Content-Type": "application/octet-stream" });
        res.end(BIG);
      } else {
        res.writeHead(404, { "Content-Type": "text/plain" });
        res.end("no such page");
      }
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = server.address().port;
  const closed = http.createServer();
  await new Promise((resolve) => closed.listen(0, "127.0.0.1", resolve));
  closedPort = closed.address().port;
  await new Promise((resolve) => closed.close(resolve));
});

after(() => server.close());

const PROGRAM = `import json, sys, urllib.request, urllib.error
base = f"http://127.0.0.1:{sys.argv[1]}"

def fetch_text(path):
    with urllib.request.urlopen(base + path, timeout=10) as r:
        return r.status, r.reason, r.read().decode()

r = urllib.request.urlopen(base + "/hello")
print(r.status, r.reason, r.getcode(), r.getheader("X-Test"), r.headers["Content-Type"], r.geturl() == base + "/hello")
print(repr(r.readline()), [line for line in r])
r.close()

req = urllib.request.Request(base + "/echo", data=b"a=1&b=2", headers={"X-Extra": "1"})
with urllib.request.urlopen(req) as r:
    print(r.status, json.loads(r.read()))
req = urllib.request.Request(base + "/echo", data=json.dumps([1, 2]).encode(), method="PUT", headers={"Content-Type": "application/json"})
print(json.loads(urllib.request.urlopen(req).read()))

r = urllib.request.urlopen(base + "/redirect")
print("redirected to", r.geturl()[len(base):], r.read().decode().split())

try:
    urllib.request.urlopen(base + "/missing")
except urllib.error.HTTPError as e:
    print("HTTPError", e.code, e.reason, e.headers["Content-Type"], e.read().decode(), str(e))

try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[2]}/")
except urllib.error.URLError as e:
    print("URLError", type(e.reason).__name__, e.reason.strerror)

with urllib.request.urlopen(base + "/big") as r:
    sizes = []
    while chunk := r.read(100_000):
        sizes.append(len(chunk))
print("big body in chunks:", sizes)
print(fetch_text("/hello")[:2])
`;

test("urlopen: GET, POST with a body and headers, redirects, 404, a refused port and a large body read in chunks, as CPython", async () => {
  const dir = scratch({ "main.py": PROGRAM });
  const args = ["main.py", String(port), String(closedPort)];
  const [ours, theirs] = await Promise.all([pyrun(args, { cwd: dir }), python3(args, { cwd: dir })]);
  assert.equal(text(theirs.stderr), "");
  assert.equal(text(ours.stderr), "");
  assert.equal(text(ours.stdout), text(theirs.stdout));
  assert.equal(ours.status, 0);
});

const CONNECTION = `import http.client, json, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
conn.request("GET", "/hello")
r = conn.getresponse()
print(r.status, r.reason, r.getheader("X-Test"), r.getheader("content-type"), r.version)
print(r.read().decode().split())

conn.request("POST", "/echo", body="a=1", headers={"Content-Type": "text/plain"})
r = conn.getresponse()
print(r.status, json.loads(r.read()))
conn.request("PUT", "/echo", body=json.dumps({"k": 1}).encode())
print(json.loads(conn.getresponse().read()))

conn.request("GET", "/missing")
r = conn.getresponse()
print("no exception:", r.status, r.reason, r.read())

conn.request("GET", "/redirect")
r = conn.getresponse()
print("not followed:", r.status, r.getheader("Location"))
r.read()

conn.request("HEAD", "/hello")
r = conn.getresponse()
print("HEAD", r.status, r.read())
conn.close()

def get(path):
    c = http.client.HTTPConnection(f"127.0.0.1:{sys.argv[1]}")
    c.request("GET", path)
    return c.getresponse().read(5)
print(get("/big"), get("/hello"))
`;

test("http.client.HTTPConnection: request and getresponse through fetch, with bodies, headers, 404 and a redirect given as they came, HEAD, as CPython", async () => {
  const dir = scratch({ "main.py": CONNECTION });
  const args = ["main.py", String(port)];
  const [ours, theirs] = await Promise.all([pyrun(args, { cwd: dir }), python3(args, { cwd: dir })]);
  assert.equal(text(theirs.stderr), "");
  assert.equal(text(ours.stderr), "");
  assert.equal(text(ours.stdout), text(theirs.stdout));
  assert.equal(ours.status, 0);
});
