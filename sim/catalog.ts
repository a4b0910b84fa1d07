// What the simulator knows about GPU models, fault kinds and their rates, and its defaults.
// Rates and mixes come from shared/domain.md (Llama 3 pre-training on 16,384 H100s; Delta's
// H100-vs-A100 memory error ratio); physical constants are typical published figures.

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const TIME_MS = Object.freeze({ second: 1_000, minute: 60_000, hour: HOUR_MS, day: DAY_MS, year: 365 * DAY_MS });

export type GpuModelName = 'NVIDIA A100-SXM4-80GB' | 'NVIDIA H100 80GB HBM3' | 'NVIDIA H200';

export interface GpuModelSpec {
  readonly name: GpuModelName;
  readonly tdpW: number;
  readonly idlePowerW: number;
  readonly fbTotalMib: number;
  /** Framebuffer the driver keeps for itself: never in used or free. */
  readonly fbReservedMib: number;
  readonly smClockMaxMhz: number;
  readonly smClockIdleMhz: number;
  readonly memClockMhz: number;
  /** Die temperature rise per watt above inlet air, with healthy cooling (°C/W). */
  readonly thermalResistanceCPerW: number;
  /** Temperature where software thermal slowdown starts (°C). */
  readonly slowdownTempC: number;
  readonly listPriceUsd: number;
  /** Age range of the installed base at the simulation start (years). */
  readonly ageYears: readonly [number, number];
  /** HBM fault rate relative to H100 (Delta: H100 memory errors 3.2× A100's per GPU). */
  readonly hbmFaultFactor: number;
  /** Serial number prefix (4 digits), as NVIDIA board serials are 13 digits. */
  readonly serialPrefix: string;
  /** PCI bus numbers of the eight GPUs of a typical 8-GPU board of this model. */
  readonly pciBuses: readonly string[];
}

export const GPU_MODELS: Readonly<Record<GpuModelName, GpuModelSpec>> = Object.freeze({
  'NVIDIA A100-SXM4-80GB': Object.freeze({
    name: 'NVIDIA A100-SXM4-80GB',
    tdpW: 400,
    idlePowerW: 55,
    fbTotalMib: 81920,
    fbReservedMib: 512,
    smClockMaxMhz: 1410,
    smClockIdleMhz: 210,
    memClockMhz: 1593,
    thermalResistanceCPerW: 0.11,
    slowdownTempC: 85,
    listPriceUsd: 15_000,
    ageYears: [1.5, 4] as const,
    hbmFaultFactor: 1 / 3.2,
    serialPrefix: '1564',
    pciBuses: ['07', '0F', '47', '4E', '87', '90', 'B7', 'BD'],
  }),
  'NVIDIA H100 80GB HBM3': Object.freeze({
    name: 'NVIDIA H100 80GB HBM3',
    tdpW: 700,
    idlePowerW: 68,
    fbTotalMib: 81559,
    fbReservedMib: 579,
    smClockMaxMhz: 1980,
    smClockIdleMhz: 345,
    memClockMhz: 2619,
    thermalResistanceCPerW: 0.075,
    slowdownTempC: 87,
    listPriceUsd: 33_750, // a DGX H100 (8 GPUs) at about $270k
    ageYears: [0.5, 2.5] as const,
    hbmFaultFactor: 1,
    serialPrefix: '1654',
    pciBuses: ['53', '64', '75', '86', '97', 'A8', 'B9', 'CA'], // as in the real 8×H100 scrape
  }),
  'NVIDIA H200': Object.freeze({
    name: 'NVIDIA H200',
    tdpW: 700,
    idlePowerW: 75,
    fbTotalMib: 143771,
    fbReservedMib: 620,
    smClockMaxMhz: 1980,
    smClockIdleMhz: 345,
    memClockMhz: 3201,
    thermalResistanceCPerW: 0.074,
    slowdownTempC: 87,
    listPriceUsd: 40_000,
    ageYears: [0, 1] as const,
    hbmFaultFactor: 1,
    serialPrefix: '1655',
    pciBuses: ['19', '3B', '4C', '5D', '9B', 'BB', 'CB', 'DB'],
  }),
});

export type FaultKind =
  | 'thermal' // cooling degrades: hotter at the same power, thermal slowdown, then off the bus
  | 'hbm_memory' // HBM: rising SBE → DBE → row remaps → XID 48/63, fatal 48 or 64
  | 'pcie_link' // PCIe: rising replays, then XID 79 (fallen off the bus)
  | 'nvlink' // NVLink: rising CRC/replay/recovery errors, then XID 74
  | 'power_delivery' // power brake events and power violations, then off the bus
  | 'gsp' // GSP firmware: stalls for hours, then XID 119/120
  | 'sram' // on-chip SRAM: uncontained error XID 95, no warning
  | 'sudden'; // a faulty GPU that dies with no warning (XID 79)

export interface FaultKindSpec {
  /** Share of all GPU failures (sums to 1 over kinds). */
  readonly share: number;
  /** How long before the failure the degradation starts: [min, max] ms; [0, 0] = none. */
  readonly leadMs: readonly [number, number];
  /** XID reported when it fails. */
  readonly xid: number;
  /** A GPU that fails this way falls off the bus and stops appearing in scrapes. */
  readonly offBus: boolean;
}

// Llama 3 (GPU-related interruptions): faulty GPU 148, HBM3 72, SRAM 19, GSP 17 of 256.
// "Faulty GPU" (58%) is split here over thermal, links, power delivery and sudden deaths.
export const FAULT_KINDS: Readonly<Record<FaultKind, FaultKindSpec>> = Object.freeze({
  thermal: { share: 0.17, leadMs: [3 * DAY_MS, 21 * DAY_MS], xid: 79, offBus: true },
  hbm_memory: { share: 0.28, leadMs: [1 * DAY_MS, 14 * DAY_MS], xid: 48, offBus: false },
  pcie_link: { share: 0.08, leadMs: [12 * HOUR_MS, 7 * DAY_MS], xid: 79, offBus: true },
  nvlink: { share: 0.08, leadMs: [12 * HOUR_MS, 7 * DAY_MS], xid: 74, offBus: false },
  power_delivery: { share: 0.1, leadMs: [6 * HOUR_MS, 5 * DAY_MS], xid: 79, offBus: true },
  gsp: { share: 0.07, leadMs: [1 * HOUR_MS, 12 * HOUR_MS], xid: 119, offBus: false },
  sram: { share: 0.07, leadMs: [0, 0], xid: 95, offBus: false },
  sudden: { share: 0.15, leadMs: [0, 0], xid: 79, offBus: true },
});

export const FLEET_DEFAULTS = Object.freeze({
  stepMs: 10_000, // 10 s: dcgm-exporter's usual collection interval
  gpusPerHost: 8,
  hostsPerRack: 4,
  racksPerDatacenter: 16,
  modelMix: Object.freeze({
    'NVIDIA A100-SXM4-80GB': 0.35,
    'NVIDIA H100 80GB HBM3': 0.45,
    'NVIDIA H200': 0.2,
  }) as Readonly<Record<GpuModelName, number>>,
  driverVersion: '570.133.20',
  /** GPU failures per GPU-day (Llama 3: 419 interruptions / (16,384 GPUs × 54 days)). */
  failuresPerGpuDay: 4.7e-4,
  /** Multiplies every fault rate; tests raise it to see failures within a simulated day. */
  faultRateMultiplier: 1,
  /** Time from a failure to the GPU's return to service: [min, max] ms (swap in hours to weeks). */
  repairMs: Object.freeze([4 * HOUR_MS, 7 * DAY_MS]) as readonly [number, number],
  warrantyMs: 3 * 365 * DAY_MS, // three years from purchase
  // Workload
  jobMedianMs: 4 * HOUR_MS,
  jobDurationSigma: 1, // lognormal sigma of job length
  idleGapMeanMs: 45 * 60_000, // mean idle time between jobs at the daily average load
  diurnalAmplitude: 0.4, // ±40% load swing over the day, peak mid-afternoon (UTC)
  jobUtilPct: Object.freeze([70, 100]) as readonly [number, number],
  jobFbFraction: Object.freeze([0.4, 0.95]) as readonly [number, number],
  // Thermals
  inletTempC: Object.freeze([20, 27]) as readonly [number, number], // per rack
  thermalTimeConstantMs: 90_000, // die temperature settles in a few minutes
  thermalHoldAboveSlowdownC: 2, // the throttle holds the die this far above slowdown (°C)
  // Link traffic at full utilisation
  pcieKbPerSecondAtFullUtil: 2_000_000, // about 2 GB/s each way
  nvlinkUnitsPerSecondAtFullUtil: 300_000,
  // Background error rates of a healthy GPU
  healthySbePerSecond: 1e-7, // about one SBE per GPU every four months
  healthyPcieReplayPerSecond: 2e-7,
  benignXidPerSecond: 2e-7, // application XIDs (13, 31, 43) on busy GPUs, a few a month per fleet of 8
});

export type FleetDefaults = typeof FLEET_DEFAULTS;
