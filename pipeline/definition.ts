import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { avroCatalogue } from './avro.js';
import type { AnyStageDefinition } from './stage.js';

const name = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*$/, 'expected a lower-case name (letters, digits, _ and -)');

export const TopicSpec = z
  .object({
    record: z.string().min(1).describe('Avro record name of the values (a file in avro/).'),
    partitions: z.number().int().positive('expected a positive integer').default(6).describe('Partition count.'),
    key: z.string().nullable().default('gpu_uuid').describe('Field of the record used as the key, dotted through nested records (null: no key).'),
    retention_ms: z.number().int().positive().optional().describe('Broker retention for the topic (ms).'),
    description: z.string().optional(),
  })
  .strict();

export const StageSpec = z
  .object({
    kind: z.string().min(1).describe('Stage implementation from the catalogue.'),
    input: z.union([z.string(), z.array(z.string()).min(1)]).optional().describe('Input topic(s); none for a source.'),
    output: z.string().optional().describe('Output topic; none for a terminal stage.'),
    dead_letter: z.string().optional().describe('Dead-letter topic for inputs the stage cannot handle.'),
    params: z.record(z.string(), z.unknown()).default({}).describe("The stage kind's parameters."),
    replicas: z.number().int().positive('expected a positive integer').default(1).describe('Processes in cluster mode.'),
  })
  .strict();

export const PipelineSpec = z
  .object({
    name,
    description: z.string().optional(),
    topics: z.record(z.string().regex(/^[a-z][a-z0-9_.-]*$/, 'expected a topic name like gpu.samples.raw'), TopicSpec),
    stages: z.record(name, StageSpec),
  })
  .strict();

export type TopicSpecInput = z.input<typeof TopicSpec>;
export type StageSpecInput = z.input<typeof StageSpec>;
/** What a user writes (defaults optional). */
export type PipelineSpecInput = z.input<typeof PipelineSpec>;

export interface ResolvedTopic extends z.output<typeof TopicSpec> {
  readonly name: string;
}

export interface ResolvedStage {
  readonly name: string;
  readonly kind: string;
  readonly definition: AnyStageDefinition;
  readonly inputs: readonly string[];
  readonly output: string | null;
  readonly deadLetter: string | null;
  readonly params: unknown;
  readonly replicas: number;
}

export interface ResolvedPipeline {
  readonly name: string;
  readonly description?: string;
  readonly topics: ReadonlyMap<string, ResolvedTopic>;
  readonly stages: ReadonlyMap<string, ResolvedStage>;
}

export class DefinitionError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid pipeline definition:\n  ${problems.join('\n  ')}`);
    this.name = 'DefinitionError';
  }
}

/** Whether a (possibly dotted, through nested records) field path exists in a record schema. */
function hasFieldPath(schema: unknown, path: readonly string[]): boolean {
  if (!path.length) return true;
  const fields = (schema as { fields?: { name: string; type: unknown }[] }).fields ?? [];
  const field = fields.find((f) => f.name === path[0]);
  if (!field) return false;
  return path.length === 1 || hasFieldPath(field.type, path.slice(1));
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}

function describeIssue(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): string {
  return `${pathOf([...prefix, ...issue.path]) || '(root)'}: ${issue.message}`;
}

/**
 * Validates a pipeline definition against the stage catalogue: the shape (zod), then every cross
 * reference (topics exist, records match what stages read and write, parameters valid for the kind).
 * Every problem is reported with its exact path.
 */
export function resolvePipeline(input: unknown, catalogue: ReadonlyMap<string, AnyStageDefinition>): ResolvedPipeline {
  const parsed = PipelineSpec.safeParse(input);
  if (!parsed.success) throw new DefinitionError(parsed.error.issues.map((i) => describeIssue(i)));
  const spec = parsed.data;
  const problems: string[] = [];
  const records = avroCatalogue();

  const topics = new Map<string, ResolvedTopic>();
  for (const [topicName, topic] of Object.entries(spec.topics)) {
    const record = records.get(topic.record);
    if (!record) problems.push(`topics.${topicName}.record: unknown Avro record "${topic.record}"`);
    else if (topic.key !== null && !hasFieldPath(record.schema, topic.key.split('.'))) {
      problems.push(`topics.${topicName}.key: record ${record.name} has no field "${topic.key}"`);
    }
    topics.set(topicName, { name: topicName, ...topic });
  }

  const recordName = (n: string) => records.get(n)?.name ?? n;
  const stages = new Map<string, ResolvedStage>();
  for (const [stageName, stage] of Object.entries(spec.stages)) {
    const at = `stages.${stageName}`;
    const definition = catalogue.get(stage.kind);
    if (!definition) {
      problems.push(`${at}.kind: unknown stage kind "${stage.kind}" (known: ${[...catalogue.keys()].sort().join(', ')})`);
      continue;
    }
    const inputs = stage.input === undefined ? [] : Array.isArray(stage.input) ? stage.input : [stage.input];
    if (definition.input.length && !inputs.length) problems.push(`${at}.input: stage kind ${stage.kind} needs an input topic`);
    if (!definition.input.length && inputs.length) problems.push(`${at}.input: stage kind ${stage.kind} is a source and reads no topic`);
    inputs.forEach((t, i) => {
      const where = Array.isArray(stage.input) ? `${at}.input.${i}` : `${at}.input`;
      const topic = topics.get(t);
      if (!topic) problems.push(`${where}: unknown topic "${t}"`);
      else if (definition.input.length && !definition.input.map(recordName).includes(recordName(topic.record))) {
        problems.push(`${where}: topic ${t} carries ${topic.record}, stage kind ${stage.kind} reads ${definition.input.join(' or ')}`);
      }
    });
    if (definition.output !== null && stage.output === undefined) problems.push(`${at}.output: stage kind ${stage.kind} needs an output topic`);
    if (definition.output === null && stage.output !== undefined) problems.push(`${at}.output: stage kind ${stage.kind} writes no topic`);
    if (stage.output !== undefined) {
      const topic = topics.get(stage.output);
      if (!topic) problems.push(`${at}.output: unknown topic "${stage.output}"`);
      else if (definition.output !== null && recordName(topic.record) !== recordName(definition.output)) {
        problems.push(`${at}.output: topic ${stage.output} carries ${topic.record}, stage kind ${stage.kind} writes ${definition.output}`);
      }
    }
    if (stage.dead_letter !== undefined) {
      const topic = topics.get(stage.dead_letter);
      if (!topic) problems.push(`${at}.dead_letter: unknown topic "${stage.dead_letter}"`);
      else if (recordName(topic.record) !== 'DeadLetter') problems.push(`${at}.dead_letter: topic ${stage.dead_letter} must carry DeadLetter records`);
    }
    const params = definition.params.safeParse(stage.params);
    if (!params.success) {
      for (const issue of params.error.issues) problems.push(describeIssue(issue, [...at.split('.'), 'params']));
      continue;
    }
    stages.set(stageName, {
      name: stageName,
      kind: stage.kind,
      definition,
      inputs,
      output: stage.output ?? null,
      deadLetter: stage.dead_letter ?? null,
      params: params.data,
      replicas: stage.replicas,
    });
  }
  if (problems.length) throw new DefinitionError(problems);
  return { name: spec.name, description: spec.description, topics, stages };
}

/** Reads a definition from a .ts/.js module (default export), or a .yaml/.yml/.json file. */
export async function loadPipelineFile(path: string): Promise<unknown> {
  const full = resolve(path);
  const extension = extname(full).toLowerCase();
  if (extension === '.yaml' || extension === '.yml') return parseYaml(await readFile(full, 'utf8'));
  if (extension === '.json') return JSON.parse(await readFile(full, 'utf8'));
  const module = (await import(pathToFileURL(full).href)) as { default?: unknown };
  if (module.default === undefined) throw new Error(`${path} has no default export`);
  return module.default;
}

/** Stages in an order where every stage comes after the stages that write its inputs (sources first). */
export function topologicalStages(pipeline: ResolvedPipeline): ResolvedStage[] {
  const writers = new Map<string, string[]>();
  for (const s of pipeline.stages.values()) if (s.output) writers.set(s.output, [...(writers.get(s.output) ?? []), s.name]);
  const order: ResolvedStage[] = [];
  const seen = new Set<string>();
  const visit = (s: ResolvedStage, stack: Set<string>) => {
    if (seen.has(s.name) || stack.has(s.name)) return;
    stack.add(s.name);
    for (const t of s.inputs) for (const w of writers.get(t) ?? []) visit(pipeline.stages.get(w)!, stack);
    seen.add(s.name);
    order.push(s);
  };
  for (const s of pipeline.stages.values()) visit(s, new Set());
  return order;
}
