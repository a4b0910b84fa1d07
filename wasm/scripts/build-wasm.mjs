#!/usr/bin/env node
// Rebuilds xgboost-node-wasm's WebAssembly module from Debian's XGBoost source, from scratch:
// installs the toolchain and source packages it needs, patches, configures, compiles, links,
// compiles the package's TypeScript and records the manifest of inputs and outputs.
//
//   npm run build:wasm            (from the repository root)
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ARTIFACT_DIR,
  BUILD_DIR,
  BUILD_INPUTS,
  MANIFEST_PATH,
  PACKAGE_DIR,
  REPO_DIR,
  WASM_DIR,
  currentInputs,
  distHashes,
  inputsHash,
  readManifest,
  typescriptInputs,
  repoPath,
  sha256,
} from './build-inputs.mjs';

const DEB_SRC_LIST = '/etc/apt/sources.list.d/debian-bookworm-src.sources';
const DEB_SRC_ENTRY = `Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;
const APT_PACKAGES = ['emscripten', 'cmake', 'make', 'dpkg-dev', 'patch', 'xz-utils'];
const JOBS = String(Math.max(1, Number(process.env.WASM_BUILD_JOBS ?? 0) || (await cpuCount())));
const started = Date.now();

async function cpuCount() {
  const { availableParallelism } = await import('node:os');
  return availableParallelism();
}

function step(message) {
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(`[build:wasm +${seconds}s] ${message}\n`);
}

function run(command, args, options = {}) {
  execFileSync(command, args, { stdio: 'inherit', ...options });
}

function output(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', ...options }).trim();
}

// Emscripten's JavaScript tools need Debian's node modules (acorn) on NODE_PATH.
const emEnv = {
  ...process.env,
  NODE_PATH: ['/usr/share/nodejs', process.env.NODE_PATH].filter(Boolean).join(':'),
  EM_FROZEN_CACHE: '1',
};

/** Runs a long command, printing one progress line per completed percent or make target. */
function runWithProgress(label, command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let lastPercent = '';
    let tail = [];
    const onLine = (line) => {
      tail.push(line);
      if (tail.length > 60) tail = tail.slice(-60);
      const match = /^\[\s*(\d+)%\]/.exec(line);
      if (match && match[1] !== lastPercent) {
        lastPercent = match[1];
        step(`${label} ${match[1]}%`);
      }
      if (/error:/i.test(line)) process.stderr.write(`${line}\n`);
    };
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream.on('data', (chunk) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        lines.forEach(onLine);
      });
    }
    child.on('close', (code) => {
      if (code === 0) resolve();
      else {
        process.stderr.write(tail.join('\n') + '\n');
        reject(new Error(`${label} failed with exit code ${code}`));
      }
    });
  });
}

function installedVersion(pkg) {
  try {
    return output('dpkg-query', ['-W', '-f=${Status} ${Version}', pkg]).replace(/^install ok installed /, '');
  } catch {
    return '';
  }
}

function aptInstall(packages) {
  const apt = (args) => run('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    apt(['install', '-y', '-q', ...packages]);
  } catch {
    apt(['update', '-q']);
    apt(['install', '-y', '-q', ...packages]);
  }
}

function ensureToolchain() {
  const missing = APT_PACKAGES.filter((pkg) => !installedVersion(pkg).match(/^\d/));
  if (missing.length > 0) {
    step(`installing ${missing.join(', ')} with apt-get`);
    const pinned = missing.map((pkg) =>
      pkg === 'emscripten' ? `emscripten=${BUILD_INPUTS.toolchain.emscripten}` : pkg,
    );
    aptInstall(pinned);
  }
  const emscripten = installedVersion('emscripten');
  if (emscripten !== BUILD_INPUTS.toolchain.emscripten) {
    throw new Error(`emscripten ${BUILD_INPUTS.toolchain.emscripten} is required, found ${emscripten || 'none'}`);
  }
  step(`toolchain: emscripten ${emscripten}, ${output('cmake', ['--version']).split('\n')[0]}`);
}

function hasSourceIndex(pkg, version) {
  try {
    return output('apt-cache', ['showsrc', pkg]).includes(`Version: ${version}`);
  } catch {
    return false;
  }
}

function fetchSources(srcDir) {
  const wanted = Object.entries(BUILD_INPUTS.sources);
  if (!wanted.every(([pkg, version]) => hasSourceIndex(pkg, version))) {
    if (!existsSync(DEB_SRC_LIST)) {
      step(`adding a deb-src entry: ${DEB_SRC_LIST}`);
      writeFileSync(DEB_SRC_LIST, DEB_SRC_ENTRY);
    }
    step('apt-get update (source indexes)');
    run('apt-get', ['update', '-q']);
  }
  rmSync(srcDir, { recursive: true, force: true });
  mkdirSync(srcDir, { recursive: true });
  step(`apt-get source ${wanted.map(([pkg, version]) => `${pkg}=${version}`).join(' ')}`);
  run('apt-get', ['source', '-q', ...wanted.map(([pkg, version]) => `${pkg}=${version}`)], {
    cwd: srcDir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const dscHashes = {};
  for (const file of readdirSync(srcDir).filter((name) => name.endsWith('.dsc')).sort()) {
    dscHashes[file] = sha256(readFileSync(join(srcDir, file)));
  }
  return dscHashes;
}

function prepareTree(srcDir) {
  const [xgbVersion] = BUILD_INPUTS.sources.xgboost.split('-');
  const [dmlcVersion] = BUILD_INPUTS.sources['dmlc-core'].split('-');
  const tree = join(srcDir, `xgboost-${xgbVersion}`);
  for (const patch of BUILD_INPUTS.reversedDebianPatches) {
    step(`reversing ${patch}`);
    run('patch', ['-R', '-p1', '-s', '-i', patch], { cwd: tree });
  }
  const dmlc = join(tree, 'dmlc-core');
  rmSync(dmlc, { recursive: true, force: true });
  cpSync(join(srcDir, `dmlc-core-${dmlcVersion}`), dmlc, {
    recursive: true,
    filter: (path) => !path.includes('/debian'),
  });
  for (const patch of readdirSync(join(WASM_DIR, 'patches')).filter((n) => n.endsWith('.patch')).sort()) {
    step(`applying patches/${patch}`);
    run('patch', ['-p1', '-s', '-i', join(WASM_DIR, 'patches', patch)], { cwd: tree });
  }
  return tree;
}

async function buildLibrary(tree, cmakeDir) {
  rmSync(cmakeDir, { recursive: true, force: true });
  mkdirSync(cmakeDir, { recursive: true });
  step('emcmake cmake (configure)');
  const flags = [...BUILD_INPUTS.libraryFlags, `-fmacro-prefix-map=${tree}/=`].join(' ');
  run('emcmake', ['cmake', tree, ...BUILD_INPUTS.cmakeFlags, `-DCMAKE_C_FLAGS=${flags}`, `-DCMAKE_CXX_FLAGS=${flags}`], {
    cwd: cmakeDir,
    env: emEnv,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  step(`emmake make -j${JOBS} (XGBoost and dmlc-core, about 3-4 minutes on 2 cores)`);
  await runWithProgress('compiling', 'emmake', ['make', `-j${JOBS}`, 'xgboost', 'dmlc'], { cwd: cmakeDir, env: emEnv });
}

function findFile(dir, name) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === name) return path;
    if (statSync(path).isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    }
  }
  return undefined;
}

function link(tree, cmakeDir) {
  const libs = ['libxgboost.a', 'libdmlc.a'].map((name) => {
    const path = findFile(cmakeDir, name) ?? findFile(join(tree, 'lib'), name);
    if (!path) throw new Error(`${name} was not built`);
    return path;
  });
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  const objects = [];
  for (const source of ['xgboost_wasm.c', 'fast_forest.c']) {
    const object = join(cmakeDir, source.replace(/\.c$/, '.o'));
    step(`emcc ${source}`);
    run('emcc', [...BUILD_INPUTS.compileFlags, '-I', join(tree, 'include'), '-c', join(WASM_DIR, 'src', source), '-o', object], {
      env: emEnv,
    });
    objects.push(object);
  }
  step('emcc link → lib/xgboost.cjs + lib/xgboost.wasm');
  run('em++', [...BUILD_INPUTS.linkFlags, ...objects, ...libs, '-o', join(ARTIFACT_DIR, 'xgboost.cjs')], { env: emEnv });
}

function compileTypeScript() {
  step('tsc (package sources → dist/)');
  rmSync(join(PACKAGE_DIR, 'dist'), { recursive: true, force: true });
  run(process.execPath, [join(REPO_DIR, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(PACKAGE_DIR, 'tsconfig.json')]);
}

function writeManifest(dscHashes, seconds) {
  const inputs = currentInputs();
  const artifacts = {};
  for (const name of ['xgboost.cjs', 'xgboost.wasm']) {
    artifacts[name] = sha256(readFileSync(join(ARTIFACT_DIR, name)));
  }
  const typescript = typescriptInputs();
  const manifest = {
    inputsHash: inputsHash(inputs),
    typescript: { inputsHash: inputsHash(typescript), inputs: typescript, dist: distHashes() },
    inputs,
    sourcePackageDscSha256: dscHashes,
    artifacts,
    wasmBytes: statSync(join(ARTIFACT_DIR, 'xgboost.wasm')).size,
    buildSeconds: seconds,
  };
  writeFileSync(MANIFEST_PATH, JSON.stringify(manifest, null, 2) + '\n');
  step(`wrote ${repoPath(MANIFEST_PATH)}`);
}

async function main() {
  const only = process.argv.includes('--typescript-only');
  // --relink: reuse the library already built in wasm/.build (for work on the wrapper).
  const relink = process.argv.includes('--relink') && existsSync(join(BUILD_DIR, 'cmake'));
  if (!only) {
    ensureToolchain();
    const srcDir = join(BUILD_DIR, 'src');
    const cmakeDir = join(BUILD_DIR, 'cmake');
    const [xgbVersion] = BUILD_INPUTS.sources.xgboost.split('-');
    let dscHashes;
    let tree;
    if (relink) {
      dscHashes = existsSync(MANIFEST_PATH) ? readManifest().sourcePackageDscSha256 : {};
      tree = join(srcDir, `xgboost-${xgbVersion}`);
    } else {
      dscHashes = fetchSources(srcDir);
      tree = prepareTree(srcDir);
      await buildLibrary(tree, cmakeDir);
    }
    link(tree, cmakeDir);
    compileTypeScript();
    writeManifest(dscHashes, Math.round((Date.now() - started) / 1000));
  } else {
    // Only the TypeScript changed: recompile it and update that part of the manifest.
    compileTypeScript();
    const manifest = readManifest();
    const typescript = typescriptInputs();
    manifest.typescript = { inputsHash: inputsHash(typescript), inputs: typescript, dist: distHashes() };
    writeFileSync(MANIFEST_PATH, JSON.stringify(manifest, null, 2) + '\n');
  }
  const wasmBytes = statSync(join(ARTIFACT_DIR, 'xgboost.wasm')).size;
  step(`done: xgboost.wasm ${(wasmBytes / 1e6).toFixed(2)} MB`);
}

main().catch((error) => {
  process.stderr.write(`[build:wasm] ${error.message}\n`);
  process.exit(1);
});
