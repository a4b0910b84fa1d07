/**
 * Board power limits (TDP) by the modelName dcgm-exporter reports, for range checks and scores.
 * Matched by pattern because the names vary by form factor and memory size.
 */
const TDP_BY_MODEL: readonly { readonly pattern: RegExp; readonly tdpW: number }[] = Object.freeze([
  { pattern: /H200/i, tdpW: 700 },
  { pattern: /H100.*(PCIe)/i, tdpW: 350 },
  { pattern: /H100 NVL/i, tdpW: 400 },
  { pattern: /H100/i, tdpW: 700 }, // SXM5
  { pattern: /A100.*PCIE/i, tdpW: 300 },
  { pattern: /A100/i, tdpW: 400 }, // SXM4
  { pattern: /B200/i, tdpW: 1000 },
  { pattern: /L40S?/i, tdpW: 350 },
  { pattern: /V100/i, tdpW: 300 },
]);

/** The board power limit in watts, or null for a model this table does not know. */
export function tdpForModel(modelName: string): number | null {
  return TDP_BY_MODEL.find((m) => m.pattern.test(modelName))?.tdpW ?? null;
}
