// The GPU fleet simulator: hosts of eight GPUs in racks and datacenters, workloads that come
// and go with the time of day, physically coupled telemetry (power → temperature with thermal
// inertia → throttling → clocks), monotonic counters, and faults that degrade for hours to
// weeks before a failure, or strike with no warning. Everything is drawn from seeded streams
// and advanced in event time only, so a seed fixes every byte of output.
//
// Each GPU, its faults and each host's jobs draw from their own stream (hash of seed and
// name), so changing the fleet size or the fault rate does not reshuffle the other draws.

import { CLOCKS_EVENT } from '../dcgm/fields.js';
import { emptyGpuSample, type GpuSample } from '../dcgm/types.js';
import {
  FAULT_KINDS,
  FLEET_DEFAULTS,
  GPU_MODELS,
  TIME_MS,
  type FaultKind,
  type GpuModelName,
  type GpuModelSpec,
} from './catalog.js';
import { Rng, hash32 } from './prng.js';

export interface ForcedFault {
  /** Ordinal of the GPU in the fleet (0-based, the order of assets()). */
  gpuOrdinal: number;
  kind: FaultKind;
  onsetMs: number;
  failAtMs: number;
}

export interface FleetOptions {
  seed: number;
  gpus: number;
  startMs: number;
  stepMs?: number;
  gpusPerHost?: number;
  hostsPerRack?: number;
  racksPerDatacenter?: number;
  modelMix?: Readonly<Partial<Record<GpuModelName, number>>>;
  driverVersion?: string;
  failuresPerGpuDay?: number;
  faultRateMultiplier?: number;
  /** Faults placed by hand; they replace the drawn first fault of those GPUs. */
  forcedFaults?: readonly ForcedFault[];
}

export interface GpuAssetRow {
  gpu_uuid: string;
  serial: string;
  model: GpuModelName;
  hostname: string;
  rack: string;
  datacenter: string;
  /** YYYY-MM-DD */
  purchase_date: string;
  purchase_price_usd: number;
  /** YYYY-MM-DD */
  warranty_end: string;
  tdp_w: number;
}

/** Ground truth of one failure. */
export interface FailureRecord {
  gpu_uuid: string;
  failed_at_ms: number;
  fault_kind: FaultKind;
  /** When the degradation began (equal to failed_at_ms for sudden failures; may precede the simulation start). */
  onset_ms: number;
  xid: number;
  hostname: string;
}

/** A failed GPU's return to service; its volatile ECC counters restart at 0 (driver reload). */
export interface RepairRecord {
  gpu_uuid: string;
  repaired_at_ms: number;
}

export interface FleetTick {
  tsMs: number;
  /** One sample per GPU on the bus, in fleet order (host by host, gpu index within a host). */
  samples: GpuSample[];
}

interface PlannedFault {
  kind: FaultKind;
  onsetMs: number;
  failAtMs: number;
}

interface Host {
  index: number;
  hostname: string;
  rack: string;
  datacenter: string;
  model: GpuModelSpec;
  inletTempC: number;
  rng: Rng;
  jobActive: boolean;
  jobEndMs: number;
  nextJobStartMs: number;
  jobUtilPct: number;
  jobFbFraction: number;
}

interface GpuState {
  ordinal: number;
  index: number; // on its host
  host: Host;
  model: GpuModelSpec;
  uuid: string;
  serial: string;
  pciBusId: string;
  asset: GpuAssetRow;
  rng: Rng;
  faultRng: Rng;
  fault: PlannedFault | null;
  failedUntilMs: number | null; // set while failed
  failedOffBus: boolean;
  // Gauges carried between steps
  tempC: number;
  xidLast: number;
  rowRemapFailure: number;
  // Counters (fractional accumulators; reported rounded down)
  energyMj: number;
  pcieTxKb: number;
  pcieRxKb: number;
  pcieReplays: number;
  sbeVolatile: number;
  dbeVolatile: number;
  sbeAggregate: number;
  dbeAggregate: number;
  rowRemapCorrectable: number;
  rowRemapUncorrectable: number;
  nvlinkCrcFlit: number;
  nvlinkCrcData: number;
  nvlinkReplay: number;
  nvlinkRecovery: number;
  nvlinkBandwidth: number;
  powerViolationUs: number;
  thermalViolationUs: number;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

export class Fleet {
  readonly seed: number;
  readonly startMs: number;
  readonly stepMs: number;
  private readonly settings: {
    gpusPerHost: number;
    hostsPerRack: number;
    racksPerDatacenter: number;
    driverVersion: string;
    failuresPerGpuDay: number;
    faultRateMultiplier: number;
  };
  private readonly hostList: Host[] = [];
  private readonly gpuList: GpuState[] = [];
  private readonly failureLog: FailureRecord[] = [];
  private readonly repairLog: RepairRecord[] = [];
  private tsMs: number | null = null;

  constructor(options: FleetOptions) {
    if (!Number.isInteger(options.gpus) || options.gpus <= 0) throw new Error('gpus must be a positive integer');
    this.seed = options.seed;
    this.startMs = options.startMs;
    this.stepMs = options.stepMs ?? FLEET_DEFAULTS.stepMs;
    if (!(this.stepMs > 0)) throw new Error('stepMs must be positive');
    this.settings = {
      gpusPerHost: options.gpusPerHost ?? FLEET_DEFAULTS.gpusPerHost,
      hostsPerRack: options.hostsPerRack ?? FLEET_DEFAULTS.hostsPerRack,
      racksPerDatacenter: options.racksPerDatacenter ?? FLEET_DEFAULTS.racksPerDatacenter,
      driverVersion: options.driverVersion ?? FLEET_DEFAULTS.driverVersion,
      failuresPerGpuDay: options.failuresPerGpuDay ?? FLEET_DEFAULTS.failuresPerGpuDay,
      faultRateMultiplier: options.faultRateMultiplier ?? FLEET_DEFAULTS.faultRateMultiplier,
    };
    const modelMix = { ...FLEET_DEFAULTS.modelMix, ...(options.modelMix ?? {}) };

    const hostCount = Math.ceil(options.gpus / this.settings.gpusPerHost);
    for (let h = 0; h < hostCount; h++) this.hostList.push(this.makeHost(h, modelMix));
    for (let g = 0; g < options.gpus; g++) {
      const host = this.hostList[Math.floor(g / this.settings.gpusPerHost)]!;
      this.gpuList.push(this.makeGpu(g, g % this.settings.gpusPerHost, host));
    }
    for (const forced of options.forcedFaults ?? []) {
      const gpu = this.gpuList[forced.gpuOrdinal];
      if (gpu === undefined) throw new Error(`forced fault for GPU ${forced.gpuOrdinal}: no such GPU`);
      if (!(forced.failAtMs >= forced.onsetMs)) throw new Error('forced fault: failAtMs must not precede onsetMs');
      gpu.fault = { kind: forced.kind, onsetMs: forced.onsetMs, failAtMs: forced.failAtMs };
    }
  }

  /** Event time of the last tick, or null before the first step. */
  get nowMs(): number | null {
    return this.tsMs;
  }

  /** Host names, in order. */
  hosts(): string[] {
    return this.hostList.map((h) => h.hostname);
  }

  /** Rows for gpu_assets. */
  assets(): GpuAssetRow[] {
    return this.gpuList.map((g) => ({ ...g.asset }));
  }

  /** Failures that have happened up to the current tick, in time order. */
  failures(): FailureRecord[] {
    return this.failureLog.map((f) => ({ ...f }));
  }

  repairs(): RepairRecord[] {
    return this.repairLog.map((r) => ({ ...r }));
  }

  /** Advances one step (the first call yields startMs) and returns every GPU's sample. */
  step(): FleetTick {
    const tsMs = this.tsMs === null ? this.startMs : this.tsMs + this.stepMs;
    const dtMs = this.tsMs === null ? 0 : this.stepMs;
    this.tsMs = tsMs;
    for (const host of this.hostList) this.advanceHost(host, tsMs);
    const samples: GpuSample[] = [];
    for (const gpu of this.gpuList) {
      const sample = this.advanceGpu(gpu, tsMs, dtMs);
      if (sample !== null) samples.push(sample);
    }
    return { tsMs, samples };
  }

  /** Steps until the tick time reaches untilMs (inclusive). */
  *ticks(untilMs: number): Generator<FleetTick> {
    while ((this.tsMs === null ? this.startMs : this.tsMs + this.stepMs) <= untilMs) yield this.step();
  }

  // ---- construction ----

  private makeHost(index: number, modelMix: Record<GpuModelName, number>): Host {
    const rng = new Rng(hash32(this.seed, 'host', index));
    const rackOrdinal = Math.floor(index / this.settings.hostsPerRack);
    const dcOrdinal = Math.floor(rackOrdinal / this.settings.racksPerDatacenter);
    const datacenter = `dc${dcOrdinal + 1}`;
    const rack = `${datacenter}-r${String((rackOrdinal % this.settings.racksPerDatacenter) + 1).padStart(2, '0')}`;
    const hostname = `${rack}-n${String((index % this.settings.hostsPerRack) + 1).padStart(2, '0')}`;
    const model = GPU_MODELS[rng.weighted(modelMix)];
    const inletRng = new Rng(hash32(this.seed, 'rack', rackOrdinal));
    return {
      index,
      hostname,
      rack,
      datacenter,
      model,
      inletTempC: inletRng.uniform(FLEET_DEFAULTS.inletTempC[0], FLEET_DEFAULTS.inletTempC[1]),
      rng,
      jobActive: false,
      jobEndMs: 0,
      // Hosts start at staggered times so the fleet does not move in lock step.
      nextJobStartMs: this.startMs + rng.exponential(FLEET_DEFAULTS.idleGapMeanMs),
      jobUtilPct: 0,
      jobFbFraction: 0,
    };
  }

  private makeGpu(ordinal: number, index: number, host: Host): GpuState {
    const idRng = new Rng(hash32(this.seed, 'gpu-identity', ordinal));
    const model = host.model;
    const uuid = `GPU-${idRng.hex(8)}-${idRng.hex(4)}-${idRng.hex(4)}-${idRng.hex(4)}-${idRng.hex(12)}`;
    const serial = `${model.serialPrefix}${String(idRng.int(0, 999_999_999)).padStart(9, '0')}`;
    const bus = model.pciBuses[index % model.pciBuses.length]!;
    const pciBusId = `00000000:${bus}:00.0`;
    // Identical purchase per host: a node is bought whole.
    const hostRng = new Rng(hash32(this.seed, 'host-purchase', host.index));
    const ageMs = hostRng.uniform(model.ageYears[0], model.ageYears[1]) * TIME_MS.year;
    const purchaseMs = Math.floor((this.startMs - ageMs) / TIME_MS.day) * TIME_MS.day;
    const priceUsd = Math.round((model.listPriceUsd * hostRng.uniform(0.9, 1.1)) / 100) * 100;
    const rng = new Rng(hash32(this.seed, 'gpu', ordinal));
    const faultRng = new Rng(hash32(this.seed, 'fault', ordinal));
    // A little history: persistent ECC counts and a warm start near idle temperature.
    const sbeHistory = rng.chance(0.1) ? rng.int(1, 5) : 0;
    const gpu: GpuState = {
      ordinal,
      index,
      host,
      model,
      uuid,
      serial,
      pciBusId,
      asset: {
        gpu_uuid: uuid,
        serial,
        model: model.name,
        hostname: host.hostname,
        rack: host.rack,
        datacenter: host.datacenter,
        purchase_date: isoDate(purchaseMs),
        purchase_price_usd: priceUsd,
        warranty_end: isoDate(purchaseMs + FLEET_DEFAULTS.warrantyMs),
        tdp_w: model.tdpW,
      },
      rng,
      faultRng,
      fault: null,
      failedUntilMs: null,
      failedOffBus: false,
      tempC: host.inletTempC + model.idlePowerW * model.thermalResistanceCPerW,
      xidLast: 0,
      rowRemapFailure: 0,
      energyMj: rng.uniform(0, 1e9), // since boot: nodes booted at different times
      pcieTxKb: rng.uniform(0, 1e9),
      pcieRxKb: rng.uniform(0, 1e9),
      pcieReplays: 0,
      sbeVolatile: 0,
      dbeVolatile: 0,
      sbeAggregate: sbeHistory,
      dbeAggregate: 0,
      rowRemapCorrectable: sbeHistory > 2 ? 1 : 0,
      rowRemapUncorrectable: 0,
      nvlinkCrcFlit: 0,
      nvlinkCrcData: 0,
      nvlinkReplay: 0,
      nvlinkRecovery: 0,
      nvlinkBandwidth: rng.uniform(0, 1e9),
      powerViolationUs: 0,
      thermalViolationUs: 0,
    };
    // A fleet in steady state: a degradation may already be under way at the start.
    gpu.fault = this.drawFault(gpu, this.startMs, true);
    return gpu;
  }

  /** Competing risks: total rate over kinds, the kind by its share of that rate. */
  private drawFault(gpu: GpuState, fromMs: number, allowOnsetBeforeFrom: boolean): PlannedFault {
    const perMs = (this.settings.failuresPerGpuDay * this.settings.faultRateMultiplier) / TIME_MS.day;
    const rates = {} as Record<FaultKind, number>;
    let total = 0;
    for (const kind of Object.keys(FAULT_KINDS) as FaultKind[]) {
      const factor = kind === 'hbm_memory' ? gpu.model.hbmFaultFactor : 1;
      rates[kind] = perMs * FAULT_KINDS[kind].share * factor;
      total += rates[kind];
    }
    const failAtMs = fromMs + gpu.faultRng.exponential(1 / total);
    const kind = gpu.faultRng.weighted(rates);
    const [leadMin, leadMax] = FAULT_KINDS[kind].leadMs;
    const lead = gpu.faultRng.uniform(leadMin, leadMax);
    const onsetMs = allowOnsetBeforeFrom ? failAtMs - lead : Math.max(fromMs, failAtMs - lead);
    return { kind, onsetMs, failAtMs };
  }

  // ---- workload ----

  private diurnalFactor(tsMs: number): number {
    const hourOfDay = (tsMs % TIME_MS.day) / TIME_MS.hour;
    const peakHour = 14; // mid-afternoon
    return 1 + FLEET_DEFAULTS.diurnalAmplitude * Math.cos((2 * Math.PI * (hourOfDay - peakHour)) / 24);
  }

  private advanceHost(host: Host, tsMs: number): void {
    if (host.jobActive && tsMs >= host.jobEndMs) this.endJob(host, tsMs);
    if (!host.jobActive && tsMs >= host.nextJobStartMs) {
      host.jobActive = true;
      const durationMs = FLEET_DEFAULTS.jobMedianMs * Math.exp(host.rng.normal(0, FLEET_DEFAULTS.jobDurationSigma));
      host.jobEndMs = tsMs + Math.max(this.stepMs, durationMs);
      host.jobUtilPct = host.rng.uniform(FLEET_DEFAULTS.jobUtilPct[0], FLEET_DEFAULTS.jobUtilPct[1]);
      host.jobFbFraction = host.rng.uniform(FLEET_DEFAULTS.jobFbFraction[0], FLEET_DEFAULTS.jobFbFraction[1]);
    }
  }

  private endJob(host: Host, tsMs: number): void {
    host.jobActive = false;
    // Busier by day: shorter gaps between jobs when the diurnal factor is high.
    host.nextJobStartMs = tsMs + host.rng.exponential(FLEET_DEFAULTS.idleGapMeanMs / this.diurnalFactor(tsMs));
  }

  // ---- one GPU, one step ----

  private severity(gpu: GpuState, tsMs: number): number {
    const f = gpu.fault;
    if (f === null || tsMs < f.onsetMs || f.failAtMs <= f.onsetMs) return 0;
    const s = clamp((tsMs - f.onsetMs) / (f.failAtMs - f.onsetMs), 0, 1);
    return s * s; // degradations accelerate towards the end
  }

  private fail(gpu: GpuState, tsMs: number): void {
    const fault = gpu.fault!;
    const spec = FAULT_KINDS[fault.kind];
    let xid = spec.xid;
    if (fault.kind === 'hbm_memory') {
      gpu.dbeVolatile += 1;
      gpu.dbeAggregate += 1;
      // Some HBM failures end in a remap that cannot be done: XID 64 and the RMA flag.
      if (gpu.faultRng.chance(0.4)) {
        xid = 64;
        gpu.rowRemapFailure = 1;
      } else {
        gpu.rowRemapUncorrectable += 1;
      }
    }
    gpu.xidLast = xid;
    gpu.failedOffBus = spec.offBus;
    const [repairMin, repairMax] = FLEET_DEFAULTS.repairMs;
    gpu.failedUntilMs = fault.failAtMs + gpu.faultRng.uniform(repairMin, repairMax);
    this.failureLog.push({
      gpu_uuid: gpu.uuid,
      failed_at_ms: fault.failAtMs,
      fault_kind: fault.kind,
      onset_ms: fault.onsetMs,
      xid,
      hostname: gpu.host.hostname,
    });
    // The job on the node dies with the GPU.
    if (gpu.host.jobActive) this.endJob(gpu.host, tsMs);
  }

  private repair(gpu: GpuState, tsMs: number): void {
    gpu.failedUntilMs = null;
    gpu.failedOffBus = false;
    gpu.xidLast = 0;
    gpu.rowRemapFailure = 0; // the board or its memory was replaced
    gpu.sbeVolatile = 0; // volatile counts restart with the driver
    gpu.dbeVolatile = 0;
    this.repairLog.push({ gpu_uuid: gpu.uuid, repaired_at_ms: tsMs });
    gpu.fault = this.drawFault(gpu, tsMs, false);
  }

  private advanceGpu(gpu: GpuState, tsMs: number, dtMs: number): GpuSample | null {
    const { model, host, rng } = gpu;
    const dtS = dtMs / 1000;
    const dtUs = dtMs * 1000;

    if (gpu.failedUntilMs !== null && tsMs >= gpu.failedUntilMs) this.repair(gpu, tsMs);
    if (gpu.failedUntilMs === null && gpu.fault !== null && tsMs >= gpu.fault.failAtMs) this.fail(gpu, tsMs);
    const failed = gpu.failedUntilMs !== null;
    if (failed && gpu.failedOffBus) {
      // Off the bus: DCGM cannot see it; it cools and draws nothing we can measure.
      gpu.tempC = host.inletTempC;
      return null;
    }

    const kind = failed ? null : (gpu.fault?.kind ?? null);
    const sev = failed ? 0 : this.severity(gpu, tsMs);
    const busy = !failed && host.jobActive;
    let reasons = 0;

    // Utilisation: the host's job, swaying with the day, plus noise.
    let utilPct = 0;
    if (busy) {
      const sway = 0.9 + 0.1 * this.diurnalFactor(tsMs) / (1 + FLEET_DEFAULTS.diurnalAmplitude);
      utilPct = clamp(host.jobUtilPct * sway + rng.normal(0, 3), 0, 100);
      // A GSP that is going bad stalls the GPU now and then.
      if (kind === 'gsp' && rng.chance(0.4 * Math.sqrt(sev))) utilPct = 0;
    }
    if (utilPct < 1) reasons |= CLOCKS_EVENT.gpuIdle;

    // Power follows utilisation; above TDP the power cap holds it there.
    const load = utilPct / 100;
    let powerW = model.idlePowerW + (model.tdpW - model.idlePowerW) * Math.pow(load, 1.1) * rng.uniform(0.97, 1.08);
    powerW += rng.normal(0, 0.004 * model.tdpW);
    let clockFactor = 1;
    let powerViolationFrac = 0;
    if (powerW > model.tdpW) {
      powerW = model.tdpW - rng.uniform(0, 0.01 * model.tdpW);
      reasons |= CLOCKS_EVENT.swPowerCap;
      clockFactor *= 0.95;
      powerViolationFrac = Math.max(powerViolationFrac, 0.5);
    }
    // Failing power delivery: the board asserts power brake, clocks and power collapse.
    if (kind === 'power_delivery' && busy && rng.chance(0.6 * sev)) {
      reasons |= CLOCKS_EVENT.hwPowerBrake;
      powerW *= 0.55;
      clockFactor *= 0.5;
      powerViolationFrac = 1;
    }
    powerW = Math.max(model.idlePowerW * 0.8, powerW);

    // Temperature: first-order lag towards inlet + power × thermal resistance. Failing
    // cooling raises the resistance, so the same power runs hotter.
    const resistance = model.thermalResistanceCPerW * (1 + (kind === 'thermal' ? 1.2 * sev : 0));
    let targetC = host.inletTempC + powerW * resistance;
    let thermalViolationFrac = 0;
    // Past its slowdown temperature the GPU sheds clocks and power until it holds there,
    // which is why bad cooling shows as throttling and lost clocks more than as heat.
    const holdC = model.slowdownTempC + FLEET_DEFAULTS.thermalHoldAboveSlowdownC;
    if (targetC > holdC) {
      const allowedW = Math.max(model.idlePowerW * 0.8, (holdC - host.inletTempC) / resistance);
      const ratio = allowedW / powerW;
      powerW = allowedW;
      clockFactor *= ratio;
      reasons |= CLOCKS_EVENT.swThermal;
      if (ratio < 0.85) reasons |= CLOCKS_EVENT.hwThermal;
      thermalViolationFrac = clamp(1 - ratio, 0.1, 1);
      targetC = host.inletTempC + powerW * resistance;
    }
    const alpha = dtMs === 0 ? 1 : 1 - Math.exp(-dtMs / FLEET_DEFAULTS.thermalTimeConstantMs);
    gpu.tempC += (targetC - gpu.tempC) * alpha + rng.normal(0, 0.2);

    const smClockMhz = busy && utilPct >= 1
      ? model.smClockMaxMhz * clockFactor + rng.normal(0, 5)
      : model.smClockIdleMhz;
    const memTempC = gpu.tempC + 2 + 6 * load + rng.normal(0, 0.3);

    const fbUsedMib = busy
      ? clamp((model.fbTotalMib - model.fbReservedMib) * host.jobFbFraction + rng.normal(0, 64), 0, model.fbTotalMib - model.fbReservedMib)
      : 0;
    const fbFreeMib = model.fbTotalMib - model.fbReservedMib - Math.round(fbUsedMib);

    // Counters.
    gpu.energyMj += powerW * dtS * 1000;
    const pcieRate = FLEET_DEFAULTS.pcieKbPerSecondAtFullUtil * (0.02 + load);
    gpu.pcieTxKb += pcieRate * dtS * rng.uniform(0.6, 1.2);
    gpu.pcieRxKb += pcieRate * dtS * rng.uniform(0.6, 1.2);
    gpu.nvlinkBandwidth += FLEET_DEFAULTS.nvlinkUnitsPerSecondAtFullUtil * load * dtS * rng.uniform(0.8, 1.2);
    gpu.powerViolationUs += dtUs * powerViolationFrac;
    gpu.thermalViolationUs += dtUs * thermalViolationFrac;

    let replayRate = FLEET_DEFAULTS.healthyPcieReplayPerSecond;
    if (kind === 'pcie_link') replayRate += 2e-5 * Math.exp(12 * sev);
    gpu.pcieReplays += rng.poisson(replayRate * dtS);

    if (kind === 'nvlink' && sev > 0) {
      const flit = rng.poisson(1e-5 * Math.exp(12 * sev) * dtS * (0.3 + load));
      gpu.nvlinkCrcFlit += flit;
      gpu.nvlinkCrcData += rng.poisson(flit * 0.5);
      gpu.nvlinkReplay += rng.poisson(flit * 0.6);
      gpu.nvlinkRecovery += rng.poisson(flit * 0.01);
    }

    let sbeRate = FLEET_DEFAULTS.healthySbePerSecond;
    if (kind === 'hbm_memory') sbeRate += 1e-5 * Math.exp(11 * sev);
    const sbe = rng.poisson(sbeRate * dtS);
    if (sbe > 0) {
      gpu.sbeVolatile += sbe;
      gpu.sbeAggregate += sbe;
      const remaps = rng.poisson(sbe * 0.05);
      gpu.rowRemapCorrectable += remaps;
      if (sbe >= 10) gpu.xidLast = 92; // excessive SBE interrupts
    }
    // Late in an HBM degradation, uncorrectable errors appear and their rows get remapped.
    if (kind === 'hbm_memory' && sev > 0.35) {
      const dbe = rng.poisson(5e-6 * Math.exp(10 * (sev - 0.35)) * dtS);
      if (dbe > 0) {
        gpu.dbeVolatile += dbe;
        gpu.dbeAggregate += dbe;
        gpu.rowRemapUncorrectable += dbe;
        gpu.xidLast = 63; // a row remapping event (after the XID 48 it replaced)
      }
    }
    if (busy && rng.chance(FLEET_DEFAULTS.benignXidPerSecond * dtS)) {
      gpu.xidLast = [13, 31, 43][rng.int(0, 2)]!;
    }

    const sample = emptyGpuSample({
      gpu_uuid: gpu.uuid,
      ts_ms: tsMs,
      hostname: host.hostname,
      gpu_index: gpu.index,
      model_name: model.name,
      pci_bus_id: gpu.pciBusId,
      driver_version: this.settings.driverVersion,
      source: `sim://${this.seed}`,
    });
    // Values carry the exporter's precision (integers, power in mW), so printing and
    // parsing them back gives the same numbers.
    sample.gpu_temp_c = Math.round(gpu.tempC);
    sample.memory_temp_c = Math.round(memTempC);
    sample.power_w = Math.round(powerW * 1000) / 1000;
    sample.energy_mj = Math.floor(gpu.energyMj);
    sample.gpu_util_pct = Math.round(utilPct);
    sample.mem_copy_util_pct = Math.round(clamp(utilPct * 0.45 + (busy ? rng.normal(0, 2) : 0), 0, 100));
    sample.enc_util_pct = 0;
    sample.dec_util_pct = 0;
    sample.sm_clock_mhz = Math.round(smClockMhz);
    sample.mem_clock_mhz = model.memClockMhz;
    sample.fb_used_mib = Math.round(fbUsedMib);
    sample.fb_free_mib = fbFreeMib;
    sample.pcie_tx_kb = Math.floor(gpu.pcieTxKb);
    sample.pcie_rx_kb = Math.floor(gpu.pcieRxKb);
    sample.pcie_replay_total = gpu.pcieReplays;
    sample.xid_last = gpu.xidLast;
    sample.ecc_sbe_volatile_total = gpu.sbeVolatile;
    sample.ecc_dbe_volatile_total = gpu.dbeVolatile;
    sample.ecc_sbe_aggregate_total = gpu.sbeAggregate;
    sample.ecc_dbe_aggregate_total = gpu.dbeAggregate;
    // HBM GPUs remap rows instead of retiring pages; DCGM reports 0 here.
    sample.retired_pages_sbe = 0;
    sample.retired_pages_dbe = 0;
    sample.retired_pages_pending = 0;
    sample.row_remap_correctable = gpu.rowRemapCorrectable;
    sample.row_remap_uncorrectable = gpu.rowRemapUncorrectable;
    sample.row_remap_failure = gpu.rowRemapFailure;
    sample.nvlink_crc_flit_errors_total = gpu.nvlinkCrcFlit;
    sample.nvlink_crc_data_errors_total = gpu.nvlinkCrcData;
    sample.nvlink_replay_errors_total = gpu.nvlinkReplay;
    sample.nvlink_recovery_errors_total = gpu.nvlinkRecovery;
    sample.nvlink_bandwidth_total = Math.floor(gpu.nvlinkBandwidth);
    sample.power_violation_us = Math.floor(gpu.powerViolationUs);
    sample.thermal_violation_us = Math.floor(gpu.thermalViolationUs);
    sample.clocks_event_reasons = reasons;
    return sample;
  }
}
