import type { AnyStageDefinition } from './stage.js';
import { stageCatalogue } from '../stages/index.js';

/** Every stage kind by name; the single list `pipeline describe`, the README and definitions use. */
export function catalogue(extra: readonly AnyStageDefinition[] = []): Map<string, AnyStageDefinition> {
  const map = new Map<string, AnyStageDefinition>();
  for (const def of [...stageCatalogue, ...extra]) {
    if (map.has(def.kind)) throw new Error(`stage kind "${def.kind}" is defined twice`);
    map.set(def.kind, def);
  }
  return map;
}
