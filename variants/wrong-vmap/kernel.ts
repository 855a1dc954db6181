// variants: the kernel of src/ with the wrong free-space index of ./free-space.ts plugged in.
import type { SutFactory } from '../../api/index.js';
import { createKernel } from '../../src/index.js';
import { unalignedFreeSpace } from './free-space.js';

export const createWrongVmapKernel: SutFactory = (config) => createKernel(config, { freeSpace: unalignedFreeSpace });
