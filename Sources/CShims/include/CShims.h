// CShims: what Swift cannot import from the C libraries — Open MPI's handle macros, HDF5's
// type/property ids (which only exist after H5open()), CPU feature tests, and libjpeg's and
// libpng's setjmp-based error handling. Nothing here holds logic beyond unwrapping a macro or a
// longjmp.
#ifndef NOISEDA_CSHIMS_H
#define NOISEDA_CSHIMS_H

#include <mpi.h>
#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

// MARK: Open MPI handles (macros that expand to addresses of globals)
static inline MPI_Comm noiseda_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype noiseda_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype noiseda_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype noiseda_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype noiseda_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op noiseda_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op noiseda_mpi_max(void) { return MPI_MAX; }
static inline MPI_Op noiseda_mpi_min(void) { return MPI_MIN; }
static inline void *noiseda_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Request noiseda_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Errhandler noiseda_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int noiseda_mpi_thread_serialized(void) { return MPI_THREAD_SERIALIZED; }
static inline int noiseda_mpi_thread_multiple(void) { return MPI_THREAD_MULTIPLE; }
static inline MPI_Status *noiseda_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Info noiseda_mpi_info_null(void) { return MPI_INFO_NULL; }
static inline MPI_Comm noiseda_mpi_comm_null(void) { return MPI_COMM_NULL; }
static inline int noiseda_mpi_comm_type_shared(void) { return MPI_COMM_TYPE_SHARED; }

// MARK: HDF5 ids (macros that call H5open() and read a global)
static inline hid_t noiseda_h5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t noiseda_h5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t noiseda_h5_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t noiseda_h5_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t noiseda_h5_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t noiseda_h5_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t noiseda_h5_c_s1(void) { return H5T_C_S1; }
static inline hid_t noiseda_h5_p_default(void) { return H5P_DEFAULT; }
static inline hid_t noiseda_h5_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t noiseda_h5_p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t noiseda_h5_p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t noiseda_h5_s_all(void) { return H5S_ALL; }
static inline unsigned noiseda_h5_f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned noiseda_h5_f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned noiseda_h5_f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned noiseda_h5_f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline size_t noiseda_h5_variable(void) { return H5T_VARIABLE; }
/// Switches off HDF5's printing of its error stack to stderr for the calling thread (each
/// thread of a thread-safe libhdf5 has its own stack); after the first call per thread, a
/// thread-local flag makes it free. Errors are reported through HDF5Error instead.
void noiseda_h5_silence_this_thread(void);

// MARK: CPU features (for choosing OpenBLAS kernels; see docs/performance.md)
/// 1 when the CPU runs AVX-512 F+BW+DQ+VL (OpenBLAS "SkylakeX" kernels), else 0.
int noiseda_cpu_has_avx512(void);
/// 1 when the CPU runs AVX2 and FMA (OpenBLAS "Haswell" kernels), else 0.
int noiseda_cpu_has_avx2_fma(void);

// MARK: JPEG and PNG decoding (libjpeg and libpng report errors by longjmp, which Swift cannot catch)
/// What a decoder shim gives back: the pixels (8-bit RGB, row-major, 3 bytes a pixel; free with
/// free()), the size, and its messages.
typedef struct {
  uint8_t *pixels;
  int width;
  int height;
  /// Warnings the decoder gave while still decoding the whole image (e.g. extraneous bytes).
  int warnings;
  /// The error when decoding failed.
  char message[256];
  /// The first warning.
  char warning[256];
} noiseda_decoded_image;

/// Status of a decoder shim: decoded, failed (message set), or refused from its header because
/// width × height exceeds max_pixels (width and height set, nothing allocated).
enum { NOISEDA_DECODED = 0, NOISEDA_DECODE_FAILED = -1, NOISEDA_DECODE_TOO_LARGE = -2 };

/// Decodes a JPEG held in memory (baseline, progressive, grayscale, Adobe CMYK/YCCK) to RGB.
/// A truncated file is an error; other libjpeg warnings are counted and the image kept.
int noiseda_jpeg_decode_rgb(const uint8_t *data, size_t size, uint64_t max_pixels, noiseda_decoded_image *out);

/// Encodes 8-bit RGB rows to a JPEG in memory at the given quality (1-100).
/// On success returns 0 and sets *out/*out_size (free with free()); on failure -1 and a message.
int noiseda_jpeg_encode_rgb(const uint8_t *pixels, int width, int height, int quality,
                            uint8_t **out, size_t *out_size, char *message, size_t capacity);

// MARK: More HDF5 ids (link creation for intermediate groups, unlimited extents)
static inline hid_t noiseda_h5_p_link_create(void) { return H5P_LINK_CREATE; }
static inline hsize_t noiseda_h5_s_unlimited(void) { return H5S_UNLIMITED; }

// MARK: PNG encoding and decoding
/// Decodes a PNG held in memory (any bit depth, gray, gray+alpha, RGB, RGBA, palette) to RGB:
/// 16-bit samples are scaled to 8 bits, palettes expanded, alpha dropped; libpng's warnings
/// (e.g. a bad CRC in an ancillary chunk, which is then ignored) are counted.
int noiseda_png_decode_rgb(const uint8_t *data, size_t size, uint64_t max_pixels, noiseda_decoded_image *out);

/// Encodes 8-bit RGB rows (3 bytes a pixel) to a PNG in memory at zlib level 0-9.
/// On success returns 0 and sets *out/*out_size (free with free()); on failure -1 and a message.
int noiseda_png_encode_rgb(const uint8_t *pixels, int width, int height, int level,
                           uint8_t **out, size_t *out_size, char *message, size_t capacity);

#endif
