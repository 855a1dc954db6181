// model: building call results — reference semantics (api/calls.ts Result). Clarity over speed.
import type { Addr, Errno, Result, Value } from '../api/index.js';

export function ok(value: Value): Result {
  return { ok: true, value };
}

export const NONE: Result = ok({ kind: 'none' });

export function okAddr(addr: Addr): Result {
  return ok({ kind: 'addr', addr });
}

export function fail(err: Errno): Result {
  return { ok: false, err };
}
