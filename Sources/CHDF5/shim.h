// HDF5's type, property-list and flag "constants" are macros over globals that
// exist only after H5open(); Swift cannot import them. These accessors call
// H5open() (idempotent) and return the values.
#ifndef NTK_CHDF5_SHIM_H
#define NTK_CHDF5_SHIM_H
#include <hdf5/serial/hdf5.h>

static inline hid_t ntk_h5t_native_double(void) { H5open(); return H5T_NATIVE_DOUBLE; }
static inline hid_t ntk_h5t_native_int64(void) { H5open(); return H5T_NATIVE_INT64; }
static inline hid_t ntk_h5t_c_s1(void) { H5open(); return H5T_C_S1; }
static inline hid_t ntk_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t ntk_h5p_dataset_create(void) { H5open(); return H5P_DATASET_CREATE; }
static inline hid_t ntk_h5p_link_create(void) { H5open(); return H5P_LINK_CREATE; }
static inline hid_t ntk_h5s_all(void) { return H5S_ALL; }
static inline unsigned ntk_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned ntk_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline unsigned ntk_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline size_t ntk_h5t_variable(void) { return H5T_VARIABLE; }

/// Turns off HDF5's automatic printing of error stacks to stderr: errors are
/// reported once, by the caller, as one line.
static inline void ntk_h5_silence_errors(void) { H5open(); H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static inline herr_t ntk_h5_find_memory_error(unsigned depth, const H5E_error2_t *error, void *found) {
  (void)depth;
  if (error->min_num == H5E_NOSPACE_g || error->min_num == H5E_CANTALLOC_g) *(int *)found = 1;
  return 0;
}

/// True when the last HDF5 call failed for lack of memory (an allocation
/// on its error stack: "no space available for allocation", "can't allocate space").
static inline int ntk_h5_failed_for_memory(void) {
  int found = 0;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, ntk_h5_find_memory_error, &found);
  return found;
}

#endif
