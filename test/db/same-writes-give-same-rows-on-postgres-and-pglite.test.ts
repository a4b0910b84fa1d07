import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Database } from '../../db/connect.js'
import { migrate } from '../../db/migrate.js'
import {
  ensurePartitions, saveModels, upsertAssets, upsertFeatureDefinitions, writeAlerts, writeAnomalies,
  writeEconomicDecisions, writeFailureLabels, writeFailurePredictions, writeFeatures, writeHealthScores, writeMetrics,
  type AssetRow,
} from '../../db/writers.js'
import { createScratchPglite, createScratchPostgres, log, makeSamples, type Scratch } from './support.js'

const T0 = Date.UTC(2025, 0, 31, 23, 0, 0)
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000)
const GPU = (g: number): string => `GPU-${String(g).padStart(8, '0')}-0000-4000-8000-000000000000`

/** One batch for every pipeline-written table; returns rows newly written per table. */
async function writeEverything(db: Database): Promise<Record<string, number>> {
  const { sql } = db
  return {
    gpu_metrics: await writeMetrics(sql, makeSamples(4, 400)), // crosses from January into February
    gpu_assets: await upsertAssets(sql, [0, 1, 2, 3].map((g) => ({
      gpu_uuid: GPU(g), serial: `SN${g}`, model: 'NVIDIA H100 80GB HBM3', hostname: 'node-0', rack: 'r1', datacenter: 'dc1',
      purchase_date: '2024-03-01', purchase_price_usd: 33_750.5, warranty_end: '2027-03-01', tdp_w: 700,
      first_seen: at(0), registered_by: 'inventory' as const,
    }))),
    gpu_failure_labels: await writeFailureLabels(sql, [
      { gpu_uuid: GPU(1), failed_at: at(50), fault_kind: 'xid79_fallen_off_bus', onset_at: at(10), source: 'sim://42' },
      { gpu_uuid: GPU(2), failed_at: at(55), fault_kind: 'hbm_dbe', source: 'sim://42' },
    ]),
    feature_definitions: await upsertFeatureDefinitions(sql, [
      { name: 'gpu_temp_c_mean', ordinal: 0, description: 'Mean GPU temperature over the window', unit: '°C', formula: 'avg(gpu_temp_c)' },
      { name: 'ecc_dbe_delta', ordinal: 1, description: 'New double-bit ECC errors in the window', unit: 'count', formula: 'max - min of ecc_dbe_volatile_total' },
    ]),
    gpu_features: await writeFeatures(sql, [0, 1].flatMap((g) => [0, 5, 60, 65].map((m) => ({
      gpu_uuid: GPU(g), window_start: at(m), window_end: at(m + 5), sample_count: 30,
      features: { gpu_temp_c_mean: 60 + g + m / 10, ecc_dbe_delta: g === 1 && m === 65 ? 1 : 0, missing: null },
    })))),
    gpu_health_scores: await writeHealthScores(sql, [0, 1].map((g) => ({
      gpu_uuid: GPU(g), ts: at(15), overall: 91.5 - g * 40, thermal: 95, power: 90, memory: 88 - g * 60, performance: 97, reliability: 92,
      factors: g === 1 ? [{ dimension: 'memory', reason: 'double-bit ECC', penalty: 60 }] : [],
    }))),
    anomalies: await writeAnomalies(sql, [
      { gpu_uuid: GPU(1), ts: at(65), metric: 'gpu_temp_c', baseline: 'self', value: 91, zscore: 4.2, baseline_mean: 62, baseline_stddev: 6.9, severity: 'warning' },
      { gpu_uuid: GPU(1), ts: at(65), metric: 'gpu_temp_c', baseline: 'peer', value: 91, zscore: 3.1, severity: 'warning' },
    ]),
    gpu_failure_predictions: await writeFailurePredictions(sql, [24, 168].map((h) => ({
      gpu_uuid: GPU(1), ts: at(65), model_version: 'm-2025-01-01', horizon_hours: h, probability: h === 24 ? 0.31 : 0.62,
      top_features: [{ name: 'ecc_dbe_delta', value: 1, contribution: 0.4 }],
    }))),
    gpu_economic_decisions: await writeEconomicDecisions(sql, [{
      gpu_uuid: GPU(1), ts: at(90), decision: 'repair', npv_keep_usd: 1200.25, npv_repair_usd: 4100, npv_replace_usd: 3900.75, npv_retire_usd: -150,
      inputs: { horizon_days: 365, discount_rate: 0.08, survival: 0.38, rental_usd_per_h: 2.5 },
    }]),
    models: await saveModels(sql, [{
      version: 'm-2025-01-01', created_at: at(0), params: { max_depth: 6, eta: 0.1 }, metrics: { auc: 0.91 },
      model: new Uint8Array([0x7b, 0x00, 0xff, 0x7d]), format: 'ubj',
    }]),
    alerts: await writeAlerts(sql, [{
      gpu_uuid: GPU(1), rule: 'fatal_xid', severity: 'critical', ts: at(50), fingerprint: `${GPU(1)}:fatal_xid`,
      payload: { xid: 79, message: 'GPU has fallen off the bus' },
    }]),
  }
}

const EXPECTED_FIRST_WRITE = {
  gpu_metrics: 1600, gpu_assets: 4, gpu_failure_labels: 2, feature_definitions: 2, gpu_features: 8, gpu_health_scores: 2,
  anomalies: 2, gpu_failure_predictions: 2, gpu_economic_decisions: 1, models: 1, alerts: 1,
}

/** Every table's rows, in key order, as JSON text: the comparison is about the stored values. */
async function dump(db: Database): Promise<Record<string, string>> {
  const queries: Record<string, string> = {
    gpu_metrics: 'SELECT * FROM gpu_metrics ORDER BY gpu_uuid, ts',
    gpu_assets: 'SELECT gpu_uuid, serial, model, hostname, rack, datacenter, purchase_date::text, purchase_price_usd::text, warranty_end::text, tdp_w, first_seen, registered_by FROM gpu_assets ORDER BY gpu_uuid',
    gpu_failure_labels: 'SELECT * FROM gpu_failure_labels ORDER BY gpu_uuid, failed_at',
    feature_definitions: 'SELECT * FROM feature_definitions ORDER BY name',
    gpu_features: 'SELECT * FROM gpu_features ORDER BY gpu_uuid, window_start, window_end',
    gpu_health_scores: 'SELECT * FROM gpu_health_scores ORDER BY gpu_uuid, ts',
    anomalies: 'SELECT * FROM anomalies ORDER BY gpu_uuid, ts, metric, baseline',
    gpu_failure_predictions: 'SELECT * FROM gpu_failure_predictions ORDER BY gpu_uuid, ts, model_version, horizon_hours',
    gpu_economic_decisions: 'SELECT * FROM gpu_economic_decisions ORDER BY gpu_uuid, ts',
    models: "SELECT version, created_at, params, metrics, encode(model, 'hex') AS model, format FROM models ORDER BY version",
    alerts: 'SELECT gpu_uuid, rule, severity, ts, fingerprint, state, payload, notified_at FROM alerts ORDER BY fingerprint, ts',
  }
  const out: Record<string, string> = {}
  for (const [table, query] of Object.entries(queries)) out[table] = JSON.stringify(await db.sql.unsafe(query))
  return out
}

describe('pipeline writes on real PostgreSQL and on PGlite', () => {
  const dbs: Record<'postgres' | 'pglite', Scratch | undefined> = { postgres: undefined, pglite: undefined }
  const firstWrite: Record<string, Record<string, number>> = {}
  const secondWrite: Record<string, Record<string, number>> = {}

  before(async () => {
    // Both opened up front so every test below compares the same history.
    const [pg, lite] = await Promise.allSettled([createScratchPostgres(), createScratchPglite()])
    if (pg.status === 'fulfilled') dbs.postgres = pg.value
    if (lite.status === 'fulfilled') dbs.pglite = lite.value
    // Whichever opened is disposed by after(); the first failure (e.g. no DATABASE_URL) fails the suite.
    for (const opened of [pg, lite]) if (opened.status === 'rejected') throw opened.reason
    for (const [kind, db] of Object.entries(dbs) as ['postgres' | 'pglite', Scratch][]) {
      await migrate(db, { log })
      firstWrite[kind] = await writeEverything(db)
      secondWrite[kind] = await writeEverything(db)
    }
  })
  after(async () => {
    await Promise.all(Object.values(dbs).map((db) => db?.dispose()))
  })

  for (const kind of ['postgres', 'pglite'] as const) {
    test(`${kind}: the first write stores every row`, () => {
      assert.deepEqual(firstWrite[kind], EXPECTED_FIRST_WRITE)
    })

    test(`${kind}: writing the same rows again stores nothing new and duplicates nothing`, async () => {
      const db = dbs[kind]!
      // Upserts touch their rows again (and count them); append-only tables insert nothing.
      assert.deepEqual(secondWrite[kind], { ...Object.fromEntries(Object.keys(EXPECTED_FIRST_WRITE).map((k) => [k, 0])), gpu_assets: 4, feature_definitions: 2 })
      for (const [table, n] of Object.entries(EXPECTED_FIRST_WRITE)) {
        const [{ count }] = await db.sql<{ count: number }[]>`SELECT count(*)::int AS count FROM ${db.sql(table)}`
        assert.equal(count, n, `${table} holds each row once`)
      }
    })

    test(`${kind}: metric rows land in their month's partition, none in DEFAULT`, async () => {
      const db = dbs[kind]!
      const rows = await db.sql<{ part: string; n: number }[]>`
        SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM gpu_metrics GROUP BY 1 ORDER BY 1`
      assert.deepEqual(rows.map((r) => [r.part, r.n]), [['gpu_metrics_p202501', 4 * 360], ['gpu_metrics_p202502', 4 * 40]])
    })
  }

  test('the same writes leave identical rows on PGlite and PostgreSQL', async () => {
    const [pg, lite] = await Promise.all([dump(dbs.postgres!), dump(dbs.pglite!)])
    for (const table of Object.keys(pg)) assert.equal(lite[table], pg[table], `${table} differs between PGlite and PostgreSQL`)
    // And the values round-trip: a sample read back equals the sample written.
    const [sample] = makeSamples(1, 1)
    const [row] = await dbs.pglite!.sql`SELECT * FROM gpu_metrics WHERE gpu_uuid = ${sample.gpu_uuid} AND ts = ${new Date(sample.ts_ms)}`
    const { ts_ms, clocks_event_reasons, ...rest } = sample
    assert.deepEqual({ ...row, clocks_event_reasons: row.clocks_event_reasons === null ? null : Number(row.clocks_event_reasons) },
      { ...rest, ts: new Date(ts_ms), clocks_event_reasons })
  })
})

describe('write semantics', () => {
  for (const kind of ['postgres', 'pglite'] as const) {
    test(`${kind}: inventory overrides a scrape registration; a scrape only fills gaps`, async (t) => {
      const db = kind === 'postgres' ? await createScratchPostgres() : await createScratchPglite()
      t.after(() => db.dispose())
      await migrate(db, { log })
      const scrape: AssetRow = { gpu_uuid: GPU(9), model: 'scraped-model', hostname: 'node-9', first_seen: at(30), registered_by: 'scrape' }
      await upsertAssets(db.sql, [scrape])
      await upsertAssets(db.sql, [{ gpu_uuid: GPU(9), model: 'NVIDIA A100-SXM4-80GB', serial: 'SN9', first_seen: at(60), registered_by: 'inventory' }])
      await upsertAssets(db.sql, [{ ...scrape, model: 'other', rack: 'r9', first_seen: at(90) }])
      const [asset] = await db.sql`SELECT model, serial, hostname, rack, first_seen, registered_by FROM gpu_assets WHERE gpu_uuid = ${GPU(9)}`
      assert.deepEqual({ ...asset }, {
        model: 'NVIDIA A100-SXM4-80GB', serial: 'SN9', hostname: 'node-9', rack: 'r9', first_seen: at(30), registered_by: 'inventory',
      })

      // A batch larger than one statement allows (45 columns × 1,000 rows) is chunked, not rejected.
      const big = makeSamples(3, 1_000, Date.UTC(2025, 5, 1))
      assert.equal(await writeMetrics(db.sql, big, { maxRowsPerStatement: 2_000 }), 3_000)
      assert.equal(await writeMetrics(db.sql, big), 0)

      // Rows that reached the DEFAULT partition move into their month when it is created.
      await db.sql`INSERT INTO gpu_metrics (gpu_uuid, ts, hostname, gpu_index, model_name, source)
                   VALUES (${GPU(9)}, ${new Date(Date.UTC(2030, 6, 4))}, 'h', 0, 'm', 'test')`
      await ensurePartitions(db.sql, 'gpu_metrics', [new Date(Date.UTC(2030, 6, 20))])
      const [{ part }] = await db.sql`SELECT tableoid::regclass::text AS part FROM gpu_metrics WHERE gpu_uuid = ${GPU(9)}`
      assert.equal(part, 'gpu_metrics_p203007')
    })
  }
})
