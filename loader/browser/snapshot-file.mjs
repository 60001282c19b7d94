// A start-up snapshot as the browser keeps it (in IndexedDB) and as
// `npm run build` ships it (build/snapshot/): plain JS, for pages, workers
// and Node alike.
//
// Layout: a 4-byte little-endian header length, the header (JSON:
// { magic, key, size, runs, checksum }), then the memory's non-zero
// 64 KiB pages, run after run. Half of Pyodide's memory is zeros.

export const SNAPSHOT_MAGIC = "pyrun browser startup snapshot";
// Bumped whenever what a snapshot holds, or how it is made, changes.
export const SNAPSHOT_FORMAT = 1;

const PAGE = 65536;
const encoder = new TextEncoder();

// A 64-bit hash as 16 hex digits: two multiply-xor lanes over 32-bit
// words. Not cryptographic: it tells versions apart and finds damage, and
// it needs no secure context (crypto.subtle does).
export function digest(...parts) {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (const part of parts) {
    const bytes = typeof part === "string" ? encoder.encode(part) : part;
    // Uint32Array needs an aligned start; a misaligned view is copied.
    const aligned =
      bytes.byteOffset % 4 === 0
        ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2)
        : new Uint32Array(bytes.slice(0, bytes.byteLength & ~3).buffer);
    for (let i = 0; i < aligned.length; i++) {
      const w = aligned[i];
      a = Math.imul(a ^ w, 0x01000193);
      b = Math.imul(b ^ w, 0x5bd1e995) ^ (b >>> 15);
    }
    for (let i = bytes.byteLength & ~3; i < bytes.byteLength; i++) {
      a = Math.imul(a ^ bytes[i], 0x01000193);
      b = Math.imul(b ^ bytes[i], 0x5bd1e995) ^ (b >>> 15);
    }
    // the length ends each part, so that ("ab", "c") differs from ("a", "bc")
    a = Math.imul(a ^ bytes.byteLength, 0x01000193);
    b = Math.imul(b ^ bytes.byteLength, 0x5bd1e995) ^ (b >>> 15);
  }
  const hex = (x) => (x >>> 0).toString(16).padStart(8, "0");
  return hex(a) + hex(b);
}

// [offset, length] of each stretch of non-zero pages.
function nonZeroRuns(bytes) {
  const runs = [];
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  for (let page = 0; page < bytes.length; page += PAGE) {
    const end = Math.min(page + PAGE, bytes.length);
    let zero = true;
    for (let i = page >>> 2; i < end >>> 2 && zero; i++) if (words[i] !== 0) zero = false;
    for (let i = end & ~3; i < end && zero; i++) if (bytes[i] !== 0) zero = false;
    if (zero) continue;
    const last = runs.at(-1);
    if (last && last[0] + last[1] === page) last[1] += end - page;
    else runs.push([page, end - page]);
  }
  return runs;
}

function runsDigest(bytes, runs) {
  return digest(...runs.map(([offset, length]) => bytes.subarray(offset, offset + length)));
}

/** The snapshot `bytes` (makeMemorySnapshot()) for `key`, as one file. */
export function encodeSnapshot(key, bytes) {
  if (bytes.byteOffset % 4) bytes = bytes.slice();
  const runs = nonZeroRuns(bytes);
  const header = encoder.encode(
    JSON.stringify({ magic: SNAPSHOT_MAGIC, key, size: bytes.length, runs, checksum: runsDigest(bytes, runs) }),
  );
  const stored = runs.reduce((n, [, length]) => n + length, 0);
  const out = new Uint8Array(4 + header.length + stored);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  let at = 4 + header.length;
  for (const [offset, length] of runs) {
    out.set(bytes.subarray(offset, offset + length), at);
    at += length;
  }
  return out;
}

/** The header of a snapshot file, or null when it is not one. */
export function readHeader(file) {
  if (!(file instanceof Uint8Array) || file.length < 4) return null;
  const length = new DataView(file.buffer, file.byteOffset, 4).getUint32(0, true);
  if (length > 1 << 24 || 4 + length > file.length) return null;
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(file.subarray(4, 4 + length)));
  } catch {
    return null;
  }
  if (header?.magic !== SNAPSHOT_MAGIC || !Number.isSafeInteger(header.size) || !Array.isArray(header.runs)) {
    return null;
  }
  let stored = 0;
  for (const run of header.runs) {
    const [offset, length] = Array.isArray(run) ? run : [];
    if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length > 0)) return null;
    if (offset + length > header.size) return null;
    stored += length;
  }
  if (4 + length + stored !== file.length) return null;
  return { ...header, start: 4 + length };
}

/**
 * { bytes } to restore when `file` is whole and made for `key` (every
 * field of `key` equal), else { reason } in a few words.
 */
export function decodeSnapshot(file, key) {
  const header = readHeader(file);
  if (!header) return { reason: "it is corrupt" };
  const fields = Object.keys(key);
  if (fields.some((k) => header.key?.[k] !== key[k])) {
    return { reason: "it is stale (made for another version of Pyodide, pyrun or the page's options)" };
  }
  const bytes = new Uint8Array(header.size);
  let at = header.start;
  for (const [offset, length] of header.runs) {
    bytes.set(file.subarray(at, at + length), offset);
    at += length;
  }
  if (runsDigest(bytes, header.runs) !== header.checksum) return { reason: "it is corrupt" };
  return { bytes };
}
