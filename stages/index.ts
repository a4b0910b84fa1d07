import type { AnyStageDefinition } from '../pipeline/stage.js';
import { collect } from './collect.js';
import { enrich } from './enrich.js';
import { simulate } from './simulate.js';
import { sink } from './sink.js';
import { validate } from './validate.js';

/** The stage catalogue: one file per stage kind in this folder, listed here. */
export const stageCatalogue: readonly AnyStageDefinition[] = [simulate, collect, validate, enrich, sink];
