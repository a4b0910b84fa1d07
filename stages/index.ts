import type { AnyStageDefinition } from '../pipeline/stage.js';

/** The stage catalogue: one file per stage kind in this folder, listed here. */
export const stageCatalogue: readonly AnyStageDefinition[] = [];
