// api: the one list of error codes (checking.md §3). Data only.
//
// "The caller must not do this" (rejected; state exactly unchanged): EINVAL, ENOENT, EEXIST.
// "This can legitimately fail" (failed; state is what the spec says the failure leaves):
// EBUSY, ENOMEM. EFAULT is the result of a touch with no translation (the machine goes on).

export const ERRNOS = ['EINVAL', 'ENOENT', 'EBUSY', 'ENOMEM', 'EEXIST', 'EFAULT'] as const;
export type Errno = (typeof ERRNOS)[number];

/** Errors that reject a call: the state must be exactly unchanged afterwards. */
export const REJECTING_ERRNOS: readonly Errno[] = ['EINVAL', 'ENOENT', 'EEXIST'];
