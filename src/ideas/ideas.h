/*
 * ideas.h — the ideas layer (ideas/): what an analyst asks of the index,
 * built on the query context of the api layer.
 *
 * ideas.c  tenyo_ideas_*: other fields where a patent could apply, ranked
 *          by confidence and surprise, explained (bridge terms, application
 *          phrases, evidence, the why)
 * map.c    tenyo_map_*: the 2-D map of fields and patents, its labels
 * match.c  tenyo_match_text: a company's description against the licensable
 *          patents
 *
 * The three export only tenyo.h's functions; this header is the layer's
 * one include (the api layer and, through it, everything below).
 *
 * Below: every layer but cli. Above: cli.
 */
#ifndef TENYO_IDEAS_H
#define TENYO_IDEAS_H

#include "api/api.h"
#include "judge/judge.h"

#endif /* TENYO_IDEAS_H */
