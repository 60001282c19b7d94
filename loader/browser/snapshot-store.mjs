// Start-up snapshots kept by the browser, in IndexedDB (which, unlike Cache
// Storage, pages served over plain http also have). One record per slot:
// a slot is what a snapshot cannot be shared across (JSPI or not, the time
// zone, the page's Pyodide options); the key inside the file says what it
// was made for. Every failure here means "no snapshot", never an error.

const DB_NAME = "pyrun";
const STORE = "startup-snapshots";
// Slots kept per origin; the oldest go first.
const KEEP = 4;

let opening = null;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openDatabase() {
  opening ??= new Promise((resolve) => {
    if (typeof indexedDB === "undefined") return resolve(null);
    let req;
    try {
      req = indexedDB.open(DB_NAME, 1);
    } catch {
      return resolve(null); // an opaque origin, or storage disabled
    }
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => resolve(null);
    req.onblocked = () => resolve(null);
  });
  return opening;
}

async function transaction(mode, fn) {
  const db = await openDatabase();
  if (!db) return null;
  const tx = db.transaction(STORE, mode);
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
  const result = await fn(tx.objectStore(STORE));
  await done;
  return result;
}

/** The snapshot file kept in `slot`, as bytes, or null. */
export async function readStored(slot) {
  try {
    const record = await transaction("readonly", (store) => request(store.get(slot)));
    return record?.file instanceof Uint8Array ? record.file : null;
  } catch {
    return null;
  }
}

/** Keeps `file` in `slot`, and drops the oldest slots past KEEP. */
export async function writeStored(slot, file) {
  await transaction("readwrite", async (store) => {
    // The bytes themselves, not a Blob: a Blob made in a worker that is
    // then terminated can lose its data.
    store.put({ file, time: Date.now() }, slot);
    const slots = await request(store.getAllKeys());
    if (slots.length <= KEEP) return;
    const times = await Promise.all(slots.map(async (s) => [s, (await request(store.get(s)))?.time ?? 0]));
    times.sort((a, b) => b[1] - a[1]);
    for (const [s] of times.slice(KEEP)) store.delete(s);
  });
}

export async function deleteStored(slot) {
  try {
    await transaction("readwrite", (store) => request(store.delete(slot)));
  } catch {
    // nothing to delete, or no storage
  }
}
