// variants: the kernel of src/ with its vmap free-space tree replaced by a sorted array — a second,
// independently written, CORRECT implementation the whole suite must accept.
import type { SutFactory } from '../../api/index.js';
import { createKernel } from '../../src/index.js';
import { sortedArrayFreeSpace } from './free-space.js';

export const createSortedArrayKernel: SutFactory = (config) => createKernel(config, { freeSpace: sortedArrayFreeSpace });
