import type { Logger } from 'pino';
import type { Database } from '../db/connect.js';
import { withRetry } from '../db/retry.js';
import { upsertAssets, writeFailureLabels } from '../db/writers.js';
import type { Fleet } from './fleet.js';

/**
 * Writes what the simulator knows for certain into the database: its asset inventory (gpu_assets, as
 * 'inventory') and the ground truth of every failure so far (gpu_failure_labels). Both writes are
 * idempotent and retried while the database is away.
 */
export class FleetRecorder {
  private labelled = 0;

  constructor(
    private readonly db: Database,
    private readonly fleet: Fleet,
    private readonly log: Logger,
  ) {}

  async writeInventory(firstSeen: Date): Promise<void> {
    const assets = this.fleet.assets().map((a) => ({ ...a, first_seen: firstSeen, registered_by: 'inventory' as const }));
    await withRetry(() => upsertAssets(this.db.sql, assets), { log: this.log, what: 'write the fleet inventory' });
    this.log.info({ gpus: assets.length }, 'fleet inventory written to gpu_assets');
  }

  /** Labels the failures that happened since the last call; returns how many. */
  async writeNewFailures(): Promise<number> {
    const failures = this.fleet.failures();
    if (failures.length <= this.labelled) return 0;
    const labels = failures.slice(this.labelled).map((f) => ({
      gpu_uuid: f.gpu_uuid,
      failed_at: new Date(f.failed_at_ms),
      fault_kind: f.fault_kind,
      onset_at: new Date(f.onset_ms),
      source: 'simulator',
    }));
    await withRetry(() => writeFailureLabels(this.db.sql, labels), { log: this.log, what: `write ${labels.length} failure labels` });
    this.labelled = failures.length;
    return labels.length;
  }
}
