/*
 * q8code.c — the int8 code of a vector (model/): per vector, scale
 * s = max|x| / 127 and q = round(x / s) in [-127, 127], and the sum of the
 * codes (the scan kernels' offset, search/quant.c's opening comment). What
 * the store writes for the document vectors and the basis, and what the
 * search layer quantises queries and rows with: one definition, so stored
 * and computed codes are the same bits.
 */
#include "model/model.h"

#include <math.h>
#include <string.h>

void ty_q8_quantize(const float *x, size_t k, int8_t *q, float *scale,
                    int32_t *sum) {
    float mx = 0.f;
    for (size_t i = 0; i < k; i++) {
        float a = fabsf(x[i]);
        if (a > mx) mx = a;
    }
    int32_t s = 0;
    if (!(mx > 0.f)) {
        memset(q, 0, k);
        *scale = 0.f;
        *sum = 0;
        return;
    }
    float inv = 127.f / mx;
    for (size_t i = 0; i < k; i++) {
        long v = lrintf(x[i] * inv);
        if (v > 127) v = 127;
        if (v < -127) v = -127;
        q[i] = (int8_t)v;
        s += (int32_t)v;
    }
    *scale = mx / 127.f;
    *sum = s;
}
