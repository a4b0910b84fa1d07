import { z } from 'zod';
import type { ResolvedPipeline } from './definition.js';
import type { AnyStageDefinition } from './stage.js';

export interface ParamDoc {
  readonly name: string;
  readonly type: string;
  readonly default?: unknown;
  readonly description?: string;
  readonly required: boolean;
}

/** Parameters of a stage kind, read from its zod schema (the single source of truth). */
export function paramDocs(def: AnyStageDefinition): ParamDoc[] {
  const json = z.toJSONSchema(def.params, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, { type?: string | string[]; default?: unknown; description?: string; items?: { type?: string } }>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, p]) => ({
    name,
    type: Array.isArray(p.type) ? p.type.join('|') : p.type === 'array' ? `${p.items?.type ?? 'any'}[]` : (p.type ?? 'any'),
    default: p.default,
    description: p.description,
    required: (json.required ?? []).includes(name) && p.default === undefined,
  }));
}

export interface PipelineDescription {
  readonly name: string;
  readonly description?: string;
  readonly topics: { name: string; record: string; partitions: number; key: string | null }[];
  readonly stages: {
    name: string;
    kind: string;
    description: string;
    inputs: readonly string[];
    output: string | null;
    dead_letter: string | null;
    replicas: number;
    params: (ParamDoc & { value: unknown })[];
  }[];
}

export function describePipeline(pipeline: ResolvedPipeline): PipelineDescription {
  return {
    name: pipeline.name,
    description: pipeline.description,
    topics: [...pipeline.topics.values()].map((t) => ({ name: t.name, record: t.record, partitions: t.partitions, key: t.key })),
    stages: [...pipeline.stages.values()].map((s) => ({
      name: s.name,
      kind: s.kind,
      description: s.definition.description,
      inputs: s.inputs,
      output: s.output,
      dead_letter: s.deadLetter,
      replicas: s.replicas,
      params: paramDocs(s.definition).map((p) => ({ ...p, value: (s.params as Record<string, unknown>)[p.name] })),
    })),
  };
}

const show = (v: unknown): string => (v === undefined ? '—' : JSON.stringify(v));

/** The graph as text: topics, then each stage with its edges and parameters (value, default). */
export function formatDescription(d: PipelineDescription): string {
  const lines = [`pipeline ${d.name}${d.description ? ` — ${d.description}` : ''}`, '', 'topics:'];
  for (const t of d.topics) lines.push(`  ${t.name}  (${t.record}, ${t.partitions} partitions, key ${t.key ?? 'none'})`);
  lines.push('', 'stages:');
  for (const s of d.stages) {
    const from = s.inputs.length ? s.inputs.join(', ') : '(source)';
    const to = s.output ?? '(terminal)';
    lines.push(`  ${s.name} [${s.kind}]  ${from} → ${to}${s.dead_letter ? `  ⤷ ${s.dead_letter}` : ''}${s.replicas > 1 ? `  ×${s.replicas}` : ''}`);
    lines.push(`      ${s.description}`);
    for (const p of s.params) {
      lines.push(`      ${p.name}: ${show(p.value)}  (${p.type}, default ${show(p.default)})${p.description ? ` — ${p.description}` : ''}`);
    }
  }
  return lines.join('\n');
}

/** The stage catalogue as Markdown, for the README. */
export function catalogueMarkdown(catalogue: ReadonlyMap<string, AnyStageDefinition>): string {
  const out: string[] = [];
  for (const def of [...catalogue.values()].sort((a, b) => a.kind.localeCompare(b.kind))) {
    out.push(`### \`${def.kind}\``, '', def.description, '', `Reads: ${def.input.join(', ') || '(source)'} · writes: ${def.output ?? '(terminal)'}`, '');
    const params = paramDocs(def);
    if (params.length) {
      out.push('| parameter | type | default | description |', '|---|---|---|---|');
      for (const p of params) out.push(`| \`${p.name}\` | ${p.type} | ${show(p.default)} | ${p.description ?? ''} |`);
      out.push('');
    }
  }
  return out.join('\n');
}
