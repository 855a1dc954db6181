// bench: the acceptance targets of issues 3, 4 and 8, each judged on a measured number.

export interface Target {
  readonly issue: number;
  readonly what: string;
  /** the measured value, in the unit of `limit` */
  readonly measured: number;
  readonly limit: number;
  /** 'min': measured must be >= limit; 'max': measured must be <= limit */
  readonly kind: 'min' | 'max';
  readonly unit: string;
  readonly pass: boolean;
  /** how far off: measured / limit for 'min' targets below it, limit-relative excess for 'max' */
  readonly miss: string | null;
  readonly note?: string;
}

export function target(issue: number, what: string, measured: number, kind: 'min' | 'max', limit: number, unit: string, note?: string): Target {
  const pass = !Number.isNaN(measured) && (kind === 'min' ? measured >= limit : measured <= limit);
  let miss: string | null = null;
  if (!pass) {
    miss = Number.isNaN(measured)
      ? 'not measured'
      : kind === 'min'
        ? `${(limit / measured).toPrecision(3)}× short`
        : `${(measured / limit).toPrecision(3)}× over`;
  }
  return { issue, what, measured, limit, kind, unit, pass, miss, ...(note ? { note } : {}) };
}
