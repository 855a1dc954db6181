// Test fixture for the vmap allocator unit tests (src/vmap/allocator.ts): a host that logs
// every call the allocator makes of it, so that no machine is needed. Addresses are vpns.
import type { AreaOwner, VmapHost } from '../../src/vmap/index.js';

/** the owner of every test area (its kind never matters to the allocator) */
export const OWNER: AreaOwner = { type: 'vm_map_ram', data: null };

/** A host that logs every call; `unmap` is what vunmap_page_range answers. */
export function recordingHost(unmap: 'EINVAL' | null = null): { host: VmapHost; log: string[] } {
  const log: string[] = [];
  const host: VmapHost = {
    vunmapPageRange: (s, e) => (log.push(`unmap ${s}-${e}`), unmap),
    flushTlbKernelRange: (s, e) => void log.push(`flush ${s}-${e}`),
    warn: (k, v) => void log.push(`warn ${k} ${v}`),
  };
  return { host, log };
}
