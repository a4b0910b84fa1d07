// Everything that decides the bytes of the committed .wasm and its loader, in one place.
// build-wasm.mjs builds from it; check-manifest.mjs and the artifact test compare its hash
// with the one recorded beside the artifact.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WASM_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = dirname(WASM_DIR);
export const PACKAGE_DIR = join(WASM_DIR, 'xgboost-node-wasm');
export const ARTIFACT_DIR = join(PACKAGE_DIR, 'lib');
export const MANIFEST_PATH = join(ARTIFACT_DIR, 'build-manifest.json');
/** Gitignored: apt sources, cmake tree, objects. */
export const BUILD_DIR = join(WASM_DIR, '.build');

export const BUILD_INPUTS = Object.freeze({
  // Debian bookworm source packages, fetched with `apt-get source NAME=VERSION`.
  sources: Object.freeze({
    xgboost: '1.7.4-1',
    'dmlc-core': '0.5-1',
  }),
  // Debian packages of the toolchain; the build checks the installed versions.
  toolchain: Object.freeze({
    emscripten: '3.1.6~dfsg-5',
  }),
  // Debian patch reversed so that dmlc-core is built from source inside the tree.
  reversedDebianPatches: Object.freeze(['debian/patches/cmake-dmlc-core.patch']),
  cmakeFlags: Object.freeze([
    '-DCMAKE_BUILD_TYPE=Release',
    '-DUSE_OPENMP=OFF',
    '-DBUILD_STATIC_LIB=ON',
    '-DADD_PKGCONFIG=OFF',
  ]),
  // C and C++ flags for XGBoost and dmlc-core. The build adds -fmacro-prefix-map for the
  // source tree so that file names in XGBoost's messages (and the binary) do not depend on
  // where the repository is checked out.
  libraryFlags: Object.freeze(['-fwasm-exceptions']),
  // The wrapper and fast path; SIMD is allowed for the fast path's loops.
  compileFlags: Object.freeze(['-O3', '-fwasm-exceptions', '-msimd128']),
  linkFlags: Object.freeze([
    '-O3',
    '-fwasm-exceptions',
    '-sMODULARIZE=1',
    '-sEXPORT_NAME=createXGBoostModule',
    '-sENVIRONMENT=node',
    '-sALLOW_MEMORY_GROWTH=1',
    '-sINITIAL_MEMORY=67108864', // 64 MiB
    '-sMAXIMUM_MEMORY=4294967296', // 4 GiB
    '-sEXPORTED_FUNCTIONS=_malloc,_free',
    '-sEXPORTED_RUNTIME_METHODS=UTF8ToString,stringToUTF8,lengthBytesUTF8',
    '-sFILESYSTEM=0',
    // A library must not take over the host process's uncaught-error handling.
    '-sNODEJS_CATCH_EXIT=0',
    '-sNODEJS_CATCH_REJECTION=0',
  ]),
});

/** Files in the repository whose content goes into the build, relative to wasm/. */
export const INPUT_FILES = Object.freeze([
  'patches/0001-wasm32-size_t.patch',
  'src/xgboost_wasm.c',
  'src/fast_forest.c',
  'scripts/build-inputs.mjs',
  'scripts/build-wasm.mjs',
]);

export function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The recorded inputs: settings plus a hash of each input file. */
export function currentInputs() {
  const files = {};
  for (const file of INPUT_FILES) files[file] = sha256(readFileSync(join(WASM_DIR, file)));
  return { ...BUILD_INPUTS, files };
}

/** The package's TypeScript sources, compiled into the committed dist/. */
export function typescriptInputs() {
  const files = {};
  const srcDir = join(PACKAGE_DIR, 'src');
  for (const name of readdirSync(srcDir).filter((n) => n.endsWith('.ts')).sort()) {
    files[`xgboost-node-wasm/src/${name}`] = sha256(readFileSync(join(srcDir, name)));
  }
  files['xgboost-node-wasm/tsconfig.json'] = sha256(readFileSync(join(PACKAGE_DIR, 'tsconfig.json')));
  return files;
}

/** Hashes of the compiled dist/ files. */
export function distHashes() {
  const files = {};
  const distDir = join(PACKAGE_DIR, 'dist');
  for (const name of readdirSync(distDir).sort()) {
    files[`xgboost-node-wasm/dist/${name}`] = sha256(readFileSync(join(distDir, name)));
  }
  return files;
}

export function inputsHash(inputs) {
  return sha256(JSON.stringify(inputs));
}

export function readManifest() {
  return JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'));
}

export function repoPath(path) {
  return relative(REPO_DIR, path);
}
