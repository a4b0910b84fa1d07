#!/usr/bin/env node
// Exits non-zero when the committed WebAssembly artifact was built from other inputs than the
// current ones (sources, patches, flags, wrapper code) or the artifact's bytes no longer match
// the manifest. CI: `node wasm/scripts/check-manifest.mjs || npm run build:wasm`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ARTIFACT_DIR,
  MANIFEST_PATH,
  currentInputs,
  distHashes,
  inputsHash,
  readManifest,
  repoPath,
  sha256,
  typescriptInputs,
} from './build-inputs.mjs';

function problems() {
  if (!existsSync(MANIFEST_PATH)) return [`${repoPath(MANIFEST_PATH)} is missing`];
  const manifest = readManifest();
  const found = [];
  const inputs = currentInputs();
  if (manifest.inputsHash !== inputsHash(inputs)) {
    const recorded = JSON.stringify(manifest.inputs);
    found.push(`inputs changed since the last build (recorded ${manifest.inputsHash.slice(0, 12)}, now ${inputsHash(inputs).slice(0, 12)})`);
    for (const [file, hash] of Object.entries(inputs.files)) {
      if (manifest.inputs?.files?.[file] !== hash) found.push(`  changed: wasm/${file}`);
    }
    if (recorded && JSON.stringify({ ...manifest.inputs, files: undefined }) !== JSON.stringify({ ...inputs, files: undefined })) {
      found.push('  changed: settings in wasm/scripts/build-inputs.mjs');
    }
  }
  const typescript = typescriptInputs();
  if (manifest.typescript?.inputsHash !== inputsHash(typescript)) {
    for (const [file, hash] of Object.entries(typescript)) {
      if (manifest.typescript?.inputs?.[file] !== hash) found.push(`TypeScript changed since dist/ was compiled: wasm/${file}`);
    }
    if (found.length === 0) found.push('the set of TypeScript sources changed since dist/ was compiled');
  }
  let dist = {};
  try {
    dist = distHashes();
  } catch {
    found.push('wasm/xgboost-node-wasm/dist/ is missing');
  }
  if (JSON.stringify(dist) !== JSON.stringify(manifest.typescript?.dist ?? {})) {
    found.push('wasm/xgboost-node-wasm/dist/ differs from the manifest');
  }
  for (const [name, hash] of Object.entries(manifest.artifacts ?? {})) {
    const path = join(ARTIFACT_DIR, name);
    if (!existsSync(path)) found.push(`${repoPath(path)} is missing`);
    else if (sha256(readFileSync(path)) !== hash) found.push(`${repoPath(path)} differs from the manifest`);
  }
  return found;
}

const found = problems();
if (found.length > 0) {
  process.stderr.write(`check-manifest: the committed WebAssembly build is stale:\n${found.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write('check-manifest: committed WebAssembly build matches its inputs\n');
