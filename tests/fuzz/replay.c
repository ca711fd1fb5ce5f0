/*
 * replay.c — runs a fuzz target over saved inputs without libFuzzer, so the
 * corpus of every target (seeds and regression inputs) replays in the
 * normal `make test`, with whatever compiler and sanitizers that build uses.
 *
 * Usage: replay_<name> DIR|FILE...   (every regular file of each DIR, in
 * name order). Calls LLVMFuzzerInitialize when the target defines it, then
 * LLVMFuzzerTestOneInput once per file with an exact-size copy of its bytes
 * (so ASan sees a read past the end), and prints "<name>: N inputs". A
 * crash kills the process (non-zero exit); before dying it names the input
 * it was on (a signal handler, and the sanitizers' death callback). Exit
 * status 1 when an argument cannot be read.
 *
 * Rejected: forking per input (isolation the corpus does not need: inputs
 * must pass one after another in the same process, as under libFuzzer, where
 * state left by one input is part of what is tested).
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static char g_current[4096]; /* the input being run, for the crash message */

/* Name the input on the way down (async-signal-safe: write only). */
static void say_current(void) {
    static const char pre[] = "replay: crashed on input ";
    if (!g_current[0]) return;
    ssize_t w = write(2, pre, sizeof pre - 1);
    w = write(2, g_current, strlen(g_current));
    w = write(2, "\n", 1);
    (void)w;
}

static void on_signal(int sig) {
    say_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Run the target over one file; 0, or -1 when it cannot be read. */
static int run_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) break;
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        fprintf(stderr, "replay: cannot read %s\n", path);
        return -1;
    }
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    snprintf(g_current, sizeof g_current, "%s", path);
    LLVMFuzzerTestOneInput(exact, n);
    g_current[0] = 0;
    free(exact);
    return 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file of dir in name order; the count into *count.
 * 0, or -1 when something could not be read. */
static int run_dir(const char *dir, size_t *count) {
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: cannot open directory %s\n", dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char *p = NULL;
        struct stat st;
        if (asprintf(&p, "%s/%s", dir, e->d_name) < 0) { rc = -1; break; }
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) { free(p); continue; }
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *nn);
            if (!nn) { free(p); rc = -1; break; }
            names = nn;
        }
        names[n++] = p;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && run_file(names[i]) == 0) (*count)++;
        else rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv) {
    const char *name = strrchr(argv[0], '/');
    name = name ? name + 1 : argv[0];
    if (!strncmp(name, "replay_", 7)) name += 7;
    if (argc < 2) {
        fprintf(stderr, "usage: replay_<target> DIR|FILE...\n");
        return 2;
    }
    signal(SIGSEGV, on_signal);
    signal(SIGABRT, on_signal);
    signal(SIGBUS, on_signal);
    signal(SIGFPE, on_signal);
    signal(SIGILL, on_signal);
    if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(say_current);
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    size_t count = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
            rc = 1;
        } else if (S_ISDIR(st.st_mode)) {
            if (run_dir(argv[i], &count)) rc = 1;
        } else if (run_file(argv[i]) == 0) {
            count++;
        } else {
            rc = 1;
        }
    }
    printf("%s: %zu inputs\n", name, count);
    return rc;
}
