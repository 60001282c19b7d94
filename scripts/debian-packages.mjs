// Debian 12 packages the build and the tests need, installed by setup.
export const DEBIAN_PACKAGES = [
  // the runtime: CMake + Emscripten for wasm, gcc for the native test build
  "cmake",
  "make",
  "gcc",
  "emscripten",
  "python3.11-dev",
  // build-time check of the side module's imports (wasm-objdump)
  "wabt",
  // native tests run the runtime in Debian's interpreter
  "python3.11",
  // tests: \`script\` gives a program a terminal (Ctrl-C tests)
  "bsdutils",
  // the transform's fuzz target: libFuzzer and sanitizers come with clang
  "clang",
  "libclang-rt-14-dev",
  // browser tests: Debian's Chromium, driven by playwright-core
  "chromium",
  // the mutation tester's corpus: CPython's own test suite (tests/mutation)
  "libpython3.11-testsuite",
];
