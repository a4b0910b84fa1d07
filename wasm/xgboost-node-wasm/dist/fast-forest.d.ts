/** Deeper trees would make the padded layout too large (2^depth leaves per tree). */
export declare const MAX_FAST_DEPTH = 12;
export declare const FAST_OBJECTIVES: readonly string[];
export type FastLayout = {
    ok: true;
    words: Uint32Array;
    groups: number;
    features: number;
    objective: string;
} | {
    ok: false;
    reason: string;
};
export declare function buildFastLayout(modelJson: string): FastLayout;
