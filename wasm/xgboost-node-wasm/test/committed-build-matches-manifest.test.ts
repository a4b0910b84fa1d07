// The committed .wasm and loader are what the recorded inputs (sources, patches, flags,
// wrapper code) build: the manifest's input hash is the current one and the bytes match.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const checkManifest = fileURLToPath(new URL('../../scripts/check-manifest.mjs', import.meta.url));
const manifestPath = fileURLToPath(new URL('../lib/build-manifest.json', import.meta.url));

test('the committed artifact matches its recorded inputs', () => {
  const output = execFileSync(process.execPath, [checkManifest], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(output, /matches its inputs/);
});

test('the manifest records exact source versions, patches and flags', () => {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  assert.equal(manifest.inputs.sources.xgboost, '1.7.4-1');
  assert.equal(manifest.inputs.sources['dmlc-core'], '0.5-1');
  assert.ok(manifest.inputs.files['patches/0001-wasm32-size_t.patch']);
  assert.ok(manifest.inputs.linkFlags.includes('-fwasm-exceptions'));
  assert.match(manifest.artifacts['xgboost.wasm'], /^[0-9a-f]{64}$/);
  assert.equal(Object.keys(manifest.sourcePackageDscSha256).length, 2);
});
