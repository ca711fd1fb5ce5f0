/*
 * split.c — the evaluation split rule of EVAL.md, on libmd's MD5 (the md5
 * adapter: the only file including <md5.h>).
 *
 * A document is a test query when md5(salt + id) read as a 128-bit big-endian
 * integer is divisible by the modulus. Reducing the 16 digest bytes
 * big-endian, byte by byte, modulo m gives the same remainder without 128-bit
 * arithmetic.
 */
#include "api/api.h"

#include <md5.h>
#include <string.h>

int tenyo_split_is_test(const char *id, const char *salt, unsigned modulus) {
    if (!id || modulus == 0) return 0;
    MD5_CTX ctx;
    unsigned char dig[MD5_DIGEST_LENGTH];
    MD5Init(&ctx);
    if (salt) MD5Update(&ctx, (const unsigned char *)salt, strlen(salt));
    MD5Update(&ctx, (const unsigned char *)id, strlen(id));
    MD5Final(dig, &ctx);
    unsigned long long r = 0;
    for (int i = 0; i < MD5_DIGEST_LENGTH; i++) r = (r * 256 + dig[i]) % modulus;
    return r == 0;
}
