// CShims: the two things that need real C: CPU feature tests and libjpeg's longjmp errors.
#include "CShims.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

int noiseda_cpu_has_avx512(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}

int noiseda_cpu_has_avx2_fma(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

struct noiseda_jpeg_error {
  struct jpeg_error_mgr base;
  jmp_buf jump;
  char *message;
  size_t capacity;
};

static void noiseda_jpeg_fail(j_common_ptr info) {
  struct noiseda_jpeg_error *error = (struct noiseda_jpeg_error *)info->err;
  char text[JMSG_LENGTH_MAX];
  (*info->err->format_message)(info, text);
  snprintf(error->message, error->capacity, "%s", text);
  longjmp(error->jump, 1);
}

// Warnings (e.g. "premature end of data") become errors: a truncated file is not an image.
static void noiseda_jpeg_warn(j_common_ptr info, int level) {
  if (level < 0) noiseda_jpeg_fail(info);
}

int noiseda_jpeg_decode_rgb(const uint8_t *data, size_t size, uint8_t **pixels, int *width,
                            int *height, char *message, size_t capacity) {
  struct jpeg_decompress_struct info;
  struct noiseda_jpeg_error error;
  uint8_t *volatile out = NULL;
  info.err = jpeg_std_error(&error.base);
  error.base.error_exit = noiseda_jpeg_fail;
  error.base.emit_message = noiseda_jpeg_warn;
  error.message = message;
  error.capacity = capacity;
  if (setjmp(error.jump)) {
    jpeg_destroy_decompress(&info);
    free(out);
    return -1;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, data, (unsigned long)size);
  jpeg_read_header(&info, TRUE);
  // libjpeg converts YCbCr and grayscale to RGB itself; CMYK/YCCK it can only give as CMYK.
  int cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
  info.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_start_decompress(&info);
  int w = (int)info.output_width, h = (int)info.output_height, c = info.output_components;
  out = malloc((size_t)w * h * 3);
  uint8_t *row = malloc((size_t)w * c);
  if (!out || !row) {
    snprintf(message, capacity, "out of memory for a %dx%d image", w, h);
    free(row);
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
  free(row);
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  *pixels = out;
  *width = w;
  *height = h;
  return 0;
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
