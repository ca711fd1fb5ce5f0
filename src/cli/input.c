/*
 * input.c — what the commands that read patent records share (index, add,
 * eval): reading the input files into a builder or an update
 * (cli_read_inputs, with the charset-honesty warnings and the first 30
 * record messages), and the progress lines on a terminal (cli_on_progress;
 * the design is told above cli_progress in cli.h).
 *
 * The sink (cli_sink) is what lets one reading loop feed both a fresh build
 * and an update: a pair of functions and their argument, not a flag.
 *
 * Who calls whom: called by writer.c, cmd_add.c, cmd_eval.c,
 * cmd_index.c, cmd_rebuild.c; calls help_ja.c, views/say.c and the
 * library (tenyo.h).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* ============================================================ records */

static int is_tty_stderr(void) { return isatty(2); }

typedef struct report_state {
    long shown;        /* messages printed */
    long total;        /* messages received */
} report_state;

#define MAX_REPORTS 30

static void on_report(void *ud, const char *file, long line, const char *msg) {
    report_state *r = ud;
    r->total++;
    if (r->shown < MAX_REPORTS) {
        cli_err("%s:%ld: %s\n", file, line, msg);
        r->shown++;
        if (r->shown == MAX_REPORTS)
            cli_err(cli_lang_ja() ? "これ以降のレコードのメッセージは表示しません\n"
                                  : "further record messages are not shown\n");
    }
}

/* A builder's messages about records (tenyo_build_opts.report: two records
 * of one patent that disagree), printed as the reader's are, the first
 * MAX_REPORTS of the process. */
void cli_on_build_report(void *ud, const char *file, long line, const char *msg) {
    static report_state rs;
    (void)ud;
    on_report(&rs, file, line, msg);
}

/* =========================================================== progress */

/* Peak resident memory of this process (getrusage), MiB. */
double cli_peak_mib(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru)) return 0;
    return ru.ru_maxrss / 1024.0; /* kilobytes on Linux */
}

static double mono_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A stage's name as the progress line shows it: in Japanese under a
 * Japanese locale (cli_lang_ja), else as the library names it. */
static const char *stage_name(const char *stage) {
    static const struct { const char *en, *ja; } names[] = {
        {"read", "読み込み"}, {"tokenize", "形態素解析"}, {"weight", "重み付け"},
        {"svd", "SVD"}, {"ivf", "IVF"}, {"fields", "分野モデル"}, {"keywords", "キーワード"},
        {"write", "書き込み"}};
    if (!cli_lang_ja()) return stage;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(names[i].en, stage)) return names[i].ja;
    return stage;
}

/* "m:ss" of seconds into out. */
static void fmt_eta(char *out, size_t n, double sec) {
    if (sec >= 0 && sec < 360000) snprintf(out, n, "%d:%02d", (int)sec / 60, (int)sec % 60);
    else snprintf(out, n, "--");
}

/* The read line (see cli_progress). */
static void draw_read(cli_progress *p, double el, int end) {
    double rate = el >= 0.5 ? (double)p->tokenized / el : 0;
    int ja = cli_lang_ja();
    if (!p->bytes_total) {
        fprintf(stderr, ja ? "\r%s %.1f MiB  %llu 件読込  %llu 件解析  %.0f 件/秒   "
                           : "\r%-9s %.1f MiB  %llu read  %llu tokenized  %.0f rec/s   ",
                stage_name("read"), p->bytes / 1048576.0, (unsigned long long)p->records,
                (unsigned long long)p->tokenized, rate);
        return;
    }
    /* records in the file(s), extrapolated from the bytes read */
    double est = p->bytes ? (double)p->records * (double)p->bytes_total / (double)p->bytes : 0;
    if (est < (double)p->records) est = (double)p->records;
    double frac = est > 0 ? (double)p->tokenized / est : 0;
    if (frac > 1) frac = 1;
    char bar[21], eta_s[16] = "--";
    for (int i = 0; i < 20; i++) bar[i] = i < (int)(20 * frac) ? '#' : '.';
    bar[20] = 0;
    if (rate > 0) fmt_eta(eta_s, sizeof eta_s, (est - (double)p->tokenized) / rate);
    fprintf(stderr, ja ? "\r%s [%s] %.1f/%.1f MiB  %llu 件読込  %llu 件解析  %.0f 件/秒  残り %s   "
                       : "\r%-9s [%s] %.1f/%.1f MiB  %llu read  %llu tokenized  %.0f rec/s  ETA %s   ",
            stage_name("read"), bar, p->bytes / 1048576.0, p->bytes_total / 1048576.0,
            (unsigned long long)p->records, (unsigned long long)p->tokenized, rate,
            eta_s);
}

void cli_on_progress(void *ud, const char *stage, uint64_t done,
                        uint64_t total) {
    cli_progress *p = ud;
    if (!is_tty_stderr() || !p) return;
    double t = mono_now();
    int reading = !strcmp(stage, "read");
    if (p->reading || reading) {
        /* the read line: "read" gives bytes, "tokenize" the records done */
        if (reading) {
            p->bytes = done;
            p->bytes_total = total;
        } else if (!strcmp(stage, "tokenize")) {
            p->tokenized = done;
        } else {
            return;
        }
        if (strcmp(p->stage, "read")) {
            snprintf(p->stage, sizeof p->stage, "read");
            p->t0 = t;
            p->last = 0;
        }
        int end = reading && !p->reading;
        if (!end && t - p->last < 0.1) return;
        p->last = t;
        draw_read(p, t - p->t0, end);
        if (end) fputc('\n', stderr);
        return;
    }
    if (strncmp(p->stage, stage, sizeof p->stage - 1)) {
        snprintf(p->stage, sizeof p->stage, "%s", stage);
        p->t0 = t;
        p->done0 = done;
        p->last = 0;
    }
    int end = total && done >= total;
    if (!end && t - p->last < 0.1) return;
    p->last = t;
    double el = t - p->t0;
    if (total > 1) {
        char bar[21], eta_s[16] = "--", rate_s[32];
        snprintf(rate_s, sizeof rate_s, "%s", cli_lang_ja() ? "--/秒" : "--/s");
        int fill = (int)(20.0 * (double)done / (double)total);
        for (int i = 0; i < 20; i++) bar[i] = i < fill ? '#' : '.';
        bar[20] = 0;
        double rate = el > 0 ? (double)(done - p->done0) / el : 0;
        if (el >= 0.5) {
            snprintf(rate_s, sizeof rate_s, cli_lang_ja() ? "%.*f/秒" : "%.*f/s", rate < 10 ? 1 : 0,
                     rate);
            if (rate > 0) fmt_eta(eta_s, sizeof eta_s, (double)(total - done) / rate);
        }
        int ja = cli_lang_ja();
        fprintf(stderr, ja ? "\r%s [%s] %llu/%llu %3.0f%%  %s  残り %s   "
                           : "\r%-9s [%s] %llu/%llu %3.0f%%  %s  ETA %s   ", stage_name(stage), bar,
                (unsigned long long)done, (unsigned long long)total,
                100.0 * (double)done / (double)total, rate_s, end ? "0:00" : eta_s);
    } else {
        fprintf(stderr, cli_lang_ja() ? "\r%s %s  %.1f 秒            " : "\r%-9s %s  %.1f s            ",
                stage_name(stage), done ? (cli_lang_ja() ? "完了" : "done") : "...", el);
    }
    if (end) fputc('\n', stderr);
}

/* ============================================================= sinks */

static int builder_add(void *ud, const tenyo_doc *d) { return tenyo_builder_add(ud, d); }
static const char *builder_error(void *ud) { return tenyo_builder_error(ud); }

cli_sink cli_sink_builder(tenyo_builder *b) {
    cli_sink s = {builder_add, builder_error, b, NULL, NULL, NULL, NULL, 0};
    return s;
}

/* Per file: what was read and how (the analyst checks an export by it),
 * and what a file without abstracts costs; in Japanese under a Japanese
 * locale. */
static void file_report(const char *file, tenyo_reader *r, const tenyo_read_stats *st,
                        int given, uint64_t title_only) {
    unsigned long long n = st->records, t = title_only;
    if (cli_lang_ja()) {
        fprintf(stderr, "読み込み %s: %llu 件（%s、%s、%s）、要約なし %llu 件、スキップ %llu 件\n", file,
                n, tenyo_reader_format(r), tenyo_reader_encoding(r), given ? "指定" : "自動判定",
                t, (unsigned long long)st->skipped);
        if (t)
            cli_err("警告: %s: %llu 件中 %llu 件に要約がありません。発明の名称だけで索引するため、"
                    "類似検索と転用候補が弱くなり、文を引用できません。要約を含めて出力してください"
                    "（同じ特許を要約付きで含む別の入力、または追加先の索引があれば、その要約が"
                    "使われます: 同じ特許のレコードは統合されます）\n", file, n, t);
        return;
    }
    fprintf(stderr, "read %s: %llu record%s (%s, %s%s), %llu without abstract, %llu skipped\n",
            file, n, n == 1 ? "" : "s", tenyo_reader_format(r), tenyo_reader_encoding(r),
            given ? ", as given" : ", detected", t, (unsigned long long)st->skipped);
    if (t)
        cli_err("warning: %s: %llu of %llu records %s no abstract (要約): %s indexed on %s "
                "title only, so similarity and proposals for %s are weaker and no sentence "
                "can be quoted; export with 要約 for full results (a patent that another input, "
                "or the index added to, gives with its 要約 keeps it: records of one patent "
                "are merged)\n", file, t, n,
                t == 1 ? "has" : "have", t == 1 ? "it is" : "they are", t == 1 ? "its" : "their",
                t == 1 ? "it" : "them");
}

/* Read FILEs into sink; returns an exit code (0 ok). Skips records
 * rejected by the split filter keep(ud, id) when given. A sink's add
 * returning > 0 ends the reading there, with 0 (the totals then count
 * the files read whole only). */
int cli_read_inputs(const cli_sink *sink, char **files, int nfiles,
                    const tenyo_read_opts *ro_in, int quiet,
                    int (*keep)(void *ud, const tenyo_doc *d), void *keep_ud,
                    cli_read_totals *tot) {
    report_state rs = {0};
    tenyo_read_opts ro = *ro_in;
    ro.report = quiet ? NULL : on_report;
    ro.report_ud = &rs;
    for (int i = 0; i < nfiles; i++) {
        char err[512] = "";
        tenyo_reader *r = NULL;
        int rc = tenyo_reader_open(files[i], &ro, &r, err, sizeof err);
        if (rc) {
            cli_err("%s\n", err[0] ? err : tenyo_strerror(rc));
            return rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INPUT;
        }
        /* charset honesty: a given encoding that detection disagrees with */
        const char *det = tenyo_reader_detected(r);
        if (det && (ro.strict || !sink->no_totals)) { /* once, unless fatal everywhere */
            cli_err("%s%s: --encoding %s looks wrong: the text reads differently as %s, "
                    "which detection picks (ICU)%s\n", ro.strict ? "" : "warning: ", files[i],
                    ro.encoding, det, ro.strict ? "" : "; reading it as given");
            if (ro.strict) {
                tenyo_reader_free(r);
                return EXIT_INPUT;
            }
        }
        if (sink->begin && (rc = sink->begin(sink->ud, i, r))) {
            cli_err("%s: %s\n", files[i], sink->error(sink->ud));
            tenyo_reader_free(r);
            return cli_exit_code(rc);
        }
        const tenyo_doc *d;
        uint64_t nrec = 0, title_only = 0;
        cli_progress *ps = sink->progress_ud;
        if (sink->progress && ps) ps->reading = 1;
        while ((rc = tenyo_reader_next(r, &d)) == 1) {
            if (sink->progress && ps && (++nrec & 63) == 0) {
                tenyo_read_stats now;
                tenyo_reader_stats(r, &now);
                ps->records += 64;
                sink->progress(sink->progress_ud, "read", now.bytes_read, now.bytes_total);
            }
            if (keep && !keep(keep_ud, d)) { tot->filtered++; continue; }
            if (!*d->abstract && !*d->claims && !*d->description) title_only++;
            int arc = sink->add(sink->ud, d);
            if (arc > 0) { /* the sink has all it wants: stop, no error */
                tenyo_reader_free(r);
                return EXIT_OK;
            }
            if (arc) {
                cli_err("%s:%ld: %s\n", d->source, d->line,
                        sink->error(sink->ud));
                tenyo_reader_free(r);
                return cli_exit_code(arc);
            }
        }
        if (rc < 0) {
            cli_err("%s\n", tenyo_reader_error(r));
            tenyo_reader_free(r);
            return rc == TENYO_ERR_NOMEM ? EXIT_RESOURCE : EXIT_INPUT;
        }
        tenyo_read_stats st;
        tenyo_reader_stats(r, &st);
        if (sink->end && (rc = sink->end(sink->ud, i, &st))) {
            cli_err("%s: %s\n", files[i], sink->error(sink->ud));
            tenyo_reader_free(r);
            return cli_exit_code(rc);
        }
        if (sink->progress && ps) {
            ps->records += nrec & 63;
            if (i == nfiles - 1) {
                ps->reading = 0; /* ends the read line */
                uint64_t b = st.bytes_total ? st.bytes_total : st.bytes_read;
                if (!b) b = 1;
                sink->progress(sink->progress_ud, "read", b, b);
            }
        }
        /* charset honesty: many records skipped usually means a wrong charset
         * (records with invalid bytes are skipped one by one): more than 5%
         * of the file, or every record, is worth a warning with the counts */
        uint64_t seen = st.records + st.skipped;
        if (sink->no_totals) {
            /* another process reports this file's counts */
        } else if (st.skipped && (st.skipped * 20 > seen || !st.records)) {
            cli_err("warning: %s: %llu of %llu records skipped (%.0f%%), read as %s%s%s%s\n",
                    files[i], (unsigned long long)st.skipped, (unsigned long long)seen,
                    100.0 * (double)st.skipped / (double)seen, tenyo_reader_encoding(r),
                    ro.encoding ? " (--encoding)" : " (detected)",
                    det ? "; detection picks " : "", det ? det : "");
        }
        if (!seen && !sink->no_totals)
            cli_err(cli_lang_ja() ? "警告: %s: レコードがありません\n" : "warning: %s: no records\n",
                    files[i]);
        tot->records += st.records;
        tot->skipped += st.skipped;
        tot->empty += st.empty;
        tot->files++;
        if (!quiet && !sink->no_totals)
            file_report(files[i], r, &st, ro.encoding != NULL, title_only);
        tenyo_reader_free(r);
    }
    return EXIT_OK;
}

