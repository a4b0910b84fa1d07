import { z } from 'zod';

/**
 * Process configuration from the environment, validated once. Flags override these; the README lists
 * them. Empty strings count as unset.
 */
const blankToUndefined = (v: unknown) => (v === '' ? undefined : v);

export const EnvConfig = z.object({
  LOG_LEVEL: z.preprocess(blankToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  DATABASE_URL: z.preprocess(blankToUndefined, z.string().url('DATABASE_URL must be a postgres:// URL').optional()),
  PGLITE_DATA_DIR: z.preprocess(blankToUndefined, z.string().default('.data/pglite')),
  METRICS_PORT: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(65_535).default(9464)),
  PIPELINE_DEFINITION: z.preprocess(blankToUndefined, z.string().optional()),
  KAFKA_BROKERS: z.preprocess(blankToUndefined, z.string().optional()),
  SCHEMA_REGISTRY_URL: z.preprocess(blankToUndefined, z.string().optional()),
});

export type EnvConfig = z.output<typeof EnvConfig>;

export function readEnv(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const parsed = EnvConfig.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid environment:\n  ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
  }
  return parsed.data;
}
