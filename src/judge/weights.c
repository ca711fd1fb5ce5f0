/*
 * weights.c — the judge's one table of weights and thresholds:
 * models/judge.tsv ("version V", then "name<TAB>weight" lines), compiled
 * in by the Makefile as build/gen/judge_weights.c and written by
 * eval/fit_judge.py. terms.c and card.c read it by name once, here.
 */
#include "judge/judge.h"

#include <string.h>

/* As the generated file lays the table out. */
typedef struct jw_entry { const char *name; double w; } jw_entry;
extern const jw_entry ty_judge_weights[];
extern const char ty_judge_weights_version[];

const char *ty_judge_version(void) { return ty_judge_weights_version; }

double ty_judge_weight(const char *name, double dflt) {
    for (const jw_entry *w = ty_judge_weights; w->name; w++)
        if (!strcmp(w->name, name)) return w->w;
    return dflt;
}
