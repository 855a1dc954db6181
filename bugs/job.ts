// bugs: what the runner (run.ts) hands the driver (driver.ts) and what comes back — plain JSON,
// written to files, so the driver can run in a child process inside a patched scratch copy.
import type { Op } from '../api/index.js';

/** How a bug's property is run. */
export type RunSpec =
  /** the harness (checkProperty: generation, commuting square, fast-check shrink, reducer) */
  | {
      readonly kind: 'harness';
      readonly subsystem: 'pagetable' | 'vmap' | 'vmemmap';
      /** configuration names (default: every configuration the subsystem runs on) */
      readonly configs?: readonly string[];
      /** longest trace (default 100; the shortest is half of it) */
      readonly ops?: number;
    }
  /** a vitest property file whose properties take no trace (a generated layout / boot) */
  | { readonly kind: 'vitest'; readonly file: string };

export interface HandTrace {
  readonly config: string;
  readonly trace: readonly Op[];
}

export interface CatalogueEntry {
  readonly name: string;
  readonly subsystem: string;
  /** the realistic mistake it re-creates, one line */
  readonly description: string;
  /** the property expected to catch it */
  readonly property: string;
  readonly run: RunSpec;
  /** the shortest failing input written by hand: ops of a trace (1 for a layout or a boot) */
  readonly handLength: number;
  /** that trace, replayed by the runner (must fail patched, pass unpatched); null for vitest bugs */
  readonly hand: HandTrace | null;
  /** why the run departs from the defaults (configurations, trace length), when it does */
  readonly note?: string;
}

export interface HuntJob {
  readonly mode: 'hunt';
  readonly bug: string;
  readonly property: string;
  readonly run: RunSpec;
  readonly seeds: readonly number[];
  /** budget per seed for finding a failure (shrinking not included) */
  readonly seconds: number;
  /** budget for shrinking one failure */
  readonly shrinkSeconds: number;
  readonly hand: HandTrace | null;
  readonly out: string;
}

/** Replays on an unpatched copy: every shrunk and hand trace must pass there; so must the vitest properties. */
export interface BaselineJob {
  readonly mode: 'baseline';
  readonly replays: readonly { readonly id: string; readonly subsystem: 'pagetable' | 'vmap' | 'vmemmap'; readonly config: string; readonly trace: readonly Op[] }[];
  readonly vitest: readonly { readonly file: string; readonly seed: number }[];
  readonly out: string;
}

export type Job = HuntJob | BaselineJob;

export interface SeedResult {
  readonly seed: number;
  readonly caught: boolean;
  /** ms from the start of the seed to the first failing input (shrinking excluded; vitest: the failing test's duration) */
  readonly ttfMs: number | null;
  readonly traces: number;
  readonly steps: number;
  readonly config: string | null;
  /** harness signature (kind:where@side) or the vitest check name */
  readonly signature: string | null;
  /** the invariant name or state path that broke */
  readonly where: string | null;
  /** the invariant the implementation's own state breaks at the failing step (null: none does) */
  readonly implInvariant: string | null;
  readonly message: string | null;
  /** ops of the trace as found, and after shrinking */
  readonly fromLength: number | null;
  readonly shrunkLength: number | null;
  readonly oneMinimal: boolean | null;
  readonly shrunk: readonly Op[] | null;
}

export interface HuntResult {
  readonly bug: string;
  /** how the property was run: the harness's checkProperty, or vitest */
  readonly via: string | null;
  readonly seeds: readonly SeedResult[];
  /** the hand trace replayed on the patched copy */
  readonly hand: { readonly fails: boolean; readonly signature: string | null; readonly message: string | null } | null;
  /** written after each seed; absent in the final result */
  readonly partial?: boolean;
}

export interface BaselineResult {
  readonly replays: readonly { readonly id: string; readonly ok: boolean; readonly message: string | null }[];
  readonly vitest: readonly { readonly file: string; readonly ok: boolean; readonly message: string | null }[];
}
