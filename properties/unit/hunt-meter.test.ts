// hunt's verdict on coverage (checking.md §5, cli/hunt-meter.ts): a declared label minimum is
// judged only once JUDGE_MIN_TRACES traces it applies to have run; missed over that many it is
// listed by belowMinimum(), and cli/hunt.ts exits 1 on a non-empty list.
import { describe, expect, it } from 'vitest';
import { HuntMeter, JUDGE_MIN_TRACES } from '../../cli/hunt-meter.js';
import { configByName } from '../configs.js';
import { minimumsFor } from '../coverage.js';

/** a meter writing nowhere (not a TTY), with no failures */
function meter(): HuntMeter {
  const sink = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
  return new HuntMeter(60, ['pagetable'], () => ({ failures: 0, distinct: 0 }), sink);
}

const x86 = configByName('x86_64');
const toy = configByName('toy24');
// 'table freed' has a declared pagetable minimum of 0.6 on every configuration (coverage.ts)
const LABEL = 'table freed';

describe('hunt meter: declared label minimums', () => {
  it(`the label under test has a declared minimum on both configurations (${LABEL})`, () => {
    expect(minimumsFor('pagetable', x86)[LABEL]).toBe(0.6);
    expect(minimumsFor('pagetable', toy)[LABEL]).toBe(0.6);
  });

  it(`a minimum missed over fewer than ${JUDGE_MIN_TRACES} traces is not judged; at ${JUDGE_MIN_TRACES} it is listed`, () => {
    const m = meter();
    for (let i = 0; i < JUDGE_MIN_TRACES - 1; i++) m.trace('pagetable', 10, x86, new Set());
    expect(m.belowMinimum()).toEqual([]);
    m.trace('pagetable', 10, x86, new Set());
    // no label carried at all: every minimum x86_64 declares for page tables is missed
    expect(m.belowMinimum()).toContain(`pagetable-refines-model: ${LABEL}`);
    expect(m.belowMinimum()).toHaveLength(Object.keys(minimumsFor('pagetable', x86)).length);
  });

  it('a share at the minimum passes, one trace below it fails (60 % of 50 traces = 30)', () => {
    const ok = meter();
    const low = meter();
    for (let i = 0; i < 50; i++) {
      ok.trace('pagetable', 10, x86, new Set(i < 30 ? [LABEL] : []));
      low.trace('pagetable', 10, x86, new Set(i < 29 ? [LABEL] : []));
    }
    expect(ok.belowMinimum()).not.toContain(`pagetable-refines-model: ${LABEL}`);
    expect(low.belowMinimum()).toContain(`pagetable-refines-model: ${LABEL}`);
  });

  it('traces of different configurations count together for a label both declare', () => {
    const m = meter();
    for (let i = 0; i < 25; i++) {
      m.trace('pagetable', 10, x86, new Set([LABEL]));
      m.trace('pagetable', 10, toy, new Set([LABEL]));
    }
    expect(m.belowMinimum()).not.toContain(`pagetable-refines-model: ${LABEL}`);
    // and the label tables name it ok
    expect(m.labelTables().join('\n')).toMatch(new RegExp(`${LABEL}.*100% of 50 traces it applies to: ok`));
  });
});
