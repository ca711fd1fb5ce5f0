/*
 * jpoxml.c — JPO official-gazette XML (jp-official-gazette, DTD gat-a; the
 * expat adapter, the only file of tenyo that includes expat.h).
 *
 * expat is a push parser: element handlers keep a small stack of the element
 * kinds that matter and route character data into the record's buffers. A
 * DOM (libxml2) was rejected: a gazette is mostly description text that we
 * copy once anyway, and a tree would double the memory for nothing.
 *
 * What is taken (everything else, drawings, agents, inventors, F-terms, is
 * ignored):
 *   id          publication-reference doc-number + kind, written the way
 *               J-PlatPat and analysts write it, so that a gazette and a
 *               J-PlatPat export of the same publication share one id:
 *               kind A 2010000001 → 特開2010-000001, T → 特表YYYY-NNNNNN,
 *               U → 実開YYYY-NNNNNN, B → 特許NNNNNNN, Y → 実登NNNNNNN;
 *               any other kind, or a number of another shape, → "JP" +
 *               number + kind (JP2010000001S). The kind comes from the root's
 *               kind-of-jp attribute, else from "(A)" in <kind>.
 *               (A "JP2010-000001A" style was rejected: nobody searches that.)
 *   title       invention-title (the first)
 *   abstract    <abstract> text; <br/> and paragraph ends become newlines
 *   claims      every <claim-text>, joined by newlines
 *   description <description> text (headings and paragraphs, one a line)
 *   applicant   applicant/addressbook/name, one per applicant, joined "; "
 *   date        publication-reference date, YYYYMMDD → YYYY-MM-DD
 *   codes       classification-ipc main-clsf / further-clsf, written
 *               "A01D  34/13        20060101AFI20091204BHJP" → "A01D34/13";
 *               then classification-national (FI) the same way, with a
 *               subdivision and file discriminator written as J-PlatPat does
 *               ("G06F 17/30 350 C" → "G06F17/30,350@C"); repeats dropped
 *   lang        the root's lang attribute when "ja" or "en"
 * Source line breaks and indentation are layout, not text: each text field is
 * cleaned to its non-blank lines, trimmed, joined with '\n'.
 *
 * Documents. A file may hold one gazette, several concatenated gazettes (each
 * with its own <?xml ...?> declaration, as the offices ship them), or several
 * jp-official-gazette elements under one wrapper root. The text is cut before
 * every "<?xml" declaration after the first and each piece is parsed by a
 * fresh parser; inside a piece every jp-official-gazette element is a record
 * (a piece whose root is something else and that holds no such element is
 * taken as one record when it has bibliographic data). The record number is
 * the ordinal of the document in the file. An XML error is a bad record
 * reported with the file's line and column; the next piece is still read.
 *
 * Streaming (ty_parser_jpoxml): text comes in pieces cut anywhere. The cuts
 * at declarations are found as the text passes: the end of a piece that may
 * be the start of "<?xml " (at most five bytes) is held back until the next
 * piece tells; blanks at the start of a document are held until a
 * non-blank byte starts its parser (a document of blanks alone gets none);
 * each document's parser gets its bytes with isFinal = 0 and
 * is finished at the next declaration or at the end of the file. expat
 * keeps only the token it is reading; the text of one record is bounded by
 * env->max_record (16 MiB): past it the record's text is no longer kept and
 * the record is reported as too large when it ends.
 *
 * Safety. The parser is created with encoding "UTF-8", which overrides the
 * declaration (the reader has already converted the text, so a gazette that
 * says encoding="Shift_JIS" is no longer Shift_JIS). External entities and
 * the DTD (../../DTD/gat-a.dtd) are never loaded: no external-entity handler
 * is installed and parameter-entity parsing is off; expat's own amplification
 * limits guard against entity bombs in an internal subset.
 */
#include "io/io.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

/* Element kinds the handlers care about. */
typedef enum {
    E_OTHER, E_GAZETTE, E_BIBLIO, E_PUBREF, E_DOCNUM, E_KIND, E_DATE,
    E_TITLE, E_ABSTRACT, E_CLAIMTEXT, E_DESCRIPTION, E_APPLICANT, E_NAME,
    E_CLS_IPC, E_CLS_NAT, E_MAIN_CLSF, E_FURTHER_CLSF, E_P, E_BR, E_HEADING
} ekind;

/* Element names, indexed by ekind (E_OTHER unused). */
static const char *const enames[] = {
    [E_GAZETTE] = "jp-official-gazette", [E_BIBLIO] = "bibliographic-data",
    [E_PUBREF] = "publication-reference", [E_DOCNUM] = "doc-number",
    [E_KIND] = "kind", [E_DATE] = "date", [E_TITLE] = "invention-title",
    [E_ABSTRACT] = "abstract", [E_CLAIMTEXT] = "claim-text",
    [E_DESCRIPTION] = "description", [E_APPLICANT] = "applicant",
    [E_NAME] = "name", [E_CLS_IPC] = "classification-ipc",
    [E_CLS_NAT] = "classification-national", [E_MAIN_CLSF] = "main-clsf",
    [E_FURTHER_CLSF] = "further-clsf", [E_P] = "p", [E_BR] = "br",
    [E_HEADING] = "heading"};
#define NEKINDS ((int)(sizeof enames / sizeof *enames))

/* Deepest element nesting accepted (real gazettes stay under 20). */
#define MAX_DEPTH 4096

/* Parser state shared with the expat handlers. */
typedef struct xml_state {
    ty_parse_env *env;    /* where records and reports go */
    XML_Parser xp;        /* parser of the current piece */
    long first_line;      /* file line of the piece's first line */
    long docno;           /* documents seen in the file so far */
    long found;           /* record elements seen in the file */
    int rc;               /* status that stops everything, 0 while going on */

    uint8_t *stack;       /* ekind per open element */
    size_t depth, capdepth; /* open elements, entries allocated */
    size_t rec_depth;     /* depth of the record element, 0 = none open */
    int provisional;      /* the record element is a non-gazette root */
    int saw_biblio;       /* bibliographic-data seen in this record */
    int cnt[NEKINDS];     /* open elements of each kind */
    int pubref_done;      /* a publication-reference was completed */
    int title_done;       /* an invention-title was completed */
    int name_taken;       /* this applicant already gave a name */

    ty_record rec;        /* record being filled */
    ty_buf *capture;      /* leaf buffer taking character data, or NULL */
    ty_buf docnum, kind, pubdate; /* publication-reference parts */
    char kind_attr[8];    /* kind-of-jp of the root, "" if none */
    ty_buf name;          /* applicant name being read */
    ty_buf clsf;          /* classification text being read */

    size_t max;           /* most text bytes kept for one record */
    size_t rec_bytes;     /* text bytes taken for this record so far */
    int too_big;          /* this record passed max: its text is dropped */

    /* streaming: the file is cut into pieces at "<?xml" declarations */
    long line;            /* file line of the next byte (1-based) */
    long piece_line;      /* file line where the current piece starts */
    uint64_t piece_len;   /* bytes of the current piece so far */
    int dead;             /* the piece had an XML error: drop the rest */
    ty_buf lead;          /* blanks that start the piece, held until a
                             non-blank byte starts its parser */
    char carry[8];        /* end of a fed text that may begin "<?xml " */
    size_t ncarry;        /* bytes in carry */
} xml_state;

/* ============================================================ helpers */

static ekind kind_of(const char *name) {
    for (int k = 1; k < NEKINDS; k++)
        if (!strcmp(name, enames[k])) return (ekind)k;
    return E_OTHER;
}

/* Stop the parse with status rc (message already in env->err). */
static void stop(xml_state *st, int rc) {
    if (!st->rc) st->rc = rc;
    if (st->xp) XML_StopParser(st->xp, XML_FALSE);
}

/* Stop on allocation failure. */
static void nomem(xml_state *st) {
    ty_seterr(st->env->err, sizeof st->env->err, "%s: out of memory",
              st->env->path);
    stop(st, TENYO_ERR_NOMEM);
}

/* Clean text in place: keep the non-blank lines, each trimmed of ASCII
 * blanks, joined with '\n'. */
static void clean_text(ty_buf *b) {
    if (!b->p) return;
    size_t out = 0, i = 0, n = b->len;
    char *p = b->p;
    while (i < n) {
        size_t e = i;
        while (e < n && p[e] != '\n') e++;
        size_t s = i, t = e;
        while (s < t && (p[s] == ' ' || p[s] == '\t' || p[s] == '\r')) s++;
        while (t > s && (p[t - 1] == ' ' || p[t - 1] == '\t' ||
                         p[t - 1] == '\r'))
            t--;
        if (t > s) {
            if (out) p[out++] = '\n';
            memmove(p + out, p + s, t - s);
            out += t - s;
        }
        i = e + 1;
    }
    b->len = out;
    p[out] = 0;
}

/* Split b into at most max whitespace-separated tokens (pointers into b,
 * which is modified). Returns the count. */
static int tokens(ty_buf *b, char **tok, int max) {
    int n = 0;
    char *s = b->p;
    if (!s) return 0;
    while (*s && n < max) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
        if (!*s) break;
        tok[n++] = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') s++;
        if (*s) *s++ = 0;
    }
    return n;
}

/* Turn a main-clsf / further-clsf text into a code and add it. IPC text is
 * "A01D  34/13        20060101AFI20091204BHJP" (subclass, group, then a
 * version/level token that is dropped); FI text is "A01D34/13" or
 * "G06F 17/30 350 C" (subdivision 350, file discriminator C). */
static int add_clsf(xml_state *st, int fi) {
    char *tok[6];
    int n = tokens(&st->clsf, tok, 6), i = 0;
    if (!n) return TENYO_OK;
    ty_buf code = {0};
    int rc = TENYO_ERR_NOMEM;
    if (ty_buf_append(&code, tok[0], strlen(tok[0]))) goto out;
    i = 1;
    if (!strchr(tok[0], '/') && n > 1) {
        if (ty_buf_append(&code, tok[1], strlen(tok[1]))) goto out;
        i = 2;
    }
    for (; fi && i < n; i++) {
        const char *t = tok[i];
        size_t d = strspn(t, "0123456789");
        int letter = (t[d] >= 'A' && t[d] <= 'Z') && !t[d + 1];
        if (!(d && !t[d]) && !letter) break; /* not a subdivision */
        if (d && (ty_buf_putc(&code, ',') || ty_buf_append(&code, t, d)))
            goto out;
        if (letter && (ty_buf_putc(&code, '@') || ty_buf_putc(&code, t[d])))
            goto out;
    }
    rc = ty_record_add_code(&st->rec, code.p, code.len);
out:
    ty_buf_free(&code);
    return rc;
}

/* Build the id from doc-number and kind (see the essay). */
static int make_id(xml_state *st) {
    ty_record *r = &st->rec;
    clean_text(&st->docnum);
    clean_text(&st->kind);
    char k[8] = "";
    if (st->kind_attr[0]) {
        memcpy(k, st->kind_attr, sizeof k);
    } else if (st->kind.p) {
        /* "公開特許公報(A)" or with full-width parentheses "（Ａ）" */
        const char *o = strrchr(st->kind.p, '(');
        if (o && o[1] >= 'A' && o[1] <= 'Z') {
            size_t m = strspn(o + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
            if (m < sizeof k) memcpy(k, o + 1, m), k[m] = 0;
        } else if ((o = strstr(st->kind.p, "\xEF\xBC\x88")) != NULL &&
                   (unsigned char)o[3] == 0xEF && (unsigned char)o[4] == 0xBC &&
                   (unsigned char)o[5] >= 0xA1 && (unsigned char)o[5] <= 0xBA) {
            k[0] = (char)('A' + ((unsigned char)o[5] - 0xA1));
            k[1] = 0;
        }
    }
    const char *num = st->docnum.p ? st->docnum.p : "";
    size_t nlen = st->docnum.len;
    int all_digits = nlen && strspn(num, "0123456789") == nlen;
    const char *yearly = !strcmp(k, "A")   ? "特開"
                         : !strcmp(k, "T") ? "特表"
                         : !strcmp(k, "U") ? "実開"
                                           : NULL;
    const char *plain = (k[0] == 'B' && (!k[1] || k[1] == '1' || k[1] == '2' ||
                                         k[1] == '9'))
                            ? "特許"
                        : !strcmp(k, "Y") ? "実登"
                                          : NULL;
    int rc;
    if (yearly && all_digits && nlen == 10) {
        rc = ty_buf_append(&r->id, yearly, strlen(yearly));
        if (!rc) rc = ty_buf_append(&r->id, num, 4);
        if (!rc) rc = ty_buf_putc(&r->id, '-');
        if (!rc) rc = ty_buf_append(&r->id, num + 4, 6);
    } else if (plain && all_digits) {
        rc = ty_buf_append(&r->id, plain, strlen(plain));
        if (!rc) rc = ty_buf_append(&r->id, num, nlen);
    } else {
        rc = ty_buf_append(&r->id, "JP", 2);
        if (!rc) rc = ty_buf_append(&r->id, num, nlen);
        if (!rc) rc = ty_buf_append(&r->id, k, strlen(k));
    }
    return rc;
}

/* Begin a record at the current depth. */
static void begin_record(xml_state *st, int provisional, const char **attr) {
    ty_record_clear(&st->rec);
    st->docnum.len = st->kind.len = st->pubdate.len = 0;
    if (st->docnum.p) st->docnum.p[0] = 0;
    if (st->kind.p) st->kind.p[0] = 0;
    if (st->pubdate.p) st->pubdate.p[0] = 0;
    st->kind_attr[0] = 0;
    st->rec_depth = st->depth;
    st->provisional = provisional;
    st->saw_biblio = st->pubref_done = st->title_done = 0;
    st->capture = NULL;
    st->rec_bytes = 0;
    st->too_big = 0;
    if (!provisional) st->found++;
    st->docno++;
    st->rec.line = st->docno;
    for (int i = 0; attr[i]; i += 2) {
        if (!strcmp(attr[i], "kind-of-jp")) {
            ty_seterr(st->kind_attr, sizeof st->kind_attr, "%s", attr[i + 1]);
        } else if (!strcmp(attr[i], "lang") &&
                   (!strcmp(attr[i + 1], "ja") || !strcmp(attr[i + 1], "en"))) {
            if (ty_buf_append(&st->rec.lang, attr[i + 1], 2)) nomem(st);
        }
    }
}

/* Finish the record: build id and date, clean the text, hand it over. */
static void end_record(xml_state *st) {
    ty_parse_env *env = st->env;
    ty_record *r = &st->rec;
    long no = r->line;
    st->rec_depth = 0;
    st->capture = NULL;
    if (st->provisional && !st->saw_biblio) {
        st->docno--; /* not a document after all */
        return;
    }
    if (st->provisional) st->found++;
    if (st->too_big) {
        int rc = ty_parse_too_big(env, no);
        if (rc) stop(st, rc);
        return;
    }
    if (!st->docnum.len || !*st->docnum.p) {
        int rc = ty_parse_bad(env, no,
                              "no publication-reference doc-number");
        if (rc) stop(st, rc);
        return;
    }
    if (make_id(st)) {
        nomem(st);
        return;
    }
    clean_text(&r->title);
    clean_text(&r->abstract);
    clean_text(&r->claims);
    clean_text(&r->description);
    clean_text(&st->pubdate);
    if (st->pubdate.len) {
        if (ty_buf_append(&r->date, st->pubdate.p, st->pubdate.len)) {
            nomem(st);
            return;
        }
        if (ty_date_normalize(&r->date)) {
            ty_parse_warn(env, no, "publication date \"%.40s\" is not a date, "
                                   "ignored",
                          st->pubdate.p);
            r->date.len = 0;
            r->date.p[0] = 0;
        }
    }
    int rc = env->sink(env->ud, r);
    if (rc) stop(st, rc < 0 ? rc : TENYO_ERR_INPUT);
}

/* ============================================================ handlers */

/* 1 when n more text bytes may go into the record; past st->max the
 * record is marked too big and its text is no longer kept. */
static int take(xml_state *st, size_t n) {
    if (st->too_big) return 0;
    if (n > st->max - st->rec_bytes) {
        st->too_big = 1;
        return 0;
    }
    st->rec_bytes += n;
    return 1;
}

static void XMLCALL on_start(void *ud, const XML_Char *name,
                             const XML_Char **attr) {
    xml_state *st = ud;
    if (st->rc) return;
    if (st->depth == MAX_DEPTH) {
        ty_seterr(st->env->err, sizeof st->env->err,
                  "%s: XML nested deeper than %d elements", st->env->path,
                  MAX_DEPTH);
        stop(st, TENYO_ERR_LIMIT);
        return;
    }
    if (st->depth == st->capdepth) {
        size_t cap = st->capdepth ? st->capdepth * 2 : 64;
        uint8_t *s = ty_reallocarray(st->stack, cap, 1);
        if (!s) {
            nomem(st);
            return;
        }
        st->stack = s;
        st->capdepth = cap;
    }
    ekind k = kind_of(name);
    st->stack[st->depth++] = (uint8_t)k;
    st->cnt[k]++;

    if (k == E_GAZETTE) {
        if (st->rec_depth && !st->provisional) return; /* nested: ignore */
        if (st->rec_depth) st->docno--; /* a wrapper, not a document */
        begin_record(st, 0, attr);
        return;
    }
    if (st->depth == 1) begin_record(st, 1, attr); /* then as any element */
    if (!st->rec_depth) return;
    ty_record *r = &st->rec;
    switch (k) {
    case E_BIBLIO: st->saw_biblio = 1; break;
    case E_DOCNUM:
        if (st->cnt[E_PUBREF] && !st->pubref_done) st->capture = &st->docnum;
        break;
    case E_KIND:
        if (st->cnt[E_PUBREF] && !st->pubref_done) st->capture = &st->kind;
        break;
    case E_DATE:
        if (st->cnt[E_PUBREF] && !st->pubref_done) st->capture = &st->pubdate;
        break;
    case E_TITLE:
        if (!st->title_done) st->capture = &r->title;
        break;
    case E_APPLICANT: st->name_taken = 0; break;
    case E_NAME:
        if (st->cnt[E_APPLICANT] && !st->name_taken) {
            st->name.len = 0;
            st->capture = &st->name;
        }
        break;
    case E_MAIN_CLSF:
    case E_FURTHER_CLSF:
        if (st->cnt[E_CLS_IPC] || st->cnt[E_CLS_NAT]) {
            st->clsf.len = 0;
            st->capture = &st->clsf;
        }
        break;
    case E_CLAIMTEXT:
        if (r->claims.len && ty_buf_putc(&r->claims, '\n')) nomem(st);
        break;
    default: break;
    }
}

/* The buffer that takes mixed content now (abstract, claims, description),
 * or NULL. */
static ty_buf *text_target(xml_state *st) {
    if (st->cnt[E_CLAIMTEXT]) return &st->rec.claims;
    if (st->cnt[E_ABSTRACT]) return &st->rec.abstract;
    if (st->cnt[E_DESCRIPTION]) return &st->rec.description;
    return NULL;
}

static void XMLCALL on_end(void *ud, const XML_Char *name) {
    (void)name;
    xml_state *st = ud;
    if (st->rc || !st->depth) return;
    ekind k = (ekind)st->stack[--st->depth];
    st->cnt[k]--;
    if (!st->rec_depth) return;
    if (st->depth + 1 == st->rec_depth) {
        end_record(st);
        return;
    }
    ty_record *r = &st->rec;
    ty_buf *t;
    switch (k) {
    case E_PUBREF: st->pubref_done = 1; break;
    case E_DOCNUM:
    case E_KIND:
    case E_DATE:
        if (st->capture == &st->docnum || st->capture == &st->kind ||
            st->capture == &st->pubdate)
            st->capture = NULL;
        break;
    case E_TITLE:
        if (st->capture == &r->title) {
            st->capture = NULL;
            st->title_done = 1;
        }
        break;
    case E_NAME:
        if (st->capture == &st->name) {
            st->capture = NULL;
            clean_text(&st->name);
            if (st->name.len) {
                st->name_taken = 1;
                if ((r->applicant.len && ty_buf_append(&r->applicant, "; ", 2)) ||
                    ty_buf_append(&r->applicant, st->name.p, st->name.len))
                    nomem(st);
            }
        }
        break;
    case E_MAIN_CLSF:
    case E_FURTHER_CLSF:
        if (st->capture == &st->clsf) {
            st->capture = NULL;
            if (add_clsf(st, st->cnt[E_CLS_NAT] > 0)) nomem(st);
        }
        break;
    case E_P:
    case E_BR:
    case E_HEADING:
    case E_CLAIMTEXT:
        if ((t = text_target(st)) && take(st, 1) &&
            ty_buf_putc(t, '\n'))
            nomem(st);
        break;
    default: break;
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len) {
    xml_state *st = ud;
    if (st->rc || !st->rec_depth || len <= 0) return;
    ty_buf *b = st->capture ? st->capture : text_target(st);
    if (b && take(st, (size_t)len) && ty_buf_append(b, s, (size_t)len))
        nomem(st);
}

/* ================================================================ parse */

/* Most blank bytes held at the start of a piece before its parser is
 * started anyway (a piece of blanks alone is skipped without a parser). */
#define LEAD_MAX ((size_t)64 << 10)

/* Report the XML error that stopped the current piece's parser as one bad
 * record, numbered as the document that was open (or the next one). */
static void piece_error(xml_state *st) {
    if (st->rc) return; /* stopped on purpose: the status says why */
    XML_Parser xp = st->xp;
    long no = st->rec_depth ? st->rec.line : st->docno + 1;
    if (!st->rec_depth) st->docno++;
    st->found++;
    int rc = ty_parse_bad(
        st->env, no, "XML error at line %ld, column %ld: %s",
        (long)XML_GetCurrentLineNumber(xp) + st->piece_line - 1,
        (long)XML_GetCurrentColumnNumber(xp) + 1,
        XML_ErrorString(XML_GetErrorCode(xp)));
    if (rc) st->rc = rc;
}

/* Give s[0..n) to the piece's parser (isFinal = final); on an XML error
 * the piece is reported, its parser freed and the rest of it dropped. */
static void run_expat(xml_state *st, const char *s, size_t n, int final) {
    do {
        size_t m = n > (size_t)INT_MAX / 2 ? (size_t)INT_MAX / 2 : n;
        int last = final && m == n;
        if (XML_Parse(st->xp, s, (int)m, last) != XML_STATUS_OK) {
            piece_error(st);
            XML_ParserFree(st->xp);
            st->xp = NULL;
            st->rec_depth = 0;
            st->dead = 1;
            return;
        }
        s += m;
        n -= m;
    } while (n);
}

/* Start the parser of the current piece. */
static int start_expat(xml_state *st) {
    XML_Parser xp = XML_ParserCreate("UTF-8");
    if (!xp) {
        nomem(st);
        return st->rc;
    }
    st->xp = xp;
    XML_SetUserData(xp, st);
    XML_SetElementHandler(xp, on_start, on_end);
    XML_SetCharacterDataHandler(xp, on_text);
    XML_SetParamEntityParsing(xp, XML_PARAM_ENTITY_PARSING_NEVER);
    st->depth = st->rec_depth = 0;
    memset(st->cnt, 0, sizeof st->cnt);
    st->capture = NULL;
    return TENYO_OK;
}

/* Bytes s[0..n) of the current piece (no declaration starts inside, except
 * at the piece's first byte). */
static void piece_bytes(xml_state *st, const char *s, size_t n) {
    st->piece_len += n;
    if (!st->dead && !st->xp) {
        size_t i = 0;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
                         s[i] == '\n'))
            i++;
        if (i == n && st->lead.len + n <= LEAD_MAX) {
            if (ty_buf_append(&st->lead, s, n)) nomem(st);
        } else if (!start_expat(st)) {
            if (st->lead.len) run_expat(st, st->lead.p, st->lead.len, 0);
            st->lead.len = 0;
        }
    }
    if (!st->dead && st->xp && !st->rc) run_expat(st, s, n, 0);
    for (size_t i = 0; i < n; i++) st->line += s[i] == '\n';
}

/* End the current piece (its parser sees the end of its input) and begin
 * the next one at the current line. */
static void piece_end(xml_state *st) {
    if (st->xp && !st->dead && !st->rc) run_expat(st, "", 0, 1);
    if (st->xp) XML_ParserFree(st->xp);
    st->xp = NULL;
    st->rec_depth = 0;
    st->dead = 0;
    st->lead.len = 0;
    st->piece_len = 0;
    st->piece_line = st->line;
}

/* 1 when s[0..n) is a start of "<?xml" (n <= 5): the end of a text that a
 * declaration may continue. */
static int decl_prefix(const char *s, size_t n) {
    return n <= 5 && !memcmp(s, "<?xml", n);
}

/* 1 when c may follow "<?xml" in a declaration. */
static int decl_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Feed text[0..len): cut it at every "<?xml" declaration (followed by a
 * blank) that does not start the piece, and hand the pieces to expat. The
 * end of a text that may be the start of a declaration is held back (carry)
 * until the next text tells. */
static int xml_feed(void *impl, const char *text, size_t len, int final) {
    xml_state *st = impl;
    if (st->ncarry) {
        /* does the declaration begun in carry go on in text? */
        char w[16];
        size_t k = len < 6 ? len : 6;
        memcpy(w, st->carry, st->ncarry);
        memcpy(w + st->ncarry, text, k);
        size_t wn = st->ncarry + k;
        if (wn < 6 && decl_prefix(w, wn) && !final) {
            memcpy(st->carry, w, wn); /* still undecided */
            st->ncarry = wn;
            return st->rc;
        }
        size_t nc = st->ncarry;
        st->ncarry = 0;
        if (wn >= 6 && !memcmp(w, "<?xml", 5) && decl_blank(w[5]) &&
            st->piece_len)
            piece_end(st);
        piece_bytes(st, st->carry, nc);
    }
    size_t pos = 0, from = 0;
    while (pos < len && !st->rc) {
        const char *p = from < len ? memmem(text + from, len - from, "<?xml", 5)
                                   : NULL;
        size_t at = p ? (size_t)(p - text) : len;
        if (p && at + 5 < len && !decl_blank(p[5])) {
            from = at + 5; /* "<?xmlfoo": not a declaration */
            continue;
        }
        if (p && at + 5 < len) {
            /* a declaration at `at`: the piece before it ends there */
            if (at > pos) piece_bytes(st, text + pos, at - pos);
            if (st->rc) break;
            if (st->piece_len) piece_end(st);
            pos = at;
            from = at + 1;
            continue;
        }
        /* no declaration ahead; hold back a possible beginning of one */
        size_t end = len;
        if (!final) {
            size_t t = len - pos < 5 ? pos : len - 5;
            const char *lt = memchr(text + t, '<', len - t);
            while (lt) {
                size_t o = (size_t)(lt - text);
                if (decl_prefix(lt, len - o)) {
                    end = o;
                    break;
                }
                lt = o + 1 < len ? memchr(lt + 1, '<', len - o - 1) : NULL;
            }
        }
        if (end > pos) piece_bytes(st, text + pos, end - pos);
        if (end < len && !st->rc) {
            memcpy(st->carry, text + end, len - end);
            st->ncarry = len - end;
        }
        pos = len;
    }
    if (final && !st->rc) {
        piece_end(st);
        if (!st->rc && !st->found) {
            ty_seterr(st->env->err, sizeof st->env->err,
                      "%s: no jp-official-gazette document found",
                      st->env->path ? st->env->path : "");
            st->rc = TENYO_ERR_INPUT;
        }
    }
    return st->rc;
}

static void xml_state_free(void *impl) {
    xml_state *st = impl;
    if (!st) return;
    if (st->xp) XML_ParserFree(st->xp);
    free(st->stack);
    ty_record_free(&st->rec);
    ty_buf_free(&st->docnum);
    ty_buf_free(&st->kind);
    ty_buf_free(&st->pubdate);
    ty_buf_free(&st->name);
    ty_buf_free(&st->clsf);
    ty_buf_free(&st->lead);
    free(st);
}

int ty_parser_jpoxml(ty_parse_env *env, ty_parser *p) {
    if (!env || !env->sink || !p) return TENYO_ERR_ARG;
    memset(p, 0, sizeof *p);
    xml_state *st = calloc(1, sizeof *st);
    if (!st) {
        ty_seterr(env->err, sizeof env->err, "%s: out of memory",
                  env->path ? env->path : "");
        return TENYO_ERR_NOMEM;
    }
    st->env = env;
    st->line = st->piece_line = 1;
    st->max = env->max_record ? env->max_record : TY_MAX_RECORD;
    p->feed = xml_feed;
    p->free = xml_state_free;
    p->impl = st;
    return TENYO_OK;
}

/* Parse gazette XML text[0..len) (UTF-8). */
int ty_parse_jpoxml(ty_parse_env *env, const char *text, size_t len) {
    if (!env || !env->sink || (!text && len)) return TENYO_ERR_ARG;
    ty_parser p;
    int rc = ty_parser_jpoxml(env, &p);
    if (rc) return rc;
    rc = ty_parser_feed(&p, text, len, 1);
    ty_parser_free(&p);
    return rc;
}
