import type postgres from 'postgres'
import type { Sql } from './connect.js'
import { DB_DEFAULTS } from './defaults.js'
import { GPU_READING_FIELDS as GPU_SAMPLE_READINGS, type GpuSample } from '../dcgm/types.js'

// ---------------------------------------------------------------------------------------------
// Row types: what the pipeline hands to the writers. Times are Date (or ms since epoch for
// GpuSample, as in its Avro record); jsonb columns take plain JSON values.
// ---------------------------------------------------------------------------------------------

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json }

// The record and its reading fields are defined once, beside the DCGM field catalogue.
export { GPU_READING_FIELDS as GPU_SAMPLE_READINGS, type GpuReadingField as GpuSampleReading, type GpuSample } from '../dcgm/types.js'

export interface AssetRow {
  gpu_uuid: string
  serial?: string | null
  model?: string | null
  hostname?: string | null
  rack?: string | null
  datacenter?: string | null
  /** Calendar date, 'YYYY-MM-DD'. */
  purchase_date?: string | null
  purchase_price_usd?: number | null
  /** Calendar date, 'YYYY-MM-DD'. */
  warranty_end?: string | null
  tdp_w?: number | null
  first_seen: Date
  /** 'inventory' overrides what is stored; 'scrape' only fills gaps. */
  registered_by: 'inventory' | 'scrape'
}

export interface FailureLabelRow {
  gpu_uuid: string
  failed_at: Date
  fault_kind: string
  onset_at?: Date | null
  source: string
}

export interface FeatureDefinitionRow {
  name: string
  ordinal?: number | null
  description: string
  unit?: string | null
  formula: string
}

export interface FeatureRow {
  gpu_uuid: string
  window_start: Date
  window_end: Date
  sample_count: number
  /** Feature name → value; names in feature_definitions. */
  features: { readonly [name: string]: number | null }
}

export interface HealthScoreRow {
  gpu_uuid: string
  ts: Date
  overall: number
  thermal: number
  power: number
  memory: number
  performance: number
  reliability: number
  factors: Json
}

export interface AnomalyRow {
  gpu_uuid: string
  ts: Date
  metric: string
  baseline: 'self' | 'peer'
  value: number
  zscore: number
  baseline_mean?: number | null
  baseline_stddev?: number | null
  severity: 'info' | 'warning' | 'critical'
}

export interface FailurePredictionRow {
  gpu_uuid: string
  ts: Date
  model_version: string
  horizon_hours: number
  probability: number
  top_features: Json
}

export interface EconomicDecisionRow {
  gpu_uuid: string
  ts: Date
  decision: 'keep' | 'repair' | 'replace' | 'retire'
  npv_keep_usd: number
  npv_repair_usd: number
  npv_replace_usd: number
  npv_retire_usd: number
  inputs: Json
}

export interface ModelRow {
  version: string
  created_at?: Date
  params: Json
  metrics: Json
  model: Uint8Array
  format: 'json' | 'ubj'
}

export interface AlertRow {
  gpu_uuid: string
  rule: string
  severity: 'info' | 'warning' | 'critical'
  ts: Date
  fingerprint: string
  state?: 'firing' | 'acknowledged' | 'resolved'
  payload: Json
  notified_at?: Date | null
}

// ---------------------------------------------------------------------------------------------
// One generic table writer, driven by a table spec.
// ---------------------------------------------------------------------------------------------

type Value = postgres.SerializableParameter | null

export interface TableSpec<Row> {
  table: string
  /** Columns written, in statement order. */
  columns: readonly (keyof Row & string)[]
  /** Columns sent as jsonb (wrapped so arrays are not mistaken for PostgreSQL arrays). */
  jsonColumns?: readonly (keyof Row & string)[]
  /** The natural key, the ON CONFLICT target. */
  conflict: readonly string[]
  /**
   * Values for columns a row leaves out. A multi-row INSERT sends every column of every row,
   * so the database's own DEFAULT never applies; these stand in for it (same values).
   */
  defaults?: { readonly [K in keyof Row & string]?: () => Value }
  /** DO UPDATE SET clause (static SQL over EXCLUDED); absent = DO NOTHING. */
  update?: string
  /** Time column of a natively partitioned table: its months are ensured before writing. */
  timeColumn?: keyof Row & string
}

export interface WriteOptions {
  /** Rows per INSERT at most (default DB_DEFAULTS.maxRowsPerStatement, lowered to fit the parameter limit). */
  maxRowsPerStatement?: number
}

/** Months (UTC, 'YYYY-MM') whose partitions are known to exist, per client. */
const ensuredMonths = new WeakMap<Sql, Set<string>>()

/**
 * Writes rows as multi-row INSERT ... ON CONFLICT (natural key) statements, chunked under the
 * bind-parameter limit. Returns the number of rows inserted or updated (DO NOTHING skips
 * rows already present, so a replayed batch returns 0). Statements are independent: if one
 * fails, earlier ones stay written and a retry of the whole batch skips them.
 */
export async function writeRows<Row extends object>(
  sql: Sql,
  spec: TableSpec<Row>,
  rows: readonly Row[],
  options: WriteOptions = {},
): Promise<number> {
  if (rows.length === 0) return 0
  if (spec.timeColumn !== undefined) await ensurePartitions(sql, spec.table, rows.map((r) => r[spec.timeColumn!] as Date))
  const perStatement = Math.max(
    1,
    Math.min(options.maxRowsPerStatement ?? DB_DEFAULTS.maxRowsPerStatement, Math.floor(DB_DEFAULTS.maxParameters / spec.columns.length)),
  )
  const json = new Set<string>(spec.jsonColumns ?? [])
  let written = 0
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement).map((row) => toValues(sql, row, spec, json))
    const conflictAction = spec.update === undefined ? sql`DO NOTHING` : sql`DO UPDATE SET ${sql.unsafe(spec.update)}`
    const result = await sql`
      INSERT INTO ${sql(spec.table)} ${sql(chunk, [...spec.columns] as string[])}
      ON CONFLICT (${sql([...spec.conflict])}) ${conflictAction}`
    written += result.count
  }
  return written
}

function toValues<Row extends object>(sql: Sql, row: Row, spec: TableSpec<Row>, json: ReadonlySet<string>): Record<string, Value> {
  const source = row as Record<string, unknown>
  const defaults = (spec.defaults ?? {}) as { readonly [column: string]: (() => Value) | undefined }
  const values: Record<string, Value> = {}
  for (const column of spec.columns) {
    const value = source[column]
    const fallback = defaults[column]
    if (value === undefined && fallback !== undefined) values[column] = fallback()
    else if (value === undefined || value === null) values[column] = null
    else if (json.has(column)) values[column] = sql.json(value as postgres.JSONValue)
    else values[column] = value as Value
  }
  return values
}

/**
 * Makes sure the monthly partitions for these times exist, so rows land in them rather than
 * in the DEFAULT partition. Remembers what it ensured per client, so the database is asked
 * once per table and month per process. A no-op in the database for hypertables.
 */
export async function ensurePartitions(sql: Sql, table: string, times: readonly Date[]): Promise<void> {
  let known = ensuredMonths.get(sql)
  if (known === undefined) ensuredMonths.set(sql, (known = new Set()))
  const missing = new Map<string, Date>()
  for (const time of times) {
    const month = time.toISOString().slice(0, 7)
    const key = `${table}:${month}`
    if (!known.has(key) && !missing.has(key)) missing.set(key, new Date(`${month}-01T00:00:00Z`))
  }
  for (const [key, monthStart] of missing) {
    await sql`SELECT ensure_time_partitions(${table}, ${monthStart}, ${monthStart})`
    known.add(key)
  }
}

// ---------------------------------------------------------------------------------------------
// The tables.
// ---------------------------------------------------------------------------------------------

type MetricRow = Omit<GpuSample, 'ts_ms'> & { ts: Date }

const METRIC_COLUMNS = [
  'gpu_uuid',
  'ts',
  'hostname',
  'gpu_index',
  'model_name',
  'pci_bus_id',
  'driver_version',
  'source',
  ...GPU_SAMPLE_READINGS,
  'labels',
  'extra',
] as const satisfies readonly (keyof MetricRow)[]

export const TABLES = Object.freeze({
  gpu_metrics: {
    table: 'gpu_metrics',
    columns: METRIC_COLUMNS,
    jsonColumns: ['labels', 'extra'],
    conflict: ['gpu_uuid', 'ts'],
    timeColumn: 'ts',
  } satisfies TableSpec<MetricRow>,

  gpu_assets: {
    table: 'gpu_assets',
    columns: [
      'gpu_uuid', 'serial', 'model', 'hostname', 'rack', 'datacenter', 'purchase_date',
      'purchase_price_usd', 'warranty_end', 'tdp_w', 'first_seen', 'registered_by',
    ],
    conflict: ['gpu_uuid'],
    // Inventory is authoritative: its non-null values win. A scrape only fills columns that
    // are still empty. Either way the earliest first_seen is kept, and once an inventory
    // registered a GPU it stays 'inventory'. Writing the same row twice changes nothing.
    update: [
      ...['serial', 'model', 'hostname', 'rack', 'datacenter', 'purchase_date', 'purchase_price_usd', 'warranty_end', 'tdp_w'].map(
        (c) =>
          `${c} = CASE WHEN EXCLUDED.registered_by = 'inventory' THEN coalesce(EXCLUDED.${c}, gpu_assets.${c}) ` +
          `ELSE coalesce(gpu_assets.${c}, EXCLUDED.${c}) END`,
      ),
      'first_seen = least(gpu_assets.first_seen, EXCLUDED.first_seen)',
      `registered_by = CASE WHEN 'inventory' IN (gpu_assets.registered_by, EXCLUDED.registered_by) THEN 'inventory' ELSE 'scrape' END`,
      'updated_at = now()',
    ].join(', '),
  } satisfies TableSpec<AssetRow>,

  gpu_failure_labels: {
    table: 'gpu_failure_labels',
    columns: ['gpu_uuid', 'failed_at', 'fault_kind', 'onset_at', 'source'],
    conflict: ['gpu_uuid', 'failed_at'],
  } satisfies TableSpec<FailureLabelRow>,

  feature_definitions: {
    table: 'feature_definitions',
    columns: ['name', 'ordinal', 'description', 'unit', 'formula'],
    conflict: ['name'],
    // Definitions are documentation: the newest text wins.
    update: 'ordinal = EXCLUDED.ordinal, description = EXCLUDED.description, unit = EXCLUDED.unit, formula = EXCLUDED.formula',
  } satisfies TableSpec<FeatureDefinitionRow>,

  gpu_features: {
    table: 'gpu_features',
    columns: ['gpu_uuid', 'window_start', 'window_end', 'sample_count', 'features'],
    jsonColumns: ['features'],
    conflict: ['gpu_uuid', 'window_start', 'window_end'],
    timeColumn: 'window_start',
  } satisfies TableSpec<FeatureRow>,

  gpu_health_scores: {
    table: 'gpu_health_scores',
    columns: ['gpu_uuid', 'ts', 'overall', 'thermal', 'power', 'memory', 'performance', 'reliability', 'factors'],
    jsonColumns: ['factors'],
    conflict: ['gpu_uuid', 'ts'],
    timeColumn: 'ts',
  } satisfies TableSpec<HealthScoreRow>,

  anomalies: {
    table: 'anomalies',
    columns: ['gpu_uuid', 'ts', 'metric', 'baseline', 'value', 'zscore', 'baseline_mean', 'baseline_stddev', 'severity'],
    conflict: ['gpu_uuid', 'ts', 'metric', 'baseline'],
    timeColumn: 'ts',
  } satisfies TableSpec<AnomalyRow>,

  gpu_failure_predictions: {
    table: 'gpu_failure_predictions',
    columns: ['gpu_uuid', 'ts', 'model_version', 'horizon_hours', 'probability', 'top_features'],
    jsonColumns: ['top_features'],
    conflict: ['gpu_uuid', 'ts', 'model_version', 'horizon_hours'],
    timeColumn: 'ts',
  } satisfies TableSpec<FailurePredictionRow>,

  gpu_economic_decisions: {
    table: 'gpu_economic_decisions',
    columns: ['gpu_uuid', 'ts', 'decision', 'npv_keep_usd', 'npv_repair_usd', 'npv_replace_usd', 'npv_retire_usd', 'inputs'],
    jsonColumns: ['inputs'],
    conflict: ['gpu_uuid', 'ts'],
    timeColumn: 'ts',
  } satisfies TableSpec<EconomicDecisionRow>,

  models: {
    table: 'models',
    columns: ['version', 'created_at', 'params', 'metrics', 'model', 'format'],
    jsonColumns: ['params', 'metrics'],
    defaults: { created_at: () => new Date() },
    conflict: ['version'],
  } satisfies TableSpec<ModelRow>,

  alerts: {
    table: 'alerts',
    columns: ['gpu_uuid', 'rule', 'severity', 'ts', 'fingerprint', 'state', 'payload', 'notified_at'],
    jsonColumns: ['payload'],
    defaults: { state: () => 'firing' },
    conflict: ['fingerprint', 'ts'],
  } satisfies TableSpec<AlertRow>,
})

/** Raw samples → gpu_metrics; returns rows newly inserted. */
export function writeMetrics(sql: Sql, samples: readonly GpuSample[], options?: WriteOptions): Promise<number> {
  const rows = samples.map(({ ts_ms, ...rest }): MetricRow => ({ ...rest, ts: new Date(ts_ms) }))
  return writeRows(sql, TABLES.gpu_metrics, rows, options)
}

/** Inserts or merges asset rows (inventory wins over scrape); returns rows inserted or updated. */
export function upsertAssets(sql: Sql, assets: readonly AssetRow[], options?: WriteOptions): Promise<number> {
  return writeRows(sql, TABLES.gpu_assets, dedupeLast(assets, (a) => a.gpu_uuid), options)
}

export function writeFailureLabels(sql: Sql, labels: readonly FailureLabelRow[], options?: WriteOptions): Promise<number> {
  return writeRows(sql, TABLES.gpu_failure_labels, labels, options)
}

export function upsertFeatureDefinitions(sql: Sql, definitions: readonly FeatureDefinitionRow[], options?: WriteOptions): Promise<number> {
  return writeRows(sql, TABLES.feature_definitions, dedupeLast(definitions, (d) => d.name), options)
}

export function writeFeatures(sql: Sql, rows: readonly FeatureRow[], options?: WriteOptions): Promise<number> {
  return writeRows(sql, TABLES.gpu_features, rows, options)
}

export function writeHealthScores(sql: Sql, rows: readonly HealthScoreRow[], options?: WriteOptions): Promise<number> {
  return writeRows(sql, TABLES.gpu_health_scores, rows, options)
}

export function writeAnomalies(sql: Sql, rows: readonly AnomalyRow[], options?: WriteOptions): Promise<number> {
  return writeRows(sql, TABLES.anomalies, rows, options)
}

export function writeFailurePredictions(sql: Sql, rows: readonly FailurePredictionRow[], options?: WriteOptions): Promise<number> {
  return writeRows(sql, TABLES.gpu_failure_predictions, rows, options)
}

export function writeEconomicDecisions(sql: Sql, rows: readonly EconomicDecisionRow[], options?: WriteOptions): Promise<number> {
  return writeRows(sql, TABLES.gpu_economic_decisions, rows, options)
}

/** Stores a model version; versions are immutable, so writing one again changes nothing. */
export function saveModels(sql: Sql, rows: readonly ModelRow[], options?: WriteOptions): Promise<number> {
  return writeRows(sql, TABLES.models, rows, options)
}

export function writeAlerts(sql: Sql, rows: readonly AlertRow[], options?: WriteOptions): Promise<number> {
  return writeRows(sql, TABLES.alerts, rows, options)
}

// ON CONFLICT DO UPDATE refuses to touch one row twice in a statement; for upserts the last
// row per key wins, as it would have across separate statements.
function dedupeLast<T>(rows: readonly T[], key: (row: T) => string): T[] {
  const byKey = new Map<string, T>()
  for (const row of rows) {
    const k = key(row)
    byKey.delete(k)
    byKey.set(k, row)
  }
  return [...byKey.values()]
}
