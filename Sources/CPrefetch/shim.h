// The compiler's prefetch hint, which Swift cannot call: a coordinate-descent
// pass visits samples in a random order known one step ahead, and waiting for
// each sample's first cache line costs more than its arithmetic.
#ifndef NTK_CPREFETCH_SHIM_H
#define NTK_CPREFETCH_SHIM_H
static inline void ntk_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
static inline void ntk_prefetch_for_write(const void *address) { __builtin_prefetch(address, 1, 3); }
#endif
