// Test-only reference: runs llama.cpp's own quantizers (ggml-quants.c, compiled next to this file by
// QuantizerReferenceInteropIT with the same flags as ggml-base) on rows sent over stdin and writes the bytes.
// stdin:  int32 ggml type id, int32 nrows, int32 n_per_row, int32 has_imatrix,
//         [n_per_row float32 importance], nrows*n_per_row float32 values (little-endian)
// stdout: the quantized rows, exactly as ggml_quantize_chunk writes them.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include "ggml.h"
#include "ggml-quants.h"

typedef size_t (*quantize_fn)(const float *, void *, int64_t, int64_t, const float *);

static const struct { int type; int block; int bytes; quantize_fn fn; } TYPES[] = {
    {GGML_TYPE_Q4_0, 32, 18, quantize_q4_0},   {GGML_TYPE_Q4_1, 32, 20, quantize_q4_1},
    {GGML_TYPE_Q5_0, 32, 22, quantize_q5_0},   {GGML_TYPE_Q5_1, 32, 24, quantize_q5_1},
    {GGML_TYPE_Q8_0, 32, 34, quantize_q8_0},   {GGML_TYPE_Q2_K, 256, 84, quantize_q2_K},
    {GGML_TYPE_Q3_K, 256, 110, quantize_q3_K}, {GGML_TYPE_Q4_K, 256, 144, quantize_q4_K},
    {GGML_TYPE_Q5_K, 256, 176, quantize_q5_K}, {GGML_TYPE_Q6_K, 256, 210, quantize_q6_K},
    {GGML_TYPE_IQ4_NL, 32, 18, quantize_iq4_nl}, {GGML_TYPE_IQ4_XS, 256, 136, quantize_iq4_xs},
};
#define NTYPES (sizeof(TYPES) / sizeof(TYPES[0]))

static int find(int type) {
    for (size_t i = 0; i < NTYPES; i++) if (TYPES[i].type == type) return (int) i;
    return -1;
}

// The few ggml.c symbols ggml-quants.c links against.
void ggml_abort(const char * file, int line, const char * fmt, ...) {
    va_list ap; va_start(ap, fmt);
    fprintf(stderr, "%s:%d: ", file, line); vfprintf(stderr, fmt, ap); fprintf(stderr, "\n");
    va_end(ap); abort();
}
size_t ggml_type_size(enum ggml_type type) { int i = find(type); return i < 0 ? 0 : (size_t) TYPES[i].bytes; }
size_t ggml_row_size(enum ggml_type type, int64_t ne) {
    int i = find(type); return i < 0 ? 0 : (size_t) (TYPES[i].bytes * (ne / TYPES[i].block));
}
const char * ggml_type_name(enum ggml_type type) { (void) type; return "?"; }

int main(void) {
    int32_t h[4];
    if (fread(h, 4, 4, stdin) != 4) return 2;
    int t = find(h[0]);
    if (t < 0) { fprintf(stderr, "unsupported type %d\n", h[0]); return 2; }
    int64_t nrows = h[1], n = h[2];
    float * im = NULL;
    if (h[3]) {
        im = malloc(n * sizeof(float));
        if (fread(im, sizeof(float), n, stdin) != (size_t) n) return 2;
    }
    float * x = malloc(nrows * n * sizeof(float));
    if (fread(x, sizeof(float), nrows * n, stdin) != (size_t) (nrows * n)) return 2;
    void * dst = calloc(nrows, ggml_row_size(h[0], n));
    size_t got = TYPES[t].fn(x, dst, nrows, n, im);
    fwrite(dst, 1, got, stdout);
    return 0;
}
