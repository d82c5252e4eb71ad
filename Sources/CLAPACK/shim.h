// LAPACK as Debian's OpenBLAS ships it (libopenblas-dev: the Fortran symbols,
// no lapacke.h). Prototypes of the routines used, with gfortran's hidden
// string lengths.
#ifndef NTK_CLAPACK_SHIM_H
#define NTK_CLAPACK_SHIM_H
#include <stddef.h>

/// Selected eigenvalues (and optionally eigenvectors) of a real symmetric matrix (MRRR).
void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a, const int *lda,
             const double *vl, const double *vu, const int *il, const int *iu, const double *abstol, int *m,
             double *w, double *z, const int *ldz, int *isuppz, double *work, const int *lwork, int *iwork,
             const int *liwork, int *info, size_t jobz_length, size_t range_length, size_t uplo_length);

/// Selected eigenvalues (and optionally eigenvectors) of a real symmetric tridiagonal matrix (MRRR).
void dstevr_(const char *jobz, const char *range, const int *n, double *d, double *e, const double *vl,
             const double *vu, const int *il, const int *iu, const double *abstol, int *m, double *w, double *z,
             const int *ldz, int *isuppz, double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t jobz_length, size_t range_length);

/// The Cholesky factorisation of a real symmetric positive definite matrix.
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t uplo_length);

/// Solves A X = B with A's Cholesky factor from dpotrf.
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda, double *b,
             const int *ldb, int *info, size_t uplo_length);

/// Reduction of a real symmetric matrix to tridiagonal form, A = Q T Qᵀ (Q as Householder reflectors).
void dsytrd_(const char *uplo, const int *n, double *a, const int *lda, double *d, double *e, double *tau,
             double *work, const int *lwork, int *info, size_t uplo_length);

/// C ← op(Q) C for the Q of dsytrd.
void dormtr_(const char *side, const char *uplo, const char *trans, const int *m, const int *n, const double *a,
             const int *lda, const double *tau, double *c, const int *ldc, double *work, const int *lwork, int *info,
             size_t side_length, size_t uplo_length, size_t trans_length);

/// Machine parameters ("S": the safe minimum).
double dlamch_(const char *cmach, size_t cmach_length);
#endif
