import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';

/** Where the .avsc files live: avro/ at the repository root (two levels up from dist/pipeline too). */
let foundDir: string | undefined;

export function avroDir(): string {
  if (foundDir) return foundDir;
  foundDir = locateAvroDir();
  return foundDir;
}

function locateAvroDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [resolve(here, '../avro'), resolve(here, '../../avro')]) {
    try {
      readdirSync(candidate);
      return candidate;
    } catch {
      /* try the next */
    }
  }
  throw new Error(`avro/ directory not found near ${here}`);
}

export interface AvroRecordSchema {
  readonly name: string;
  readonly namespace?: string;
  readonly schema: Record<string, unknown>;
  readonly type: avro.Type;
}

let catalogue: Map<string, AvroRecordSchema> | undefined;

/** Every record schema in avro/, by short name (GpuSample) and full name (gpuhealth.GpuSample). */
export function avroCatalogue(dir = avroDir()): Map<string, AvroRecordSchema> {
  if (catalogue && dir === avroDir()) return catalogue;
  const map = new Map<string, AvroRecordSchema>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.avsc')).sort()) {
    const schema = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
    const name = String(schema.name);
    const namespace = typeof schema.namespace === 'string' ? schema.namespace : undefined;
    const entry: AvroRecordSchema = { name, namespace, schema, type: avro.Type.forSchema(schema as avro.Schema) };
    map.set(name, entry);
    if (namespace) map.set(`${namespace}.${name}`, entry);
  }
  catalogue = map;
  return map;
}

export function avroRecord(name: string): AvroRecordSchema {
  const found = avroCatalogue().get(name);
  if (!found) throw new Error(`unknown Avro record "${name}" (known: ${[...new Set([...avroCatalogue().values()].map((r) => r.name))].join(', ')})`);
  return found;
}
