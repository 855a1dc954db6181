// api: the interface of the system under test. Types only.
//
// Both src/ (the optimized implementation) and model/ (the reference) provide a factory of
// this type; so can any other implementation (a different allocator policy, a port of another
// kernel version): plug it into properties/implementations.ts and every property runs on it.
import type { Addr } from './addr.js';
import type { Call, Result } from './calls.js';
import type { MachineConfig } from './config.js';
import type { AbstractState } from './state.js';

export interface SystemUnderTest {
  /**
   * Execute one kernel call to completion, including the end-of-operation lazy drain
   * (vmap.md §3). Bad input is a Result with an error, never an exception.
   */
  call(c: Call): Result;
  /** The abstract state (for src/: `toModel`). Canonical: equal states are deep-equal. */
  state(): AbstractState;
  /** is_vmalloc_addr(a) (layout.md §3) */
  isVmallocAddr(a: Addr): boolean;
  /**
   * The implementation's own structural checks (red-black colours, augmented maxima, indexes
   * agreeing with lists). Returns one line per violation; [] when sound. Optional.
   */
  selfCheck?(): string[];
}

/** Boots a fresh machine of this configuration. */
export type SutFactory = (config: MachineConfig) => SystemUnderTest;
