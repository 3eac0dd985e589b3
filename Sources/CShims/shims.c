// CShims: what needs real C: CPU feature tests, HDF5's per-thread error printing, and libjpeg's
// and libpng's longjmp errors (with the decoded-pixel limit checked from the header).
#include "CShims.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

int noiseda_cpu_has_avx512(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}

int noiseda_cpu_has_avx2_fma(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

void noiseda_h5_silence_this_thread(void) {
  static _Thread_local int silenced = 0;
  if (!silenced) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    silenced = 1;
  }
}

#ifdef NOISEDA_REQUIRE_AVX2_FMA
// The Swift targets were compiled for AVX2 + FMA (Package.swift, NOISEDA_TARGET_CPU): stop
// with the fix before any of their code runs, instead of an illegal-instruction crash later.
__attribute__((constructor)) static void noiseda_require_avx2_fma(void) {
  if (!noiseda_cpu_has_avx2_fma()) {
    fputs("noiseda: this build needs a CPU with AVX2 and FMA, which this one lacks; rebuild for any "
          "x86-64 with: NOISEDA_TARGET_CPU=x86-64 swift build -c release\n", stderr);
    exit(70);
  }
}
#endif

struct noiseda_jpeg_error {
  struct jpeg_error_mgr base;
  jmp_buf jump;
  char *message;
  size_t capacity;
  noiseda_decoded_image *decoded;  // where warnings are counted (decoding only)
};

static void noiseda_jpeg_fail(j_common_ptr info) {
  struct noiseda_jpeg_error *error = (struct noiseda_jpeg_error *)info->err;
  char text[JMSG_LENGTH_MAX];
  (*info->err->format_message)(info, text);
  snprintf(error->message, error->capacity, "%s", text);
  longjmp(error->jump, 1);
}

// A file that ends early ("premature end of JPEG file", "premature end of data segment") is an
// error, never a half-grey image; other warnings (extraneous bytes before a marker, as some
// MS-COCO files have) are counted, the first kept, and the image decoded.
static void noiseda_jpeg_warn(j_common_ptr info, int level) {
  if (level >= 0) return;
  int code = info->err->msg_code;
  struct noiseda_jpeg_error *error = (struct noiseda_jpeg_error *)info->err;
  if (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER || !error->decoded) noiseda_jpeg_fail(info);
  if (error->decoded->warnings++ == 0) (*info->err->format_message)(info, error->decoded->warning);
}

int noiseda_jpeg_decode_rgb(const uint8_t *data, size_t size, uint64_t max_pixels, noiseda_decoded_image *decoded) {
  struct jpeg_decompress_struct info;
  struct noiseda_jpeg_error error;
  uint8_t *volatile out = NULL;
  uint8_t *volatile row = NULL;
  info.err = jpeg_std_error(&error.base);
  error.base.error_exit = noiseda_jpeg_fail;
  error.base.emit_message = noiseda_jpeg_warn;
  error.message = decoded->message;
  error.capacity = sizeof decoded->message;
  error.decoded = decoded;
  if (setjmp(error.jump)) {
    jpeg_destroy_decompress(&info);
    free(out);
    free(row);
    return NOISEDA_DECODE_FAILED;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, data, (unsigned long)size);
  jpeg_read_header(&info, TRUE);
  decoded->width = (int)info.image_width;
  decoded->height = (int)info.image_height;
  if ((uint64_t)info.image_width * info.image_height > max_pixels) {
    jpeg_destroy_decompress(&info);
    return NOISEDA_DECODE_TOO_LARGE;
  }
  // libjpeg converts YCbCr and grayscale to RGB itself; CMYK/YCCK it can only give as CMYK.
  int cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
  info.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_start_decompress(&info);
  int w = (int)info.output_width, h = (int)info.output_height, c = info.output_components;
  out = malloc((size_t)w * h * 3);
  row = malloc((size_t)w * c);
  if (!out || !row) {
    snprintf(decoded->message, sizeof decoded->message, "out of memory for a %dx%d image", w, h);
    longjmp(error.jump, 1);
  }
  while (info.output_scanline < info.output_height) {
    int y = (int)info.output_scanline;
    JSAMPROW rows[1] = {row};
    jpeg_read_scanlines(&info, rows, 1);
    uint8_t *dst = out + (size_t)y * w * 3;
    if (c == 3) {
      memcpy(dst, row, (size_t)w * 3);
    } else {  // CMYK as written by Adobe (inverted): R = C*K/255 on the stored values.
      for (int x = 0; x < w; x++) {
        const uint8_t *p = row + 4 * x;
        dst[3 * x] = (uint8_t)(p[0] * p[3] / 255);
        dst[3 * x + 1] = (uint8_t)(p[1] * p[3] / 255);
        dst[3 * x + 2] = (uint8_t)(p[2] * p[3] / 255);
      }
    }
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  free(row);
  decoded->pixels = out;
  decoded->width = w;
  decoded->height = h;
  return NOISEDA_DECODED;
}

int noiseda_jpeg_encode_rgb(const uint8_t *pixels, int width, int height, int quality,
                            uint8_t **out, size_t *out_size, char *message, size_t capacity) {
  struct jpeg_compress_struct info;
  struct noiseda_jpeg_error error;
  unsigned char *volatile buffer = NULL;
  unsigned long buffer_size = 0;
  info.err = jpeg_std_error(&error.base);
  error.base.error_exit = noiseda_jpeg_fail;
  error.message = message;
  error.capacity = capacity;
  error.decoded = NULL;
  if (setjmp(error.jump)) {
    jpeg_destroy_compress(&info);
    free(buffer);
    return -1;
  }
  jpeg_create_compress(&info);
  jpeg_mem_dest(&info, (unsigned char **)&buffer, &buffer_size);
  info.image_width = (JDIMENSION)width;
  info.image_height = (JDIMENSION)height;
  info.input_components = 3;
  info.in_color_space = JCS_RGB;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, quality, TRUE);
  jpeg_start_compress(&info, TRUE);
  while (info.next_scanline < info.image_height) {
    JSAMPROW rows[1] = {(JSAMPROW)(pixels + (size_t)info.next_scanline * width * 3)};
    jpeg_write_scanlines(&info, rows, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  *out = buffer;
  *out_size = buffer_size;
  return 0;
}

// MARK: PNG decoding and encoding (libpng reports errors by longjmp)
#include <png.h>

struct noiseda_png_reader {
  const uint8_t *data;
  size_t size;
  size_t offset;
};

struct noiseda_png_writer {
  uint8_t *data;
  size_t size;
  size_t capacity;
};

static void noiseda_png_read_bytes(png_structp png, png_bytep out, png_size_t count) {
  struct noiseda_png_reader *reader = (struct noiseda_png_reader *)png_get_io_ptr(png);
  if (count > reader->size - reader->offset) png_error(png, "unexpected end of file (truncated PNG)");
  memcpy(out, reader->data + reader->offset, count);
  reader->offset += count;
}

static void noiseda_png_write_bytes(png_structp png, png_bytep bytes, png_size_t count) {
  struct noiseda_png_writer *writer = (struct noiseda_png_writer *)png_get_io_ptr(png);
  if (writer->size + count > writer->capacity) {
    size_t capacity = writer->capacity ? writer->capacity : 65536;
    while (capacity < writer->size + count) capacity *= 2;
    uint8_t *grown = realloc(writer->data, capacity);
    if (!grown) png_error(png, "out of memory");
    writer->data = grown;
    writer->capacity = capacity;
  }
  memcpy(writer->data + writer->size, bytes, count);
  writer->size += count;
}

static void noiseda_png_flush(png_structp png) { (void)png; }

// Where libpng's error and warning callbacks write (png_get_error_ptr): the error message, and
// for decoding the image whose warnings are counted.
struct noiseda_png_messages {
  char *message;
  size_t capacity;
  noiseda_decoded_image *decoded;
};

// Errors abort (libpng longjmps itself); warnings are counted and the first kept.
static void noiseda_png_fail(png_structp png, png_const_charp text) {
  struct noiseda_png_messages *messages = (struct noiseda_png_messages *)png_get_error_ptr(png);
  snprintf(messages->message, messages->capacity, "%s", text);
  png_longjmp(png, 1);
}

static void noiseda_png_warn(png_structp png, png_const_charp text) {
  struct noiseda_png_messages *messages = (struct noiseda_png_messages *)png_get_error_ptr(png);
  if (messages->decoded && messages->decoded->warnings++ == 0) {
    snprintf(messages->decoded->warning, sizeof messages->decoded->warning, "%s", text);
  }
}

int noiseda_png_decode_rgb(const uint8_t *data, size_t size, uint64_t max_pixels, noiseda_decoded_image *decoded) {
  struct noiseda_png_messages messages = {decoded->message, sizeof decoded->message, decoded};
  struct noiseda_png_reader reader = {data, size, 0};
  uint8_t *volatile out = NULL;
  png_bytep *volatile rows = NULL;
  if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
    snprintf(decoded->message, sizeof decoded->message, "not a PNG file (bad signature)");
    return NOISEDA_DECODE_FAILED;
  }
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &messages, noiseda_png_fail, noiseda_png_warn);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!png || !info) {
    snprintf(decoded->message, sizeof decoded->message, "out of memory");
    png_destroy_read_struct(&png, NULL, NULL);
    return NOISEDA_DECODE_FAILED;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, NULL);
    free(out);
    free(rows);
    return NOISEDA_DECODE_FAILED;
  }
  png_set_read_fn(png, &reader, noiseda_png_read_bytes);
  png_read_info(png, info);
  png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
  int depth = png_get_bit_depth(png, info), color = png_get_color_type(png, info);
  if (w == 0 || h == 0 || w > 65535 || h > 65535) png_error(png, "image size outside 1...65535");
  decoded->width = (int)w;
  decoded->height = (int)h;
  if ((uint64_t)w * h > max_pixels) {
    png_destroy_read_struct(&png, &info, NULL);
    return NOISEDA_DECODE_TOO_LARGE;
  }
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (depth == 16) png_set_scale_16(png);
  // Alpha, including a palette's or gray image's tRNS transparency, is dropped (as PIL's
  // convert("RGB") does): training data is opaque.
  if ((color & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS)) png_set_strip_alpha(png);
  if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != (size_t)w * 3) png_error(png, "unsupported PNG pixel layout");
  out = malloc((size_t)w * h * 3);
  rows = malloc(sizeof(png_bytep) * h);
  if (!out || !rows) png_error(png, "out of memory");
  for (png_uint_32 y = 0; y < h; y++) rows[y] = out + (size_t)y * w * 3;
  png_read_image(png, rows);
  png_read_end(png, NULL);
  png_destroy_read_struct(&png, &info, NULL);
  free(rows);
  decoded->pixels = out;
  return NOISEDA_DECODED;
}

int noiseda_png_encode_rgb(const uint8_t *pixels, int width, int height, int level,
                           uint8_t **out, size_t *out_size, char *message, size_t capacity) {
  struct noiseda_png_messages messages = {message, capacity, NULL};
  struct noiseda_png_writer writer = {NULL, 0, 0};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &messages, noiseda_png_fail, noiseda_png_warn);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!png || !info) {
    snprintf(message, capacity, "out of memory");
    png_destroy_write_struct(&png, NULL);
    return -1;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    free(writer.data);
    return -1;
  }
  png_set_write_fn(png, &writer, noiseda_png_write_bytes, noiseda_png_flush);
  png_set_compression_level(png, level);
  png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(pixels + (size_t)y * width * 3));
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  *out = writer.data;
  *out_size = writer.size;
  return 0;
}
