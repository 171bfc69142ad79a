/* Out-of-core OLS/WLS and logistic regression from mergeable accumulators
 * (include/causal/regress.h, "Out-of-core"; docs/methods/regress_stream.md).
 *
 * The cross-product X'X, X'y, y'y of the (sqrt(w)-scaled) rows [X y] is
 * kept in square-root form: the upper triangular R of a QR factorization of
 * [X y] (so R'R = [X y]'[X y]). Chunks are folded into R by a
 * triangular-pentagonal QR (LAPACK dtpqrt), two accumulators are merged the
 * same way. Solving from R is as accurate as a QR of the whole data (the
 * error grows with cond(X), not cond(X)^2 as for the normal equations), the
 * state is O(k^2) and the rank decision uses the same equilibrated pivoted
 * QR as the in-memory fit (R has the column norms of X).
 *
 * Per pass the accumulator also holds the meat of sandwich covariances
 * (sum s_i s_i', s_i the score of row i) and per-cluster score sums keyed by
 * the cluster column's value in a hash map (O(G k)). OLS needs one pass (a
 * second one for HC0/HC1/CR0/CR1, whose scores need the coefficients);
 * logit needs one pass per IRLS iteration plus one evaluation pass. */
#include "internal/core.h"
#include "internal/dataset.h"
#include "internal/dist.h"
#include "internal/linalg.h"
#include "internal/regress.h"
#include "internal/serial.h"

#include <cblas.h>
#include <lapacke.h>

#include <float.h>
#include <math.h>
#include <string.h>

#define BLK 256 /* rows per block fed to dtpqrt / dsyrk */
#define NB 32   /* dtpqrt block size */
#define LOGIT_MAXITER 25
#define LOGIT_TOL 1e-8
#define VAR_MIN 1e-290
#define NULL_LAMBDA 1e-6

enum { ST_MAIN = 1, ST_FINAL = 2, ST_DONE = 3 };
enum { KEY_INT = 0, KEY_DBL = 1, KEY_STR = 2 };

static const char *UPD = "causal_regress_acc_update";

/* ---- cluster map: key -> k score sums ---------------------------------- */
typedef struct clmap {
  size_t n, ecap, scap; /* entries, entry capacity, slots (power of 2) */
  uint8_t *tag;
  uint64_t *key;
  char **str;
  double *s; /* ecap x k, entry-major */
  size_t *slot; /* scap: entry index + 1, 0 = empty */
} clmap;

static uint64_t key_hash(uint8_t tag, uint64_t key, const char *str) {
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  h = (h ^ tag) * UINT64_C(0x100000001b3);
  if (tag == KEY_STR) {
    for (const unsigned char *p = (const unsigned char *)str; *p; p++)
      h = (h ^ *p) * UINT64_C(0x100000001b3);
  } else {
    for (int b = 0; b < 8; b++)
      h = (h ^ ((key >> (8 * b)) & 0xff)) * UINT64_C(0x100000001b3);
  }
  return h ^ (h >> 29);
}

static size_t map_find(const clmap *m, uint8_t tag, uint64_t key,
                       const char *str) {
  if (m->scap == 0)
    return SIZE_MAX;
  size_t mask = m->scap - 1, i = key_hash(tag, key, str) & mask;
  for (;; i = (i + 1) & mask) {
    size_t e = m->slot[i];
    if (e == 0)
      return SIZE_MAX;
    e--;
    if (m->tag[e] == tag &&
        (tag == KEY_STR ? strcmp(m->str[e], str) == 0 : m->key[e] == key))
      return e;
  }
}

static void map_free(const cz_alloc *a, clmap *m) {
  if (m->str != NULL)
    for (size_t e = 0; e < m->n; e++)
      cz_free(a, m->str[e]);
  cz_free(a, m->tag);
  cz_free(a, m->key);
  cz_free(a, m->str);
  cz_free(a, m->s);
  cz_free(a, m->slot);
  memset(m, 0, sizeof *m);
}

/* Room for `need` entries; all or nothing. */
static int map_reserve(const cz_alloc *a, clmap *m, size_t need, size_t k) {
  if (need <= m->ecap && 2 * need <= m->scap)
    return CAUSAL_OK;
  size_t ec = m->ecap ? m->ecap : 8, sc = m->scap ? m->scap : 16, sb;
  while (ec < need)
    ec *= 2;
  while (sc < 2 * ec)
    sc *= 2;
  if (!cz_mul_size(ec, k, &sb) || !cz_mul_size(sb, sizeof(double), &sb))
    return cz_fail(CAUSAL_ENOMEM, "%s: too many clusters", UPD);
  uint8_t *tag = cz_malloc(a, ec);
  uint64_t *key = cz_malloc(a, ec * sizeof *key);
  char **str = cz_calloc(a, ec, sizeof *str);
  double *s = cz_malloc(a, sb ? sb : 1);
  size_t *slot = cz_calloc(a, sc, sizeof *slot);
  if (!tag || !key || !str || !s || !slot) {
    cz_free(a, tag);
    cz_free(a, key);
    cz_free(a, str);
    cz_free(a, s);
    cz_free(a, slot);
    return CAUSAL_ENOMEM;
  }
  if (m->n) {
    memcpy(tag, m->tag, m->n);
    memcpy(key, m->key, m->n * sizeof *key);
    memcpy(str, m->str, m->n * sizeof *str);
    memcpy(s, m->s, m->n * k * sizeof *s);
  }
  cz_free(a, m->tag);
  cz_free(a, m->key);
  cz_free(a, m->str);
  cz_free(a, m->s);
  cz_free(a, m->slot);
  m->tag = tag;
  m->key = key;
  m->str = str;
  m->s = s;
  m->slot = slot;
  m->ecap = ec;
  m->scap = sc;
  for (size_t e = 0; e < m->n; e++) {
    size_t i = key_hash(tag[e], key[e], str[e]) & (sc - 1);
    while (slot[i] != 0)
      i = (i + 1) & (sc - 1);
    slot[i] = e + 1;
  }
  return CAUSAL_OK;
}

/* Insert a new key (capacity reserved; str ownership taken). */
static size_t map_insert(clmap *m, uint8_t tag, uint64_t key, char *str,
                         size_t k) {
  size_t e = m->n++, mask = m->scap - 1;
  m->tag[e] = tag;
  m->key[e] = tag == KEY_STR ? 0 : key;
  m->str[e] = str;
  memset(m->s + e * k, 0, k * sizeof *m->s);
  size_t i = key_hash(tag, key, str) & mask;
  while (m->slot[i] != 0)
    i = (i + 1) & mask;
  m->slot[i] = e + 1;
  return e;
}

/* dst += src, moving src's strings (src is emptied of them). Cannot fail
 * after the reserve. */
static int map_absorb(const cz_alloc *a, clmap *dst, clmap *src, size_t k) {
  size_t need = dst->n + src->n;
  CZ_CHECK(map_reserve(a, dst, need, k));
  for (size_t e = 0; e < src->n; e++) {
    size_t d = map_find(dst, src->tag[e], src->key[e], src->str[e]);
    if (d == SIZE_MAX) {
      d = map_insert(dst, src->tag[e], src->key[e], src->str[e], k);
      src->str[e] = NULL;
    }
    for (size_t j = 0; j < k; j++)
      dst->s[d * k + j] += src->s[e * k + j];
  }
  return CAUSAL_OK;
}

static int map_clone(const cz_alloc *a, clmap *dst, const clmap *src,
                     size_t k) {
  memset(dst, 0, sizeof *dst);
  if (src->n == 0)
    return CAUSAL_OK;
  CZ_CHECK(map_reserve(a, dst, src->n, k));
  for (size_t e = 0; e < src->n; e++) {
    char *s = NULL;
    if (src->tag[e] == KEY_STR && (s = cz_strdup(a, src->str[e])) == NULL) {
      map_free(a, dst);
      return CAUSAL_ENOMEM;
    }
    size_t d = map_insert(dst, src->tag[e], src->key[e], s, k);
    memcpy(dst->s + d * k, src->s + e * k, k * sizeof *dst->s);
  }
  return CAUSAL_OK;
}

/* ---- per-pass record --------------------------------------------------- */
typedef struct prec {
  int64_t n, ndrop, n1; /* rows used, dropped, with y = 1 (w > 0) */
  double W, Wy, slw;    /* sum w, sum w y, sum log w */
  double dev, g0, h0, dev0;
  double *dropped; /* nused: missing values per used column */
  double *R;       /* k1 x k1, upper triangular, strict lower part zero */
  double *M;       /* k x k meat, upper triangle */
  clmap cl;
} prec;

/* ---- schema column ----------------------------------------------------- */
typedef struct sccol {
  char *name;
  int cat;    /* categorical in the schema */
  int recode; /* categorical term component or outcome: levels fixed */
  char **labels;
  size_t nlev;
} sccol;

struct causal_regress_acc {
  cz_alloc alloc;
  causal_regress *spec; /* private copy */
  int family, vtype;
  size_t ncol;
  sccol *cols;
  size_t nused;
  char **used;
  size_t k, k1;
  char **xnames;
  int icpt;       /* design column 0 is "(Intercept)" */
  int has_offset; /* logit offset */
  int clustered;  /* one cluster column */
  size_t clcol;   /* its index among cols */
  int meat;       /* vcov needs the scores */
  /* progress */
  int64_t pass, iter, halvings;
  int stage, has_acc, main_eval, null_done, has_first;
  double alpha, step, dev_acc, crit, lambda2, dev0_final;
  size_t rank;
  uint8_t *kept;                 /* k */
  double *beta, *beta_acc, *dir; /* k */
  prec first, cur;
  /* scratch */
  double *blk, *tt, *work;
};

/* ---- small helpers ------------------------------------------------------ */
static double *dalloc(const cz_alloc *a, size_t n) {
  size_t b;
  if (!cz_mul_size(n ? n : 1, sizeof(double), &b)) {
    cz_fail(CAUSAL_ENOMEM, "regress_stream: %zu doubles overflow", n);
    return NULL;
  }
  return cz_malloc(a, b);
}

static int prec_alloc(const cz_alloc *a, prec *p, size_t k, size_t nused) {
  memset(p, 0, sizeof *p);
  size_t k1 = k + 1;
  p->dropped = cz_calloc(a, nused ? nused : 1, sizeof(double));
  p->R = cz_calloc(a, k1 * k1, sizeof(double));
  p->M = cz_calloc(a, k * k, sizeof(double));
  return p->dropped && p->R && p->M ? CAUSAL_OK : CAUSAL_ENOMEM;
}

static void prec_free(const cz_alloc *a, prec *p) {
  cz_free(a, p->dropped);
  cz_free(a, p->R);
  cz_free(a, p->M);
  map_free(a, &p->cl);
  memset(p, 0, sizeof *p);
}

static void prec_reset(prec *p, size_t k, size_t nused, const cz_alloc *a) {
  double *d = p->dropped, *R = p->R, *M = p->M;
  clmap cl = p->cl;
  memset(d, 0, (nused ? nused : 1) * sizeof *d);
  memset(R, 0, (k + 1) * (k + 1) * sizeof *R);
  memset(M, 0, k * k * sizeof *M);
  for (size_t e = 0; e < cl.n; e++) {
    cz_free(a, cl.str[e]);
    cl.str[e] = NULL;
  }
  cl.n = 0;
  if (cl.slot)
    memset(cl.slot, 0, cl.scap * sizeof *cl.slot);
  memset(p, 0, sizeof *p);
  p->dropped = d;
  p->R = R;
  p->M = M;
  p->cl = cl;
}

/* Scalars and arrays of src into dst (allocated alike); map cloned. */
static int prec_copy(const cz_alloc *a, prec *dst, const prec *src, size_t k,
                     size_t nused) {
  clmap cl;
  CZ_CHECK(map_clone(a, &cl, &src->cl, k));
  double *d = dst->dropped, *R = dst->R, *M = dst->M;
  map_free(a, &dst->cl);
  *dst = *src;
  dst->dropped = d;
  dst->R = R;
  dst->M = M;
  dst->cl = cl;
  memcpy(d, src->dropped, (nused ? nused : 1) * sizeof *d);
  memcpy(R, src->R, (k + 1) * (k + 1) * sizeof *R);
  memcpy(M, src->M, k * k * sizeof *M);
  return CAUSAL_OK;
}

static double lg_prob(double eta) {
  if (eta >= 0)
    return 1.0 / (1.0 + exp(-eta));
  double e = exp(eta);
  return e / (1.0 + e);
}
static double lg_var(double eta) {
  double e = exp(-fabs(eta));
  double v = e / ((1.0 + e) * (1.0 + e));
  return v < VAR_MIN ? VAR_MIN : v;
}
static double lg_unit_dev(double y, double eta) {
  double t = y > 0.5 ? -eta : eta; /* 2 softplus(t) */
  return 2.0 * ((t > 0 ? t : 0.0) + log1p(exp(-fabs(t))));
}

/* Fold m rows B (m x k1, ld ldb; l = 0 rectangular, l = k1 triangular)
 * into the triangular R (k1 x k1). B is overwritten. */
static int tsqr_fold(causal_regress_acc *acc, double *R, double *B, size_t m,
                     size_t ldb, int tri) {
  if (m == 0)
    return CAUSAL_OK;
  lapack_int k1 = (lapack_int)acc->k1, nb = k1 < NB ? k1 : NB;
  lapack_int info = LAPACKE_dtpqrt_work(
      LAPACK_COL_MAJOR, (lapack_int)m, k1, tri ? k1 : 0, nb, R, k1, B,
      (lapack_int)ldb, acc->tt, nb, acc->work);
  if (info != 0)
    return cz_fail(CAUSAL_EINTERNAL, "regress_stream: dtpqrt info %d",
                   (int)info);
  return CAUSAL_OK;
}

/* ======================================================================
 * Creation
 * ====================================================================== */

void causal_regress_acc_free(causal_regress_acc *acc) {
  if (acc == NULL)
    return;
  const cz_alloc *a = &acc->alloc;
  causal_regress_free(acc->spec);
  if (acc->cols != NULL)
    for (size_t c = 0; c < acc->ncol; c++) {
      cz_free(a, acc->cols[c].name);
      for (size_t l = 0; l < acc->cols[c].nlev; l++)
        cz_free(a, acc->cols[c].labels[l]);
      cz_free(a, acc->cols[c].labels);
    }
  cz_free(a, acc->cols);
  if (acc->used != NULL)
    for (size_t j = 0; j < acc->nused; j++)
      cz_free(a, acc->used[j]);
  cz_free(a, acc->used);
  if (acc->xnames != NULL)
    for (size_t j = 0; j < acc->k; j++)
      cz_free(a, acc->xnames[j]);
  cz_free(a, acc->xnames);
  cz_free(a, acc->kept);
  cz_free(a, acc->beta);
  cz_free(a, acc->beta_acc);
  cz_free(a, acc->dir);
  prec_free(a, &acc->first);
  prec_free(a, &acc->cur);
  cz_free(a, acc->blk);
  cz_free(a, acc->tt);
  cz_free(a, acc->work);
  cz_free(a, acc);
}

/* Copy of the parts of a specification the frame needs. */
static int spec_clone(causal_regress **out, const causal_regress *m) {
  causal_regress *c = NULL;
  CZ_CHECK(causal_regress_new(&c, m->family));
  int rc = m->outcome ? causal_regress_set_outcome(c, m->outcome) : CAUSAL_OK;
  for (size_t i = 0; i < m->terms.n && rc == CAUSAL_OK; i++)
    rc = causal_regress_add_term(c, m->terms.items[i]);
  if (rc == CAUSAL_OK)
    rc = causal_regress_set_intercept(c, m->intercept);
  for (size_t i = 0; i < m->nrefs && rc == CAUSAL_OK; i++)
    rc = causal_regress_set_reference(c, m->refs[i].column, m->refs[i].level);
  if (rc == CAUSAL_OK && m->weights)
    rc = causal_regress_set_weights(c, m->weights);
  if (rc == CAUSAL_OK && m->offset)
    rc = causal_regress_set_offset(c, m->offset);
  for (size_t i = 0; i < m->clusters.n && rc == CAUSAL_OK; i++)
    rc = causal_regress_add_cluster(c, m->clusters.items[i]);
  if (rc != CAUSAL_OK) {
    causal_regress_free(c);
    return rc;
  }
  c->vcov = m->vcov;
  c->ssc = m->ssc;
  c->rank = m->rank;
  c->maxiter = m->maxiter;
  c->keep_fitted = m->keep_fitted;
  c->conf_level = m->conf_level;
  c->tol = m->tol;
  c->rank_tol = m->rank_tol;
  c->l2 = m->l2;
  *out = c;
  return CAUSAL_OK;
}

/* Which specification options the accumulator cannot honour. */
static int spec_check(const char *who, const causal_regress *m) {
  if (m->family != CAUSAL_REGRESS_OLS && m->family != CAUSAL_REGRESS_LOGIT)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: only OLS and LOGIT specifications can be fitted "
                   "out-of-core (family %d)",
                   who, m->family);
  if (m->outcome == NULL)
    return cz_fail(CAUSAL_EINVAL, "%s: no outcome column was set", who);
  if (m->absorb.n > 0)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: absorbed fixed effects ('%s') are not supported "
                   "out-of-core; add the factor as a categorical term",
                   who, m->absorb.items[0]);
  if (m->clusters.n > 1)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: two-way clustering ('%s', '%s') is not supported "
                   "out-of-core",
                   who, m->clusters.items[0], m->clusters.items[1]);
  if (m->l2 > 0)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: the L2 penalty is not supported out-of-core", who);
  if (m->keep_fitted)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: KEEP_FITTED (per-row fitted values) is not available "
                   "out-of-core",
                   who);
  int t = m->vcov ? (int)m->vcov
                  : (m->clusters.n ? CAUSAL_VCOV_CR1 : CAUSAL_VCOV_CLASSICAL);
  if (t == CAUSAL_VCOV_HC2 || t == CAUSAL_VCOV_HC3 || t == CAUSAL_VCOV_CR2)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: vcov %s needs the leverages of every row, which are "
                   "not available out-of-core; use HC0, HC1, CR0 or CR1",
                   who,
                   t == CAUSAL_VCOV_HC2   ? "HC2"
                   : t == CAUSAL_VCOV_HC3 ? "HC3"
                                          : "CR2");
  if ((t == CAUSAL_VCOV_CR0 || t == CAUSAL_VCOV_CR1) && m->clusters.n == 0)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: vcov %s needs a cluster column "
                   "(causal_regress_add_cluster)",
                   who, t == CAUSAL_VCOV_CR0 ? "CR0" : "CR1");
  return CAUSAL_OK;
}

/* Add a column name to the schema list (deduplicated). */
static int add_needed(const cz_alloc *a, char ***names, size_t *n, size_t *cap,
                      const char *s, size_t len) {
  for (size_t i = 0; i < *n; i++)
    if (strlen((*names)[i]) == len && memcmp((*names)[i], s, len) == 0)
      return CAUSAL_OK;
  if (*n == *cap) {
    size_t nc = *cap ? 2 * *cap : 8;
    char **p = cz_realloc(a, *names, *cap * sizeof *p, nc * sizeof *p);
    if (p == NULL)
      return CAUSAL_ENOMEM;
    *names = p;
    *cap = nc;
  }
  char *d = cz_malloc(a, len + 1);
  if (d == NULL)
    return CAUSAL_ENOMEM;
  memcpy(d, s, len);
  d[len] = '\0';
  (*names)[(*n)++] = d;
  return CAUSAL_OK;
}

static int is_term_col(const causal_regress *m, const char *name) {
  size_t len = strlen(name);
  for (size_t t = 0; t < m->terms.n; t++) {
    const char *p = m->terms.items[t];
    while (*p) {
      const char *q = strchr(p, ':');
      size_t l = q ? (size_t)(q - p) : strlen(p);
      if (l == len && memcmp(p, name, len) == 0)
        return 1;
      p += l + (q ? 1 : 0);
    }
  }
  return 0;
}

/* Schema columns from a dataset: every column the specification uses. */
static int schema_from(causal_regress_acc *acc, const causal_dataset *ds) {
  static const char *who = "causal_regress_acc_new";
  const cz_alloc *a = &acc->alloc;
  const causal_regress *m = acc->spec;
  char **names = NULL;
  size_t n = 0, cap = 0;
  int rc = add_needed(a, &names, &n, &cap, m->outcome, strlen(m->outcome));
  for (size_t t = 0; t < m->terms.n && rc == CAUSAL_OK; t++) {
    const char *p = m->terms.items[t];
    while (*p && rc == CAUSAL_OK) {
      const char *q = strchr(p, ':');
      size_t l = q ? (size_t)(q - p) : strlen(p);
      rc = add_needed(a, &names, &n, &cap, p, l);
      p += l + (q ? 1 : 0);
    }
  }
  if (rc == CAUSAL_OK && m->weights)
    rc = add_needed(a, &names, &n, &cap, m->weights, strlen(m->weights));
  if (rc == CAUSAL_OK && m->offset)
    rc = add_needed(a, &names, &n, &cap, m->offset, strlen(m->offset));
  for (size_t c = 0; c < m->clusters.n && rc == CAUSAL_OK; c++)
    rc = add_needed(a, &names, &n, &cap, m->clusters.items[c],
                    strlen(m->clusters.items[c]));
  if (rc == CAUSAL_OK) {
    acc->cols = cz_calloc(a, n, sizeof *acc->cols);
    if (acc->cols == NULL)
      rc = CAUSAL_ENOMEM;
  }
  if (rc != CAUSAL_OK) {
    for (size_t i = 0; i < n; i++)
      cz_free(a, names[i]);
    cz_free(a, names);
    return rc;
  }
  acc->ncol = n;
  for (size_t i = 0; i < n; i++)
    acc->cols[i].name = names[i];
  cz_free(a, names);
  for (size_t i = 0; i < n; i++) {
    sccol *c = &acc->cols[i];
    const cz_column *dc = cz_dataset_find(ds, c->name);
    if (dc == NULL)
      return cz_fail(CAUSAL_ENOTFOUND,
                     "%s: column '%s' used by the specification is not in the "
                     "schema dataset",
                     who, c->name);
    c->cat = dc->type == CAUSAL_TYPE_CAT;
    c->recode = c->cat && (strcmp(c->name, m->outcome) == 0 ||
                           is_term_col(m, c->name));
    if (c->recode) {
      c->labels = cz_calloc(a, dc->nlevels ? dc->nlevels : 1, sizeof(char *));
      if (c->labels == NULL)
        return CAUSAL_ENOMEM;
      for (size_t l = 0; l < dc->nlevels; l++) {
        c->labels[l] = cz_strdup(a, dc->labels[l]);
        if (c->labels[l] == NULL)
          return CAUSAL_ENOMEM;
        c->nlev++;
      }
    }
  }
  return CAUSAL_OK;
}

static size_t col_index(const causal_regress_acc *acc, const char *name) {
  for (size_t c = 0; c < acc->ncol; c++)
    if (strcmp(acc->cols[c].name, name) == 0)
      return c;
  return SIZE_MAX;
}

/* Design columns from a one-row probe dataset built from the schema:
 * the design depends only on the terms and the level sets. */
static int probe_design(causal_regress_acc *acc) {
  static const char *who = "causal_regress_acc_new";
  const cz_alloc *a = &acc->alloc;
  const causal_regress *m = acc->spec;
  size_t oc = col_index(acc, m->outcome);
  const sccol *yc = &acc->cols[oc];
  if (yc->cat && !(m->family == CAUSAL_REGRESS_LOGIT && yc->nlev == 2))
    return cz_fail(CAUSAL_ETYPE,
                   "%s: outcome column '%s' is categorical (%zu levels); a "
                   "numeric outcome is needed%s",
                   who, yc->name, yc->nlev,
                   m->family == CAUSAL_REGRESS_LOGIT
                       ? " (logit accepts a two-level categorical)"
                       : "");
  causal_dataset *ds = NULL;
  causal_design *d = NULL;
  causal_result *res = NULL;
  int rc = causal_dataset_new(&ds);
  double zero = 0.0;
  int32_t code0 = 0;
  for (size_t c = 0; c < acc->ncol && rc == CAUSAL_OK; c++) {
    const sccol *s = &acc->cols[c];
    if (!is_term_col(m, s->name))
      continue;
    if (s->cat) {
      if (s->nlev == 0)
        rc = cz_fail(CAUSAL_EINVAL,
                     "%s: categorical column '%s' has no levels in the "
                     "schema; the schema must list every level",
                     who, s->name);
      else
        rc = causal_dataset_add_cat(ds, s->name, &code0, 1,
                                    (const char *const *)s->labels, s->nlev,
                                    CAUSAL_COPY);
    } else {
      rc = causal_dataset_add_f64(ds, s->name, &zero, NULL, 1, CAUSAL_COPY);
    }
  }
  if (rc == CAUSAL_OK)
    rc = causal_design_new(&d);
  if (rc == CAUSAL_OK)
    rc = causal_design_set_intercept(d, m->intercept);
  for (size_t t = 0; t < m->terms.n && rc == CAUSAL_OK; t++)
    rc = causal_design_add_term(d, m->terms.items[t]);
  for (size_t i = 0; i < m->nrefs && rc == CAUSAL_OK; i++)
    rc = causal_design_set_reference(d, m->refs[i].column, m->refs[i].level);
  if (rc == CAUSAL_OK) {
    rc = causal_design_build(&res, d, ds);
    if (rc != CAUSAL_OK && rc != CAUSAL_ENOMEM)
      rc = cz_fail_context(rc, "%s", who);
  }
  causal_design_free(d);
  causal_dataset_free(ds);
  const double *X;
  size_t nr = 0, k = 0;
  if (rc == CAUSAL_OK)
    rc = causal_result_get_matrix(res, "X", &X, &nr, &k);
  if (rc == CAUSAL_OK) {
    acc->k = k;
    acc->k1 = k + 1;
    acc->xnames = cz_calloc(a, k ? k : 1, sizeof *acc->xnames);
    if (acc->xnames == NULL)
      rc = CAUSAL_ENOMEM;
  }
  for (size_t j = 0; j < k && rc == CAUSAL_OK; j++) {
    const char *nm = causal_result_dimname(res, "X", 1, j);
    acc->xnames[j] = cz_strdup(a, nm ? nm : "?");
    if (acc->xnames[j] == NULL)
      rc = CAUSAL_ENOMEM;
  }
  if (rc == CAUSAL_OK)
    acc->icpt = m->intercept && k > 0 &&
                strcmp(acc->xnames[0], "(Intercept)") == 0;
  /* used columns in the frame's order: outcome, design columns (first
   * use), weights, offset, clusters */
  size_t cap = 0;
  if (rc == CAUSAL_OK)
    rc = add_needed(a, &acc->used, &acc->nused, &cap, m->outcome,
                    strlen(m->outcome));
  if (rc == CAUSAL_OK) {
    const double *cnt;
    size_t nu = 0;
    rc = causal_result_get_vector(res, "dropped_by_column", &cnt, &nu);
    for (size_t j = 0; j < nu && rc == CAUSAL_OK; j++) {
      const char *nm = causal_result_dimname(res, "dropped_by_column", 0, j);
      if (nm != NULL)
        rc = add_needed(a, &acc->used, &acc->nused, &cap, nm, strlen(nm));
    }
  }
  if (rc == CAUSAL_OK && m->weights)
    rc = add_needed(a, &acc->used, &acc->nused, &cap, m->weights,
                    strlen(m->weights));
  if (rc == CAUSAL_OK && m->offset)
    rc = add_needed(a, &acc->used, &acc->nused, &cap, m->offset,
                    strlen(m->offset));
  for (size_t c = 0; c < m->clusters.n && rc == CAUSAL_OK; c++)
    rc = add_needed(a, &acc->used, &acc->nused, &cap, m->clusters.items[c],
                    strlen(m->clusters.items[c]));
  causal_result_free(res);
  return rc;
}

/* Allocate everything that depends on k. */
static int acc_arrays(causal_regress_acc *acc) {
  const cz_alloc *a = &acc->alloc;
  size_t k = acc->k, k1 = acc->k1;
  acc->kept = cz_calloc(a, k ? k : 1, 1);
  acc->beta = cz_calloc(a, k ? k : 1, sizeof(double));
  acc->beta_acc = cz_calloc(a, k ? k : 1, sizeof(double));
  acc->dir = cz_calloc(a, k ? k : 1, sizeof(double));
  acc->blk = dalloc(a, BLK * k1);
  acc->tt = dalloc(a, NB * k1);
  acc->work = dalloc(a, NB * k1);
  if (!acc->kept || !acc->beta || !acc->beta_acc || !acc->dir || !acc->blk ||
      !acc->tt || !acc->work)
    return CAUSAL_ENOMEM;
  CZ_CHECK(prec_alloc(a, &acc->first, k, acc->nused));
  CZ_CHECK(prec_alloc(a, &acc->cur, k, acc->nused));
  return CAUSAL_OK;
}

/* Every column the specification uses must be a schema column (always
 * true for schema_from; checked for decoded states). */
static int cols_cover(const causal_regress_acc *acc) {
  const causal_regress *m = acc->spec;
  const char *one[3] = {m->outcome, m->weights, m->offset};
  for (int i = 0; i < 3; i++)
    if (one[i] && col_index(acc, one[i]) == SIZE_MAX)
      return cz_fail(CAUSAL_EINVAL, "schema lacks column '%s'", one[i]);
  for (size_t c = 0; c < m->clusters.n; c++)
    if (col_index(acc, m->clusters.items[c]) == SIZE_MAX)
      return cz_fail(CAUSAL_EINVAL, "schema lacks column '%s'",
                     m->clusters.items[c]);
  return CAUSAL_OK; /* term columns: the probe design fails without them */
}

/* Everything but the schema columns, which the caller filled in. */
static int acc_finish(causal_regress_acc *acc) {
  const causal_regress *m = acc->spec;
  CZ_CHECK(cols_cover(acc));
  acc->family = m->family;
  acc->vtype = m->vcov ? (int)m->vcov
                       : (m->clusters.n ? CAUSAL_VCOV_CR1
                                        : CAUSAL_VCOV_CLASSICAL);
  acc->clustered = m->clusters.n > 0 && acc->vtype >= CAUSAL_VCOV_CR0;
  acc->clcol = m->clusters.n ? col_index(acc, m->clusters.items[0]) : 0;
  acc->has_offset = m->offset != NULL;
  acc->meat = acc->vtype != CAUSAL_VCOV_CLASSICAL;
  CZ_CHECK(probe_design(acc));
  if (acc->k == 0)
    return cz_fail(CAUSAL_EINVAL, "causal_regress_acc_new: the model has no "
                                  "design columns");
  CZ_CHECK(acc_arrays(acc));
  acc->pass = 1;
  acc->stage = ST_MAIN;
  acc->step = 1.0;
  acc->crit = NAN;
  return CAUSAL_OK;
}

static causal_regress_acc *acc_alloc(void) {
  cz_alloc a = cz_alloc_current();
  causal_regress_acc *acc = cz_calloc(&a, 1, sizeof *acc);
  if (acc != NULL)
    acc->alloc = a;
  return acc;
}

int causal_regress_acc_new(causal_regress_acc **out, const causal_regress *m,
                           const causal_dataset *schema) {
  static const char *who = "causal_regress_acc_new";
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(m);
  CZ_REQUIRE_NONNULL(schema);
  CZ_CHECK(spec_check(who, m));
  causal_regress_acc *acc = acc_alloc();
  if (acc == NULL)
    return CAUSAL_ENOMEM;
  int rc = spec_clone(&acc->spec, m);
  if (rc == CAUSAL_OK)
    rc = schema_from(acc, schema);
  if (rc == CAUSAL_OK)
    rc = acc_finish(acc);
  if (rc != CAUSAL_OK) {
    causal_regress_acc_free(acc);
    return rc;
  }
  *out = acc;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ======================================================================
 * Update
 * ====================================================================== */

/* The chunk as the schema sees it: every needed column, categorical term
 * and outcome columns recoded to the schema's levels. */
static int build_view(const causal_regress_acc *acc, const causal_dataset *ch,
                      causal_dataset **out) {
  const cz_alloc *a = &acc->alloc;
  size_t n = ch->nrows;
  causal_dataset *v = NULL;
  CZ_CHECK(causal_dataset_new(&v));
  int rc = CAUSAL_OK;
  int32_t *codes = NULL, *lmap = NULL;
  for (size_t c = 0; c < acc->ncol && rc == CAUSAL_OK; c++) {
    const sccol *s = &acc->cols[c];
    const cz_column *dc = NULL;
    for (size_t j = 0; j < ch->ncols; j++)
      if (strcmp(ch->cols[j].name, s->name) == 0)
        dc = &ch->cols[j];
    if (dc == NULL) {
      rc = cz_fail(CAUSAL_ENOTFOUND,
                   "%s: column '%s' of the schema is not in the chunk", UPD,
                   s->name);
      break;
    }
    int cat = dc->type == CAUSAL_TYPE_CAT;
    if (cat != s->cat) {
      rc = cz_fail(CAUSAL_ETYPE,
                   "%s: column '%s' is %s in the chunk but %s in the schema",
                   UPD, s->name, cat ? "categorical" : "numeric",
                   s->cat ? "categorical" : "numeric");
      break;
    }
    switch (dc->type) {
    case CAUSAL_TYPE_F64:
      rc = causal_dataset_add_f64(v, s->name, dc->data, dc->valid, n,
                                  CAUSAL_BORROW);
      continue;
    case CAUSAL_TYPE_I64:
      rc = causal_dataset_add_i64(v, s->name, dc->data, dc->valid, n,
                                  CAUSAL_BORROW);
      continue;
    case CAUSAL_TYPE_BOOL:
      rc = causal_dataset_add_bool(v, s->name, dc->data, dc->valid, n,
                                   CAUSAL_BORROW);
      continue;
    default: break;
    }
    /* categorical: codes with -1 for missing, mapped to the schema */
    codes = cz_malloc(a, (n ? n : 1) * sizeof *codes);
    lmap = cz_malloc(a, (dc->nlevels ? dc->nlevels : 1) * sizeof *lmap);
    if (codes == NULL || lmap == NULL) {
      rc = CAUSAL_ENOMEM;
      break;
    }
    for (size_t l = 0; l < dc->nlevels; l++) {
      lmap[l] = (int32_t)l;
      if (s->recode) {
        lmap[l] = -2;
        for (size_t q = 0; q < s->nlev; q++)
          if (strcmp(dc->labels[l], s->labels[q]) == 0)
            lmap[l] = (int32_t)q;
      }
    }
    const int32_t *src = dc->data;
    for (size_t i = 0; i < n && rc == CAUSAL_OK; i++) {
      if (cz_col_missing(dc, i)) {
        codes[i] = -1;
        continue;
      }
      codes[i] = lmap[src[i]];
      if (codes[i] == -2) {
        cz_buf b;
        cz_buf_init(&b, a);
        for (size_t q = 0; q < s->nlev && q < 8; q++)
          cz_buf_printf(&b, "%s'%s'", q ? ", " : "", s->labels[q]);
        if (s->nlev > 8)
          cz_buf_puts(&b, ", ...");
        rc = cz_fail(CAUSAL_EINVAL,
                     "%s: level '%s' of column '%s' (chunk row %zu) is not "
                     "among the %zu levels of the schema (%s); the design "
                     "columns are fixed by the schema",
                     UPD, dc->labels[src[i]], s->name, i, s->nlev,
                     b.data ? b.data : "");
        cz_buf_free(&b);
      }
    }
    if (rc == CAUSAL_OK)
      rc = s->recode
               ? causal_dataset_add_cat(v, s->name, codes, n,
                                        (const char *const *)s->labels,
                                        s->nlev, CAUSAL_COPY)
               : causal_dataset_add_cat(v, s->name, codes, n,
                                        (const char *const *)dc->labels,
                                        dc->nlevels, CAUSAL_COPY);
    cz_free(a, codes);
    cz_free(a, lmap);
    codes = lmap = NULL;
  }
  cz_free(a, codes);
  cz_free(a, lmap);
  if (rc != CAUSAL_OK) {
    causal_dataset_free(v);
    return rc;
  }
  *out = v;
  return CAUSAL_OK;
}

/* Cluster key of row i of column c. */
static void cluster_key(const cz_column *c, size_t i, uint8_t *tag,
                        uint64_t *key, const char **str) {
  *str = NULL;
  *key = 0;
  switch (c->type) {
  case CAUSAL_TYPE_I64:
    *tag = KEY_INT;
    *key = (uint64_t)((const int64_t *)c->data)[i];
    return;
  case CAUSAL_TYPE_BOOL:
    *tag = KEY_INT;
    *key = ((const uint8_t *)c->data)[i] != 0;
    return;
  case CAUSAL_TYPE_CAT:
    *tag = KEY_STR;
    *str = c->labels[((const int32_t *)c->data)[i]];
    return;
  default: {
    double v = ((const double *)c->data)[i];
    if (v == floor(v) && fabs(v) < 9.2e18) { /* also -0 == 0 */
      *tag = KEY_INT;
      *key = (uint64_t)(int64_t)v;
    } else {
      *tag = KEY_DBL;
      memcpy(key, &v, sizeof v);
    }
  }
  }
}

/* Everything computed from one chunk before it touches the state. */
typedef struct chunkacc {
  clmap cl;
  uint32_t *clidx; /* per used row: entry in cl */
  size_t *stidx;   /* per entry of cl: entry in the state's map */
} chunkacc;

static int chunk_clusters(const causal_regress_acc *acc, const cz_frame *f,
                          const causal_dataset *view, chunkacc *ca) {
  const cz_alloc *a = &acc->alloc;
  const cz_column *c = cz_dataset_find(view, acc->cols[acc->clcol].name);
  if (c == NULL)
    return cz_fail(CAUSAL_EINTERNAL, "%s: cluster column vanished", UPD);
  ca->clidx = cz_malloc(a, f->n * sizeof *ca->clidx);
  if (ca->clidx == NULL)
    return CAUSAL_ENOMEM;
  for (size_t i = 0; i < f->n; i++) {
    uint8_t tag;
    uint64_t key;
    const char *str;
    cluster_key(c, f->rows[i], &tag, &key, &str);
    size_t e = map_find(&ca->cl, tag, key, str);
    if (e == SIZE_MAX) {
      CZ_CHECK(map_reserve(a, &ca->cl, ca->cl.n + 1, acc->k));
      char *s = NULL;
      if (str != NULL && (s = cz_strdup(a, str)) == NULL)
        return CAUSAL_ENOMEM;
      e = map_insert(&ca->cl, tag, key, s, acc->k);
    }
    ca->clidx[i] = (uint32_t)e;
  }
  ca->stidx = cz_malloc(a, (ca->cl.n ? ca->cl.n : 1) * sizeof *ca->stidx);
  return ca->stidx ? CAUSAL_OK : CAUSAL_ENOMEM;
}

/* Logit rows must have y in {0, 1}. */
static int logit_check_y(const cz_frame *f) {
  for (size_t i = 0; i < f->n; i++)
    if (f->y[i] != 0 && f->y[i] != 1)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: outcome at chunk row %zu is %g; logistic regression "
                     "needs y in {0, 1}",
                     UPD, f->rows[i], f->y[i]);
  return CAUSAL_OK;
}

/* Fold the frame's rows into the current pass (cannot fail: capacity for
 * the clusters was reserved by the caller). */
static int fold_rows(causal_regress_acc *acc, const cz_frame *f,
                     const chunkacc *ca) {
  prec *P = &acc->cur;
  size_t n = f->n, k = acc->k, k1 = acc->k1;
  int logit = acc->family == CAUSAL_REGRESS_LOGIT;
  int ols2 = !logit && acc->stage == ST_FINAL;
  int tsqr = logit || acc->stage == ST_MAIN;
  int scores = acc->meat && (ols2 || (logit && acc->stage == ST_FINAL));
  double *B = acc->blk;
  for (size_t i0 = 0; i0 < n; i0 += BLK) {
    size_t m = n - i0 < BLK ? n - i0 : BLK;
    for (size_t r = 0; r < m; r++) {
      size_t i = i0 + r;
      double w = f->w ? f->w[i] : 1.0, y = f->y[i];
      double xb = 0;
      if (logit || ols2)
        for (size_t j = 0; j < k; j++)
          xb += f->X[i + j * n] * acc->beta[j];
      double rowscale, zval, u = 0;
      if (logit) {
        double o = f->offset ? f->offset[i] : 0.0, eta = xb + o;
        double p = lg_prob(eta), W = w * lg_var(eta), sw = sqrt(W);
        rowscale = sw;
        zval = sw * xb + w * (y - p) / sw;
        u = w * (y - p);
        P->dev += w * lg_unit_dev(y, eta);
        if (acc->icpt) {
          double e0 = acc->alpha + o;
          P->g0 += w * (y - lg_prob(e0));
          P->h0 += w * lg_var(e0);
          P->dev0 += w * lg_unit_dev(y, e0);
        } else {
          P->dev0 += w * lg_unit_dev(y, o);
        }
      } else {
        rowscale = sqrt(w);
        zval = rowscale * y;
        u = w * (y - xb);
      }
      P->W += w;
      P->Wy += w * y;
      P->n1 += y == 1;
      if (f->w)
        P->slw += log(w);
      if (tsqr) {
        for (size_t j = 0; j < k; j++)
          B[r + j * m] = rowscale * f->X[i + j * n];
        B[r + k * m] = zval;
      }
      if (scores) {
        double *s = ca ? acc->cur.cl.s : NULL;
        size_t e = ca ? ca->stidx[ca->clidx[i]] : 0;
        for (size_t j = 0; j < k; j++) {
          double v = u * f->X[i + j * n];
          if (!tsqr)
            B[r + j * m] = v;
          if (s)
            s[e * k + j] += v;
        }
      }
    }
    if (tsqr)
      CZ_CHECK(tsqr_fold(acc, P->R, B, m, m, 0));
    if (scores && !acc->clustered) {
      if (tsqr) /* logit final pass: the block holds the IRLS rows */
        for (size_t r = 0; r < m; r++) {
          size_t i = i0 + r;
          double w = f->w ? f->w[i] : 1.0, xb = 0;
          for (size_t j = 0; j < k; j++)
            xb += f->X[i + j * n] * acc->beta[j];
          double o = f->offset ? f->offset[i] : 0.0;
          double u = w * (f->y[i] - lg_prob(xb + o));
          for (size_t j = 0; j < k; j++)
            B[r + j * m] = u * f->X[i + j * n];
        }
      cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)k, (int)m, 1.0,
                  B, (int)m, 1.0, P->M, (int)k);
    }
  }
  (void)k1;
  P->n += (int64_t)n;
  P->ndrop += (int64_t)f->n_dropped;
  return CAUSAL_OK;
}

static int check_open(const char *who, const causal_regress_acc *acc) {
  if (acc->stage == ST_DONE)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: the accumulator is complete (no further pass is "
                   "needed); call causal_regress_acc_fit",
                   who);
  return CAUSAL_OK;
}

int causal_regress_acc_update(causal_regress_acc *acc,
                              const causal_dataset *chunk) {
  CZ_REQUIRE_NONNULL(acc);
  CZ_REQUIRE_NONNULL(chunk);
  CZ_CHECK(check_open(UPD, acc));
  const cz_alloc *a = &acc->alloc;
  causal_dataset *view = NULL;
  CZ_CHECK(build_view(acc, chunk, &view));
  size_t nrows = chunk->nrows;
  if (nrows == 0) {
    causal_dataset_free(view);
    cz_clear_error();
    return CAUSAL_OK;
  }
  cz_frame f;
  chunkacc ca;
  memset(&ca, 0, sizeof ca);
  int rc = cz_frame_build(&f, acc->spec, view);
  int all_dropped = rc == CAUSAL_EMISSING;
  if (rc != CAUSAL_OK && !all_dropped && rc != CAUSAL_ENOMEM)
    rc = cz_fail_context(rc, "%s", UPD);
  if (rc == CAUSAL_OK) {
    if (f.k != acc->k)
      rc = cz_fail(CAUSAL_EINTERNAL, "%s: chunk design has %zu columns, the "
                                     "schema %zu",
                   UPD, f.k, acc->k);
    for (size_t j = 0; j < f.k && rc == CAUSAL_OK; j++)
      if (strcmp(f.xnames[j], acc->xnames[j]) != 0)
        rc = cz_fail(CAUSAL_EINTERNAL,
                     "%s: chunk design column %zu is '%s', the schema's '%s'",
                     UPD, j, f.xnames[j], acc->xnames[j]);
  }
  if (rc == CAUSAL_OK && acc->family == CAUSAL_REGRESS_LOGIT)
    rc = logit_check_y(&f);
  int scores = acc->meat && acc->stage == ST_FINAL;
  if (rc == CAUSAL_OK && scores && acc->clustered) {
    rc = chunk_clusters(acc, &f, view, &ca);
    if (rc == CAUSAL_OK) /* room in the state for every new cluster */
      rc = map_reserve(a, &acc->cur.cl, acc->cur.cl.n + ca.cl.n, acc->k);
    if (rc == CAUSAL_OK)
      for (size_t e = 0; e < ca.cl.n; e++) {
        size_t d = map_find(&acc->cur.cl, ca.cl.tag[e], ca.cl.key[e],
                            ca.cl.str[e]);
        if (d == SIZE_MAX) {
          d = map_insert(&acc->cur.cl, ca.cl.tag[e], ca.cl.key[e],
                         ca.cl.str[e], acc->k);
          ca.cl.str[e] = NULL;
        }
        ca.stidx[e] = d;
      }
  }
  /* from here on nothing fails */
  if (rc == CAUSAL_OK)
    rc = fold_rows(acc, &f, scores && acc->clustered ? &ca : NULL);
  if (rc == CAUSAL_OK || all_dropped) {
    if (all_dropped) {
      rc = CAUSAL_OK;
      acc->cur.ndrop += (int64_t)nrows;
    }
    for (size_t j = 0; j < acc->nused; j++) {
      size_t col, nm = 0;
      if (causal_dataset_col_index(view, acc->used[j], &col) == CAUSAL_OK &&
          causal_dataset_col_nmissing(view, col, &nm) == CAUSAL_OK)
        acc->cur.dropped[j] += (double)nm;
    }
  }
  cz_frame_free(&f);
  map_free(a, &ca.cl);
  cz_free(a, ca.clidx);
  cz_free(a, ca.stidx);
  causal_dataset_free(view);
  if (rc == CAUSAL_OK)
    cz_clear_error();
  return rc;
}

/* ======================================================================
 * Solving from the triangular factor
 * ====================================================================== */

static double rank_tol(const causal_regress_acc *acc) {
  return acc->spec->rank_tol;
}

/* OLS from R of [sqrt(w) X, sqrt(w) y]: pivoted QR of R_xx (the column
 * norms of R_xx are those of X, so the equilibration and the rank decision
 * are those of the in-memory fit), refined least squares for the
 * coefficients, rss = ||r_xy - R_xx b||^2 + r_yy^2. */
static int ols_solve(const char *who, const causal_regress_acc *acc,
                     const prec *P, cz_qr *qr, cz_ws *ws, double *beta,
                     double *cov, double *rss, double *tss) {
  size_t k = acc->k, k1 = acc->k1;
  const double *R = P->R, *rxy = R + k * k1;
  double ryy = R[k + k * k1];
  cz_cmat Rxx = cz_cmat_view(R, k, k, k1);
  CZ_CHECK(cz_check_finite(who, "accumulated R", cz_cmat_view(R, k1, k1, k1)));
  CZ_CHECK(cz_qr_factor(who, qr, Rxx, rank_tol(acc), ws));
  double *resid = dalloc(&acc->alloc, k);
  if (resid == NULL)
    return CAUSAL_ENOMEM;
  int rc = cz_qr_lstsq_refine(who, qr, Rxx, rxy, beta, resid, 2, ws);
  if (rc == CAUSAL_OK && cov != NULL)
    rc = cz_qr_cov_unscaled(who, qr, cz_mat_dense(cov, k, k), ws);
  if (rc == CAUSAL_OK) {
    double s = ryy * ryy, t = ryy * ryy;
    for (size_t i = 0; i < k; i++) {
      s += resid[i] * resid[i];
      if (i > 0 || !acc->icpt)
        t += rxy[i] * rxy[i];
    }
    *rss = s;
    *tss = t;
  }
  cz_free(&acc->alloc, resid);
  return rc;
}

/* Logit: least squares of the working response on the kept columns:
 * A = R_xx[:, kept]; bk = argmin ||A b - r_z||; cov (nk x nk) = (A'A)^-1
 * (inverse information) if wanted. */
static int logit_solve(const char *who, const causal_regress_acc *acc,
                       const prec *P, double *bk, double *cov, size_t *nk_out) {
  const cz_alloc *a = &acc->alloc;
  size_t k = acc->k, k1 = acc->k1, nk = 0;
  for (size_t j = 0; j < k; j++)
    nk += acc->kept[j];
  *nk_out = nk;
  CZ_CHECK(cz_check_finite(who, "accumulated R",
                           cz_cmat_view(P->R, k1, k1, k1)));
  double *A = dalloc(a, k * nk), *rz = dalloc(a, k);
  cz_qr qr;
  cz_ws ws;
  cz_qr_init(&qr, a);
  cz_ws_init(&ws, a);
  int rc = A && rz ? CAUSAL_OK : CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK) {
    for (size_t j = 0, q = 0; j < k; j++)
      if (acc->kept[j])
        memcpy(A + k * q++, P->R + j * k1, k * sizeof *A);
    memcpy(rz, P->R + k * k1, k * sizeof *rz);
    rc = cz_qr_factor(who, &qr, cz_cmat_dense(A, k, nk), DBL_MIN, &ws);
  }
  if (rc == CAUSAL_OK && qr.rank < nk)
    rc = cz_fail(CAUSAL_ESINGULAR,
                 "%s: the information matrix became singular (rank %zu of "
                 "%zu); the fitted probabilities are 0 or 1 (separation?)",
                 who, qr.rank, nk);
  if (rc == CAUSAL_OK)
    rc = cz_qr_lstsq(who, &qr, rz, bk, NULL, &ws);
  if (rc == CAUSAL_OK && cov != NULL)
    rc = cz_qr_cov_unscaled(who, &qr, cz_mat_dense(cov, nk, nk), &ws);
  cz_qr_free(&qr);
  cz_ws_free(&ws);
  cz_free(a, A);
  cz_free(a, rz);
  return rc;
}

/* Comma-separated names of the columns not kept. */
static int dropped_text(const causal_regress_acc *acc, cz_buf *b) {
  cz_buf_init(b, &acc->alloc);
  size_t nd = 0;
  for (size_t j = 0; j < acc->k; j++)
    if (!acc->kept[j])
      cz_buf_printf(b, "%s%s", nd++ ? ", " : "", acc->xnames[j]);
  cz_buf_puts(b, "");
  return b->failed ? CAUSAL_ENOMEM : CAUSAL_OK;
}

/* Rank decision (shared wording with the in-memory fit). */
static int decide_rank(const char *who, causal_regress_acc *acc,
                       const cz_qr *qr) {
  acc->rank = qr->rank;
  for (size_t j = 0; j < acc->k; j++)
    acc->kept[j] = !qr->dropped[j];
  cz_buf b;
  CZ_CHECK(dropped_text(acc, &b));
  int rc = CAUSAL_OK;
  if (qr->rank == 0)
    rc = cz_fail(CAUSAL_ESINGULAR, "%s: every regressor is zero (%s)", who,
                 b.data);
  else if (qr->rank < acc->k && acc->spec->rank == CAUSAL_RANK_ERROR)
    rc = cz_fail(CAUSAL_ESINGULAR,
                 "%s: the design is rank deficient (rank %zu of %zu "
                 "columns): %s collinear with the other columns (RANK_TOL %g)",
                 who, qr->rank, acc->k, b.data, qr->tol);
  cz_buf_free(&b);
  return rc;
}

/* ======================================================================
 * Passes
 * ====================================================================== */

static int same_rows(const char *who, const causal_regress_acc *acc) {
  const prec *F = &acc->first, *C = &acc->cur;
  if (C->n != F->n || C->ndrop != F->ndrop ||
      fabs(C->W - F->W) > 1e-10 * F->W)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: pass %lld saw %lld rows (%lld dropped, weight sum "
                   "%.17g) but pass 1 saw %lld (%lld dropped, %.17g); feed "
                   "the same data in every pass",
                   who, (long long)acc->pass, (long long)C->n,
                   (long long)C->ndrop, C->W, (long long)F->n,
                   (long long)F->ndrop, F->W);
  return CAUSAL_OK;
}

static int ols_next(causal_regress_acc *acc) {
  static const char *who = "causal_regress_acc_next_pass";
  const cz_alloc *a = &acc->alloc;
  if (acc->stage == ST_FINAL) {
    CZ_CHECK(same_rows(who, acc));
    acc->stage = ST_DONE;
    return CAUSAL_OK;
  }
  if (acc->cur.n == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: no rows were accumulated in pass 1",
                   who);
  cz_qr qr;
  cz_ws ws;
  cz_qr_init(&qr, a);
  cz_ws_init(&ws, a);
  double rss, tss, *beta = dalloc(a, acc->k);
  int rc = beta ? CAUSAL_OK : CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK)
    rc = ols_solve(who, acc, &acc->cur, &qr, &ws, beta, NULL, &rss, &tss);
  if (rc == CAUSAL_OK)
    rc = decide_rank(who, acc, &qr);
  if (rc == CAUSAL_OK && (size_t)acc->cur.n <= acc->rank)
    rc = cz_fail(CAUSAL_EINVAL,
                 "%s: %lld observations for %zu parameters: no residual "
                 "degrees of freedom",
                 who, (long long)acc->cur.n, acc->rank);
  if (rc == CAUSAL_OK)
    rc = prec_copy(a, &acc->first, &acc->cur, acc->k, acc->nused);
  if (rc == CAUSAL_OK) {
    memcpy(acc->beta, beta, acc->k * sizeof *beta);
    acc->has_first = 1;
    if (acc->meat) {
      acc->stage = ST_FINAL;
      prec_reset(&acc->cur, acc->k, acc->nused, a);
      acc->pass++;
    } else {
      acc->stage = ST_DONE;
    }
  }
  cz_free(a, beta);
  cz_qr_free(&qr);
  cz_ws_free(&ws);
  return rc;
}

static int logit_first(causal_regress_acc *acc) {
  static const char *who = "causal_regress_acc_next_pass";
  const cz_alloc *a = &acc->alloc;
  prec *P = &acc->cur;
  if (P->n == 0)
    return cz_fail(CAUSAL_EINVAL, "%s: no rows were accumulated in pass 1",
                   who);
  if (P->n1 == 0 || P->n1 == P->n || !(P->Wy > 0) || !(P->W - P->Wy > 0))
    return cz_fail(CAUSAL_EINVAL,
                   "%s: outcome y is constant (all %s) in the %lld rows used; "
                   "logistic regression needs both outcomes",
                   who, (P->n1 == 0 || !(P->Wy > 0)) ? "0" : "1",
                   (long long)P->n);
  if ((size_t)P->n < acc->k)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: too few rows: %lld rows for %zu coefficients", who,
                   (long long)P->n, acc->k);
  cz_qr qr;
  cz_ws ws;
  cz_qr_init(&qr, a);
  cz_ws_init(&ws, a);
  /* pass 1 is at beta = 0: R is that of sqrt(w/4) X, a power-of-two
   * multiple of sqrt(w) X, so the rank decision is the in-memory one */
  int rc = cz_check_finite(who, "accumulated R",
                           cz_cmat_view(P->R, acc->k1, acc->k1, acc->k1));
  if (rc == CAUSAL_OK)
    rc = cz_qr_factor(who, &qr, cz_cmat_view(P->R, acc->k, acc->k, acc->k1),
                      rank_tol(acc), &ws);
  if (rc == CAUSAL_OK)
    rc = decide_rank(who, acc, &qr);
  if (rc == CAUSAL_OK)
    rc = prec_copy(a, &acc->first, P, acc->k, acc->nused);
  if (rc == CAUSAL_OK) {
    acc->has_first = 1;
    acc->alpha = log(P->Wy / (P->W - P->Wy));
  }
  cz_qr_free(&qr);
  cz_ws_free(&ws);
  return rc;
}

static int logit_next(causal_regress_acc *acc) {
  static const char *who = "causal_regress_acc_next_pass";
  const cz_alloc *a = &acc->alloc;
  prec *P = &acc->cur;
  size_t k = acc->k, k1 = acc->k1;
  int64_t maxiter = acc->spec->maxiter > 0 ? acc->spec->maxiter : LOGIT_MAXITER;
  double tol = acc->spec->tol > 0 ? acc->spec->tol : LOGIT_TOL;
  if (acc->pass == 1)
    CZ_CHECK(logit_first(acc));
  else
    CZ_CHECK(same_rows(who, acc));
  /* null model: intercept only (with the offset), Newton in the same
   * passes, started at logit(ybar) after pass 1 */
  int null_done = acc->null_done;
  double alpha = acc->alpha, dev0 = acc->dev0_final;
  if (!null_done) {
    if (!acc->icpt) {
      null_done = 1;
      dev0 = P->dev0;
    } else if (acc->pass > 1) {
      double lam = P->h0 > 0 ? fabs(P->g0) / sqrt(P->h0) : 0;
      if (lam <= NULL_LAMBDA) {
        null_done = 1;
        dev0 = P->dev0;
      } else {
        alpha += P->g0 / P->h0;
      }
    }
  }
  if (!acc->main_eval) {
    int accept = !acc->has_acc ||
                 (isfinite(P->dev) &&
                  P->dev <= acc->dev_acc + 16 * DBL_EPSILON * fabs(acc->dev_acc));
    if (!accept) {
      if (acc->halvings >= 40)
        return cz_fail(CAUSAL_ENOCONV,
                       "%s: step halving failed after 40 halvings at Newton "
                       "iteration %lld (deviance %.17g > %.17g)",
                       who, (long long)acc->iter, P->dev, acc->dev_acc);
      acc->halvings++;
      acc->step *= 0.5;
      for (size_t j = 0; j < k; j++)
        acc->beta[j] = acc->beta_acc[j] + acc->step * acc->dir[j];
    } else {
      acc->crit = acc->has_acc ? fabs(P->dev - acc->dev_acc) /
                                     (fabs(P->dev) + 0.1)
                               : NAN;
      acc->has_acc = 1;
      acc->dev_acc = P->dev;
      acc->halvings = 0;
      memcpy(acc->beta_acc, acc->beta, k * sizeof *acc->beta);
      if (acc->stage == ST_FINAL) {
        acc->main_eval = 1;
      } else {
        size_t nk;
        double *bk = dalloc(a, k);
        if (bk == NULL)
          return CAUSAL_ENOMEM;
        int rc = logit_solve(who, acc, P, bk, NULL, &nk);
        if (rc != CAUSAL_OK) {
          cz_free(a, bk);
          return rc;
        }
        for (size_t j = 0, q = 0; j < k; j++)
          acc->dir[j] = acc->kept[j] ? bk[q++] - acc->beta[j] : 0.0;
        cz_free(a, bk);
        /* Newton decrement lambda^2 = d' H d = ||R_xx d||^2 */
        double l2 = 0;
        for (size_t i = 0; i < k; i++) {
          double s = 0;
          for (size_t j = i; j < k; j++)
            s += P->R[i + j * k1] * acc->dir[j];
          l2 += s * s;
        }
        acc->lambda2 = l2;
        acc->iter++;
        acc->step = 1.0;
        for (size_t j = 0; j < k; j++)
          acc->beta[j] += acc->dir[j];
        if (l2 <= tol * 1e-4)
          acc->stage = ST_FINAL;
        else if (acc->iter >= maxiter)
          return cz_fail(CAUSAL_ENOCONV,
                         "%s: no convergence in %lld Newton iterations: "
                         "Newton decrement lambda^2 = %.3g > %.3g (relative "
                         "deviance change %.3g); separated data make the "
                         "coefficients diverge: fit a sample in memory with "
                         "causal_regress_fit to name the variables",
                         who, (long long)acc->iter, l2, tol * 1e-4,
                         acc->crit);
      }
    }
  }
  acc->null_done = null_done;
  acc->alpha = alpha;
  acc->dev0_final = dev0;
  if (acc->stage == ST_FINAL && acc->main_eval && acc->null_done) {
    acc->stage = ST_DONE;
    return CAUSAL_OK;
  }
  prec_reset(P, k, acc->nused, a);
  acc->pass++;
  return CAUSAL_OK;
}

int causal_regress_acc_next_pass(causal_regress_acc *acc) {
  static const char *who = "causal_regress_acc_next_pass";
  CZ_REQUIRE_NONNULL(acc);
  CZ_CHECK(check_open(who, acc));
  int rc = acc->family == CAUSAL_REGRESS_OLS ? ols_next(acc) : logit_next(acc);
  if (rc == CAUSAL_OK)
    cz_clear_error();
  return rc;
}

int causal_regress_acc_converged(const causal_regress_acc *acc, int *done) {
  CZ_REQUIRE_NONNULL(done);
  *done = 0;
  CZ_REQUIRE_NONNULL(acc);
  *done = acc->stage == ST_DONE;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_regress_acc_pass(const causal_regress_acc *acc, int64_t *pass) {
  CZ_REQUIRE_NONNULL(pass);
  *pass = 0;
  CZ_REQUIRE_NONNULL(acc);
  *pass = acc->pass;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ======================================================================
 * Fit
 * ====================================================================== */

static const char *FIT = "causal_regress_acc_fit";

static const char *vlabel(int t) {
  static const char *const labels[] = {"classical", "HC0", "HC1", "HC2",
                                       "HC3",       "CR0", "CR1", "CR2"};
  return labels[t - 1];
}

/* Meat over the kept columns (nk x nk, full): HC from the accumulated
 * upper triangle, CR from the cluster score sums. */
static void kept_meat(const causal_regress_acc *acc, const prec *P,
                      const size_t *kidx, size_t nk, double *M) {
  size_t k = acc->k;
  if (!acc->clustered) {
    for (size_t b = 0; b < nk; b++)
      for (size_t c = 0; c < nk; c++) {
        size_t i = kidx[b], j = kidx[c];
        M[b + c * nk] = i <= j ? P->M[i + j * k] : P->M[j + i * k];
      }
    return;
  }
  memset(M, 0, nk * nk * sizeof *M);
  for (size_t g = 0; g < P->cl.n; g++) {
    const double *s = P->cl.s + g * k;
    for (size_t c = 0; c < nk; c++)
      for (size_t b = 0; b < nk; b++)
        M[b + c * nk] += s[kidx[b]] * s[kidx[c]];
  }
}

/* V = c B M B, symmetrised. */
static int sandwich(const cz_alloc *a, const double *B, const double *M,
                    size_t nk, double c, double *V) {
  double *T = dalloc(a, nk * nk);
  if (T == NULL)
    return CAUSAL_ENOMEM;
  int rc = cz_gemm(FIT, false, false, 1.0, cz_cmat_dense(B, nk, nk),
                   cz_cmat_dense(M, nk, nk), 0.0, cz_mat_dense(T, nk, nk));
  if (rc == CAUSAL_OK)
    rc = cz_gemm(FIT, false, false, c, cz_cmat_dense(T, nk, nk),
                 cz_cmat_dense(B, nk, nk), 0.0, cz_mat_dense(V, nk, nk));
  for (size_t j = 0; j < nk && rc == CAUSAL_OK; j++)
    for (size_t i = 0; i < j; i++) {
      double v = 0.5 * (V[i + j * nk] + V[j + i * nk]);
      V[i + j * nk] = V[j + i * nk] = v;
    }
  cz_free(a, T);
  return rc;
}

/* Covariance of the kept coefficients and its reference df. B is the
 * bread (nk x nk); for CLASSICAL V = scale * B. */
static int vcov_of(const causal_regress_acc *acc, const prec *P,
                   const size_t *kidx, size_t nk, const double *B,
                   double scale, size_t df_model, double *V, double *df) {
  const cz_alloc *a = &acc->alloc;
  int t = acc->vtype, ssc = (int)acc->spec->ssc;
  int logit = acc->family == CAUSAL_REGRESS_LOGIT;
  double N = (double)P->n, dfres = N - (double)df_model;
  int z = logit || (ssc == CAUSAL_SSC_STATSMODELS && t != CAUSAL_VCOV_CLASSICAL);
  if (t == CAUSAL_VCOV_CLASSICAL) {
    for (size_t i = 0; i < nk * nk; i++)
      V[i] = scale * B[i];
    *df = logit ? INFINITY : dfres;
    return CAUSAL_OK;
  }
  double c = 1.0;
  size_t G = P->cl.n;
  if (acc->clustered) {
    if (G < 2)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: cluster-robust %s needs at least 2 clusters; "
                     "cluster column '%s' has %zu",
                     FIT, vlabel(t), acc->cols[acc->clcol].name, G);
    if (t == CAUSAL_VCOV_CR1)
      c = (N - 1.0) / dfres * (double)G / (double)(G - 1);
    *df = z ? INFINITY : (double)(G - 1);
  } else {
    if (t == CAUSAL_VCOV_HC1)
      c = ssc == CAUSAL_SSC_FIXEST ? (N - 1.0) / dfres : N / dfres;
    *df = z ? INFINITY : dfres;
  }
  double *M = dalloc(a, nk * nk);
  if (M == NULL)
    return CAUSAL_ENOMEM;
  kept_meat(acc, P, kidx, nk, M);
  int rc = sandwich(a, B, M, nk, c, V);
  cz_free(a, M);
  return rc;
}

static double tcrit(double level, double df) {
  double p = 0.5 * (1.0 + level);
  return isinf(df) ? cz_qnorm(p, 1, 0) : cz_qt(p, df, 1, 0);
}
static double pval2(double t, double df) {
  if (isnan(t) || isnan(df))
    return NAN;
  return 2.0 *
         (isinf(df) ? cz_pnorm(-fabs(t), 1, 0) : cz_pt(-fabs(t), df, 1, 0));
}

/* Entries shared by both families. */
static int common_entries(causal_result *r, const causal_regress_acc *acc,
                          const prec *P, const size_t *kidx, size_t nk,
                          const double *b, const double *V, double df) {
  const cz_alloc *a = &acc->alloc;
  double *tab = dalloc(a, 6 * nk);
  const char **tn = cz_calloc(a, nk, sizeof *tn);
  int rc = tab && tn ? CAUSAL_OK : CAUSAL_ENOMEM;
  double q = tcrit(acc->spec->conf_level, df);
  for (size_t j = 0; j < nk && rc == CAUSAL_OK; j++) {
    double se = sqrt(V[j + j * nk]), t = b[j] / se;
    tn[j] = acc->xnames[kidx[j]];
    tab[j] = b[j];
    tab[j + nk] = se;
    tab[j + 2 * nk] = t;
    tab[j + 3 * nk] = pval2(t, df);
    tab[j + 4 * nk] = b[j] - q * se;
    tab[j + 5 * nk] = b[j] + q * se;
  }
  if (rc == CAUSAL_OK)
    rc = causal_result_set_table(r, "coef", tn, nk, tab, tab + nk,
                                 tab + 2 * nk, tab + 3 * nk, tab + 4 * nk,
                                 tab + 5 * nk);
  if (rc == CAUSAL_OK)
    rc = causal_result_set_matrix(r, "vcov", V, nk, nk, tn, tn);
  cz_free(a, tab);
  cz_free(a, tn);
  CZ_CHECK(rc);
  CZ_CHECK(causal_result_set_string(r, "vcov_type", vlabel(acc->vtype)));
  CZ_CHECK(causal_result_set_string(r, "statistic", isinf(df) ? "z" : "t"));
  CZ_CHECK(causal_result_set_scalar(r, "df", df));
  CZ_CHECK(causal_result_set_scalar(r, "nobs", (double)P->n));
  CZ_CHECK(causal_result_set_scalar(r, "n_dropped", (double)P->ndrop));
  CZ_CHECK(causal_result_set_vector(r, "dropped_by_column", P->dropped,
                                    acc->nused,
                                    (const char *const *)acc->used));
  cz_buf d;
  CZ_CHECK(dropped_text(acc, &d));
  rc = causal_result_set_string(r, "dropped_terms", d.data);
  if (rc == CAUSAL_OK && nk < acc->k) {
    cz_buf w;
    cz_buf_init(&w, a);
    cz_buf_printf(&w,
                  "rank deficient design (rank %zu of %zu): dropped "
                  "collinear terms: %s",
                  nk, acc->k, d.data);
    rc = w.failed ? CAUSAL_ENOMEM : causal_result_add_warning(r, w.data);
    cz_buf_free(&w);
  }
  cz_buf_free(&d);
  CZ_CHECK(rc);
  if (acc->clustered)
    CZ_CHECK(causal_result_set_scalar(r, "n_clusters", (double)P->cl.n));
  else if (acc->spec->clusters.n > 0)
    CZ_CHECK(causal_result_add_warning(
        r, "cluster columns are ignored by the chosen non-cluster vcov"));
  CZ_CHECK(causal_result_set_scalar(r, "passes", (double)acc->pass));
  return CAUSAL_OK;
}

/* Wald statistic of the kept non-intercept coefficients. */
static int overall_wald(const cz_alloc *a, const double *b, const double *V,
                        size_t nk, size_t first, double *W) {
  size_t q = nk - first;
  *W = NAN;
  if (q == 0)
    return CAUSAL_OK;
  double *A = dalloc(a, q * q), *d = dalloc(a, q), *d0 = dalloc(a, q);
  int rc = A && d && d0 ? CAUSAL_OK : CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK) {
    for (size_t j = 0; j < q; j++) {
      d[j] = d0[j] = b[first + j];
      for (size_t i = 0; i < q; i++)
        A[i + j * q] = V[(first + i) + (first + j) * nk];
    }
    rc = cz_posv(FIT, cz_mat_dense(A, q, q), cz_mat_dense(d, q, 1));
    if (rc == CAUSAL_OK) {
      double s = 0;
      for (size_t j = 0; j < q; j++)
        s += d0[j] * d[j];
      *W = s;
    }
  }
  cz_free(a, A);
  cz_free(a, d);
  cz_free(a, d0);
  return rc;
}

static int ols_fit(causal_result *r, const causal_regress_acc *acc,
                   double *bfull, double *cov, double *V, double *B,
                   double *bk, size_t *kidx, cz_qr *qr, cz_ws *ws) {
  const cz_alloc *a = &acc->alloc;
  const prec *P = &acc->first;
  const prec *S = acc->meat ? &acc->cur : &acc->first;
  size_t k = acc->k;
  double rss, tss;
  CZ_CHECK(ols_solve(FIT, acc, P, qr, ws, bfull, cov, &rss, &tss));
  size_t nk = 0;
  for (size_t j = 0; j < k; j++)
    if (acc->kept[j])
      kidx[nk++] = j;
  for (size_t c = 0; c < nk; c++) {
    bk[c] = bfull[kidx[c]];
    for (size_t b = 0; b < nk; b++)
      B[b + c * nk] = cov[kidx[b] + kidx[c] * k];
  }
  double N = (double)P->n, dfres = N - (double)nk, sigma2 = rss / dfres;
  double df;
  prec tmp = *S; /* counts from pass 1, scores from pass 2 */
  tmp.n = P->n;
  CZ_CHECK(vcov_of(acc, &tmp, kidx, nk, B, sigma2, nk, V, &df));
  CZ_CHECK(common_entries(r, acc, &tmp, kidx, nk, bk, V, df));
  double r2 = 1.0 - rss / tss, c0 = acc->icpt ? 1.0 : 0.0;
  CZ_CHECK(causal_result_set_scalar(r, "r_squared", r2));
  CZ_CHECK(causal_result_set_scalar(r, "adj_r_squared",
                                    1.0 - (1.0 - r2) * (N - c0) / dfres));
  CZ_CHECK(causal_result_set_scalar(r, "sigma", sqrt(sigma2)));
  CZ_CHECK(causal_result_set_scalar(r, "rss", rss));
  CZ_CHECK(causal_result_set_scalar(r, "df_residual", dfres));
  size_t first = acc->icpt && acc->kept[0] ? 1 : 0;
  double W;
  int rc = overall_wald(a, bk, V, nk, first, &W);
  if (rc == CAUSAL_ESINGULAR) {
    W = NAN;
    rc = causal_result_add_warning(
        r, "the overall F statistic is undefined: the covariance of the "
           "slopes is singular");
  }
  CZ_CHECK(rc);
  size_t q = nk - first;
  double Fq = q ? W / (double)q : NAN, fp = NAN;
  if (q > 0 && !isnan(W))
    fp = isinf(df) ? cz_pchisq(W, (double)q, 0, 0)
                   : cz_pf(Fq, (double)q, df, 0, 0);
  CZ_CHECK(causal_result_set_scalar(r, "f_statistic", Fq));
  CZ_CHECK(causal_result_set_scalar(r, "f_df1", (double)q));
  CZ_CHECK(causal_result_set_scalar(r, "f_df2", df));
  CZ_CHECK(causal_result_set_scalar(r, "f_p_value", fp));
  double ll = 0.5 * (P->slw - N * (log(6.283185307179586476925) + 1.0 -
                                   log(N) + log(rss)));
  double npar = (double)(nk + 1);
  CZ_CHECK(causal_result_set_scalar(r, "loglik", ll));
  CZ_CHECK(causal_result_set_scalar(r, "aic", -2.0 * ll + 2.0 * npar));
  CZ_CHECK(causal_result_set_scalar(r, "bic", -2.0 * ll + log(N) * npar));
  return CAUSAL_OK;
}

static int logit_fit(causal_result *r, const causal_regress_acc *acc,
                     double *V, double *B, double *bk, size_t *kidx) {
  const cz_alloc *a = &acc->alloc;
  const prec *P = &acc->cur;
  size_t k = acc->k, k1 = acc->k1, nk = 0;
  for (size_t j = 0; j < k; j++)
    if (acc->kept[j])
      kidx[nk++] = j;
  double *bnew = dalloc(a, k);
  if (bnew == NULL)
    return CAUSAL_ENOMEM;
  int rc = logit_solve(FIT, acc, P, bnew, B, &nk);
  /* gradient X'w(y - p) = R_k'(r_z - R_k b) at the estimate */
  double gmax = 0;
  for (size_t c = 0; c < nk && rc == CAUSAL_OK; c++) {
    bk[c] = acc->beta[kidx[c]];
    double g = 0;
    for (size_t i = 0; i <= kidx[c]; i++) {
      double res = P->R[i + k * k1];
      for (size_t q = 0; q < nk; q++)
        if (kidx[q] >= i)
          res -= P->R[i + kidx[q] * k1] * acc->beta[kidx[q]];
      g += P->R[i + kidx[c] * k1] * res;
    }
    if (fabs(g) > gmax)
      gmax = fabs(g);
  }
  cz_free(a, bnew);
  CZ_CHECK(rc);
  int ssc = (int)acc->spec->ssc;
  size_t dfm = ssc == CAUSAL_SSC_STATA ? 1 : nk;
  double df, N = (double)P->n;
  CZ_CHECK(vcov_of(acc, P, kidx, nk, B, 1.0, dfm, V, &df));
  CZ_CHECK(common_entries(r, acc, P, kidx, nk, bk, V, df));
  double dev = P->dev;
  CZ_CHECK(causal_result_set_scalar(r, "deviance", dev));
  CZ_CHECK(causal_result_set_scalar(r, "null_deviance", acc->dev0_final));
  CZ_CHECK(causal_result_set_scalar(r, "loglik", -dev / 2));
  CZ_CHECK(causal_result_set_scalar(r, "aic", dev + 2.0 * (double)nk));
  CZ_CHECK(causal_result_set_scalar(r, "bic", dev + log(N) * (double)nk));
  CZ_CHECK(causal_result_set_scalar(r, "df_residual", N - (double)nk));
  CZ_CHECK(causal_result_set_scalar(r, "df_null", N - (acc->icpt ? 1 : 0)));
  CZ_CHECK(causal_result_set_scalar(r, "iterations", (double)acc->iter));
  CZ_CHECK(causal_result_set_scalar(r, "converged", 1));
  CZ_CHECK(causal_result_set_scalar(r, "tolerance", acc->crit));
  CZ_CHECK(causal_result_set_scalar(r, "newton_decrement", acc->lambda2));
  CZ_CHECK(causal_result_set_scalar(r, "max_abs_gradient", gmax));
  CZ_CHECK(causal_result_set_scalar(r, "l2", 0));
  CZ_CHECK(causal_result_set_scalar(r, "penalized_deviance", dev));
  return CAUSAL_OK;
}

int causal_regress_acc_fit(causal_result **out, const causal_regress_acc *acc) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(acc);
  if (acc->stage != ST_DONE)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: the accumulator needs more passes (now in pass %lld); "
                   "feed every chunk, call causal_regress_acc_next_pass and "
                   "repeat until causal_regress_acc_converged reports done",
                   FIT, (long long)acc->pass);
  const cz_alloc *a = &acc->alloc;
  size_t k = acc->k;
  causal_result *r = NULL;
  int logit = acc->family == CAUSAL_REGRESS_LOGIT;
  CZ_CHECK(causal_result_new(&r, logit ? "logit" : "ols"));
  double *bfull = dalloc(a, k), *cov = dalloc(a, k * k), *V = dalloc(a, k * k),
         *B = dalloc(a, k * k), *bk = dalloc(a, k);
  size_t *kidx = cz_malloc(a, k * sizeof *kidx);
  cz_qr qr;
  cz_ws ws;
  cz_qr_init(&qr, a);
  cz_ws_init(&ws, a);
  int rc = bfull && cov && V && B && bk && kidx ? CAUSAL_OK : CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK)
    rc = logit ? logit_fit(r, acc, V, B, bk, kidx)
               : ols_fit(r, acc, bfull, cov, V, B, bk, kidx, &qr, &ws);
  cz_qr_free(&qr);
  cz_ws_free(&ws);
  cz_free(a, bfull);
  cz_free(a, cov);
  cz_free(a, V);
  cz_free(a, B);
  cz_free(a, bk);
  cz_free(a, kidx);
  if (rc != CAUSAL_OK) {
    causal_result_free(r);
    return rc;
  }
  *out = r;
  cz_clear_error();
  return CAUSAL_OK;
}

/* ======================================================================
 * Merge
 * ====================================================================== */

static int str_eq(const char *x, const char *y) {
  if (x == NULL || y == NULL)
    return x == y;
  return strcmp(x, y) == 0;
}

/* First difference between two specifications / schemas, or OK. */
static int same_spec(const char *who, const causal_regress_acc *d,
                     const causal_regress_acc *s) {
  const causal_regress *x = d->spec, *y = s->spec;
  if (x->family != y->family)
    return cz_fail(CAUSAL_EINVAL, "%s: family differs (dst %d, src %d)", who,
                   x->family, y->family);
  if (!str_eq(x->outcome, y->outcome))
    return cz_fail(CAUSAL_EINVAL, "%s: outcome differs ('%s' vs '%s')", who,
                   x->outcome, y->outcome);
  if (!str_eq(x->weights, y->weights) || !str_eq(x->offset, y->offset))
    return cz_fail(CAUSAL_EINVAL,
                   "%s: weights or offset columns differ (dst '%s'/'%s', src "
                   "'%s'/'%s')",
                   who, x->weights ? x->weights : "", x->offset ? x->offset : "",
                   y->weights ? y->weights : "", y->offset ? y->offset : "");
  if (x->clusters.n != y->clusters.n ||
      (x->clusters.n && !str_eq(x->clusters.items[0], y->clusters.items[0])))
    return cz_fail(CAUSAL_EINVAL, "%s: cluster columns differ", who);
  if (d->vtype != s->vtype || x->ssc != y->ssc || x->rank != y->rank ||
      x->rank_tol != y->rank_tol || x->tol != y->tol ||
      x->maxiter != y->maxiter || x->conf_level != y->conf_level)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: options differ (vcov %s vs %s, or convention, rank, "
                   "tolerance, iteration or confidence settings)",
                   who, vlabel(d->vtype), vlabel(s->vtype));
  if (d->k != s->k)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: dst has %zu design columns, src has %zu", who, d->k,
                   s->k);
  for (size_t j = 0; j < d->k; j++)
    if (strcmp(d->xnames[j], s->xnames[j]) != 0)
      return cz_fail(CAUSAL_EINVAL,
                     "%s: design column %zu is '%s' in dst and '%s' in src",
                     who, j, d->xnames[j], s->xnames[j]);
  return CAUSAL_OK;
}

static int same_progress(const char *who, const causal_regress_acc *d,
                         const causal_regress_acc *s) {
  if (d->pass != s->pass || d->stage != s->stage)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: the accumulators are at different passes (dst pass "
                   "%lld, src pass %lld)",
                   who, (long long)d->pass, (long long)s->pass);
  size_t k = d->k;
  int same =
      memcmp(d->beta, s->beta, k * sizeof *d->beta) == 0 &&
      memcmp(d->kept, s->kept, k) == 0 && d->has_first == s->has_first &&
      memcmp(&d->alpha, &s->alpha, sizeof d->alpha) == 0 &&
      d->main_eval == s->main_eval && d->null_done == s->null_done &&
      (!d->has_first ||
       (d->first.n == s->first.n &&
        memcmp(d->first.R, s->first.R, d->k1 * d->k1 * sizeof(double)) == 0));
  if (!same)
    return cz_fail(CAUSAL_EINVAL,
                   "%s: both accumulators are in pass %lld but were not "
                   "derived from the same merged state of the previous "
                   "passes (their coefficients or pass-1 totals differ); "
                   "merge the previous pass, call next_pass once and copy "
                   "that state to every partition",
                   who, (long long)d->pass);
  return CAUSAL_OK;
}

int causal_regress_acc_merge(causal_regress_acc *dst,
                             const causal_regress_acc *src) {
  static const char *who = "causal_regress_acc_merge";
  CZ_REQUIRE_NONNULL(dst);
  CZ_REQUIRE_NONNULL(src);
  if (dst == src)
    return cz_fail(CAUSAL_EINVAL, "%s: dst and src are the same accumulator",
                   who);
  CZ_CHECK(check_open(who, dst));
  CZ_CHECK(same_spec(who, dst, src));
  CZ_CHECK(same_progress(who, dst, src));
  const cz_alloc *a = &dst->alloc;
  size_t k = dst->k, k1 = dst->k1;
  prec *D = &dst->cur;
  const prec *S = &src->cur;
  double *Rs = dalloc(a, k1 * k1);
  clmap cl;
  memset(&cl, 0, sizeof cl);
  int rc = Rs ? CAUSAL_OK : CAUSAL_ENOMEM;
  if (rc == CAUSAL_OK)
    rc = map_clone(a, &cl, &S->cl, k);
  if (rc == CAUSAL_OK)
    rc = map_reserve(a, &D->cl, D->cl.n + cl.n, k);
  if (rc == CAUSAL_OK)
    rc = map_absorb(a, &D->cl, &cl, k); /* cannot fail now */
  if (rc == CAUSAL_OK) {
    memcpy(Rs, S->R, k1 * k1 * sizeof *Rs);
    rc = tsqr_fold(dst, D->R, Rs, k1, k1, 1);
  }
  if (rc == CAUSAL_OK) {
    for (size_t i = 0; i < k * k; i++)
      D->M[i] += S->M[i];
    for (size_t j = 0; j < dst->nused; j++)
      D->dropped[j] += S->dropped[j];
    D->n += S->n;
    D->ndrop += S->ndrop;
    D->n1 += S->n1;
    D->W += S->W;
    D->Wy += S->Wy;
    D->slw += S->slw;
    D->dev += S->dev;
    D->g0 += S->g0;
    D->h0 += S->h0;
    D->dev0 += S->dev0;
  }
  map_free(a, &cl);
  cz_free(a, Rs);
  if (rc == CAUSAL_OK)
    cz_clear_error();
  return rc;
}

/* ======================================================================
 * Serialization (kind CZ_KIND_REGRESS_ACC, payload documented in
 * docs/methods/regress_stream.md)
 * ====================================================================== */

static void put_str(cz_writer *w, const char *s) {
  if (s == NULL) {
    cz_put_u32(w, UINT32_MAX);
    return;
  }
  size_t n = strlen(s);
  cz_put_u32(w, (uint32_t)n);
  cz_put_bytes(w, s, n);
}

static void put_prec(cz_writer *w, const causal_regress_acc *acc,
                     const prec *P) {
  size_t k = acc->k, k1 = acc->k1;
  cz_put_i64(w, P->n);
  cz_put_i64(w, P->ndrop);
  cz_put_i64(w, P->n1);
  const double sc[7] = {P->W, P->Wy, P->slw, P->dev, P->g0, P->h0, P->dev0};
  for (int i = 0; i < 7; i++)
    cz_put_f64(w, sc[i]);
  for (size_t j = 0; j < acc->nused; j++)
    cz_put_f64(w, P->dropped[j]);
  for (size_t j = 0; j < k1; j++)
    for (size_t i = 0; i <= j; i++)
      cz_put_f64(w, P->R[i + j * k1]);
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i <= j; i++)
      cz_put_f64(w, P->M[i + j * k]);
  cz_put_u64(w, P->cl.n);
  for (size_t e = 0; e < P->cl.n; e++) {
    cz_put_u8(w, P->cl.tag[e]);
    if (P->cl.tag[e] == KEY_STR)
      put_str(w, P->cl.str[e]);
    else
      cz_put_u64(w, P->cl.key[e]);
    for (size_t j = 0; j < k; j++)
      cz_put_f64(w, P->cl.s[e * k + j]);
  }
}

int causal_regress_acc_serialize(const causal_regress_acc *acc, uint8_t **buf,
                                 size_t *len) {
  static const char *who = "causal_regress_acc_serialize";
  CZ_REQUIRE_NONNULL(buf);
  *buf = NULL;
  CZ_REQUIRE_NONNULL(len);
  *len = 0;
  CZ_REQUIRE_NONNULL(acc);
  const causal_regress *m = acc->spec;
  cz_writer w;
  cz_writer_init(&w, &acc->alloc);
  /* specification */
  cz_put_u8(&w, (uint8_t)m->family);
  put_str(&w, m->outcome);
  cz_put_u32(&w, (uint32_t)m->terms.n);
  for (size_t i = 0; i < m->terms.n; i++)
    put_str(&w, m->terms.items[i]);
  cz_put_u8(&w, (uint8_t)m->intercept);
  cz_put_u32(&w, (uint32_t)m->nrefs);
  for (size_t i = 0; i < m->nrefs; i++) {
    put_str(&w, m->refs[i].column);
    put_str(&w, m->refs[i].level);
  }
  put_str(&w, m->weights);
  put_str(&w, m->offset);
  cz_put_u32(&w, (uint32_t)m->clusters.n);
  for (size_t i = 0; i < m->clusters.n; i++)
    put_str(&w, m->clusters.items[i]);
  cz_put_i64(&w, m->vcov);
  cz_put_i64(&w, m->ssc);
  cz_put_i64(&w, m->rank);
  cz_put_i64(&w, m->maxiter);
  cz_put_f64(&w, m->conf_level);
  cz_put_f64(&w, m->tol);
  cz_put_f64(&w, m->rank_tol);
  /* schema */
  cz_put_u32(&w, (uint32_t)acc->ncol);
  for (size_t c = 0; c < acc->ncol; c++) {
    const sccol *s = &acc->cols[c];
    put_str(&w, s->name);
    cz_put_u8(&w, (uint8_t)s->cat);
    cz_put_u32(&w, (uint32_t)s->nlev);
    for (size_t l = 0; l < s->nlev; l++)
      put_str(&w, s->labels[l]);
  }
  cz_put_u64(&w, acc->k);
  /* progress */
  cz_put_i64(&w, acc->pass);
  cz_put_i64(&w, acc->iter);
  cz_put_i64(&w, acc->halvings);
  cz_put_u8(&w, (uint8_t)acc->stage);
  cz_put_u8(&w, (uint8_t)acc->has_acc);
  cz_put_u8(&w, (uint8_t)acc->main_eval);
  cz_put_u8(&w, (uint8_t)acc->null_done);
  cz_put_u8(&w, (uint8_t)acc->has_first);
  const double sc[6] = {acc->alpha,   acc->step,    acc->dev_acc,
                        acc->crit,    acc->lambda2, acc->dev0_final};
  for (int i = 0; i < 6; i++)
    cz_put_f64(&w, sc[i]);
  cz_put_u64(&w, acc->rank);
  for (size_t j = 0; j < acc->k; j++)
    cz_put_u8(&w, acc->kept[j]);
  for (size_t j = 0; j < acc->k; j++) {
    cz_put_f64(&w, acc->beta[j]);
    cz_put_f64(&w, acc->beta_acc[j]);
    cz_put_f64(&w, acc->dir[j]);
  }
  if (acc->has_first)
    put_prec(&w, acc, &acc->first);
  put_prec(&w, acc, &acc->cur);
  int rc = cz_serial_seal(who, CZ_KIND_REGRESS_ACC, &w, buf, len);
  cz_writer_free(&w);
  if (rc == CAUSAL_OK)
    cz_clear_error();
  return rc;
}

static const char *DES = "causal_regress_acc_deserialize";

static int bad(const char *what) {
  return cz_fail(CAUSAL_ECORRUPT, "%s: invalid state: %s", DES, what);
}

/* String (NULL for the absent marker); *ok = 0 on a bad one. */
static char *get_str(cz_reader *r, const cz_alloc *a, int *ok) {
  uint32_t n = cz_get_u32(r);
  if (r->failed) {
    *ok = 0;
    return NULL;
  }
  if (n == UINT32_MAX)
    return NULL;
  if (n > cz_reader_remaining(r)) {
    *ok = 0;
    r->failed = true;
    return NULL;
  }
  char *s = cz_malloc(a, (size_t)n + 1);
  if (s == NULL) {
    *ok = -1;
    return NULL;
  }
  cz_get_bytes(r, s, n);
  s[n] = '\0';
  if (strlen(s) != n) {
    cz_free(a, s);
    *ok = 0;
    return NULL;
  }
  return s;
}

/* Read a string that must be present. */
static int need_str(cz_reader *r, const cz_alloc *a, char **out) {
  int ok = 1;
  *out = get_str(r, a, &ok);
  if (ok < 0)
    return CAUSAL_ENOMEM;
  if (!ok || *out == NULL)
    return bad("string missing or malformed");
  return CAUSAL_OK;
}

static int opt_str(cz_reader *r, const cz_alloc *a, char **out) {
  int ok = 1;
  *out = get_str(r, a, &ok);
  if (ok < 0)
    return CAUSAL_ENOMEM;
  if (!ok)
    return bad("string malformed");
  return CAUSAL_OK;
}

/* A setter's failure on decoded values is corruption, not a caller error. */
static int as_corrupt(int rc) {
  if (rc == CAUSAL_OK || rc == CAUSAL_ENOMEM || rc == CAUSAL_ECORRUPT)
    return rc;
  return cz_fail_context(CAUSAL_ECORRUPT, "%s: invalid state", DES);
}

static int read_spec(cz_reader *r, const cz_alloc *a, causal_regress **out) {
  *out = NULL;
  int family = cz_get_u8(r);
  if (r->failed)
    return bad("truncated");
  causal_regress *m = NULL;
  int rc = as_corrupt(causal_regress_new(&m, family));
  if (rc != CAUSAL_OK)
    return rc;
  char *s = NULL, *t = NULL;
  rc = need_str(r, a, &s);
  if (rc == CAUSAL_OK)
    rc = as_corrupt(causal_regress_set_outcome(m, s));
  cz_free(a, s);
  uint32_t n = rc == CAUSAL_OK ? cz_get_u32(r) : 0;
  for (uint32_t i = 0; i < n && rc == CAUSAL_OK; i++) {
    rc = need_str(r, a, &s);
    if (rc == CAUSAL_OK)
      rc = as_corrupt(causal_regress_add_term(m, s));
    cz_free(a, s);
  }
  if (rc == CAUSAL_OK)
    rc = as_corrupt(causal_regress_set_intercept(m, cz_get_u8(r)));
  n = rc == CAUSAL_OK ? cz_get_u32(r) : 0;
  for (uint32_t i = 0; i < n && rc == CAUSAL_OK; i++) {
    s = t = NULL;
    rc = need_str(r, a, &s);
    if (rc == CAUSAL_OK)
      rc = need_str(r, a, &t);
    if (rc == CAUSAL_OK)
      rc = as_corrupt(causal_regress_set_reference(m, s, t));
    cz_free(a, s);
    cz_free(a, t);
  }
  s = NULL;
  if (rc == CAUSAL_OK)
    rc = opt_str(r, a, &s);
  if (rc == CAUSAL_OK && s)
    rc = as_corrupt(causal_regress_set_weights(m, s));
  cz_free(a, s);
  s = NULL;
  if (rc == CAUSAL_OK)
    rc = opt_str(r, a, &s);
  if (rc == CAUSAL_OK && s)
    rc = as_corrupt(causal_regress_set_offset(m, s));
  cz_free(a, s);
  n = rc == CAUSAL_OK ? cz_get_u32(r) : 0;
  for (uint32_t i = 0; i < n && rc == CAUSAL_OK; i++) {
    rc = need_str(r, a, &s);
    if (rc == CAUSAL_OK)
      rc = as_corrupt(causal_regress_add_cluster(m, s));
    cz_free(a, s);
  }
  static const int ikeys[4] = {CAUSAL_REGRESS_VCOV, CAUSAL_REGRESS_SSC,
                               CAUSAL_REGRESS_RANK, CAUSAL_REGRESS_MAXITER};
  static const int dkeys[3] = {CAUSAL_REGRESS_CONF_LEVEL, CAUSAL_REGRESS_TOL,
                               CAUSAL_REGRESS_RANK_TOL};
  for (int i = 0; i < 4 && rc == CAUSAL_OK; i++) {
    int64_t v = cz_get_i64(r);
    rc = r->failed ? bad("truncated")
                   : as_corrupt(causal_regress_set_int(m, ikeys[i], v));
  }
  for (int i = 0; i < 3 && rc == CAUSAL_OK; i++) {
    double v = cz_get_f64(r);
    rc = r->failed ? bad("truncated")
                   : as_corrupt(causal_regress_set_double(m, dkeys[i], v));
  }
  if (rc == CAUSAL_OK && r->failed)
    rc = bad("truncated");
  if (rc == CAUSAL_OK)
    rc = as_corrupt(spec_check(DES, m));
  if (rc != CAUSAL_OK) {
    causal_regress_free(m);
    return rc;
  }
  *out = m;
  return CAUSAL_OK;
}

static int read_schema(cz_reader *r, causal_regress_acc *acc) {
  const cz_alloc *a = &acc->alloc;
  uint32_t n = cz_get_u32(r);
  if (r->failed || n == 0 || n > cz_reader_remaining(r) / 9)
    return bad("schema column count");
  acc->cols = cz_calloc(a, n, sizeof *acc->cols);
  if (acc->cols == NULL)
    return CAUSAL_ENOMEM;
  acc->ncol = n;
  for (uint32_t c = 0; c < n; c++) {
    sccol *s = &acc->cols[c];
    CZ_CHECK(need_str(r, a, &s->name));
    for (uint32_t q = 0; q < c; q++)
      if (strcmp(acc->cols[q].name, s->name) == 0)
        return bad("duplicate schema column");
    uint8_t cat = cz_get_u8(r);
    uint32_t nl = cz_get_u32(r);
    if (r->failed || cat > 1 || (!cat && nl) ||
        nl > cz_reader_remaining(r) / 4)
      return bad("schema column");
    s->cat = cat;
    s->recode = cat && (strcmp(s->name, acc->spec->outcome) == 0 ||
                        is_term_col(acc->spec, s->name));
    if (nl && !s->recode)
      return bad("levels of a column that is not a term or outcome");
    s->labels = cz_calloc(a, nl ? nl : 1, sizeof(char *));
    if (s->labels == NULL)
      return CAUSAL_ENOMEM;
    for (uint32_t l = 0; l < nl; l++) {
      CZ_CHECK(need_str(r, a, &s->labels[l]));
      s->nlev++;
      for (uint32_t q = 0; q < l; q++)
        if (strcmp(s->labels[q], s->labels[l]) == 0)
          return bad("duplicate level");
    }
  }
  return CAUSAL_OK;
}

static int finite_all(const double *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]))
      return 0;
  return 1;
}

static int read_prec(cz_reader *r, causal_regress_acc *acc, prec *P) {
  const cz_alloc *a = &acc->alloc;
  size_t k = acc->k, k1 = acc->k1;
  P->n = cz_get_i64(r);
  P->ndrop = cz_get_i64(r);
  P->n1 = cz_get_i64(r);
  double sc[7];
  for (int i = 0; i < 7; i++)
    sc[i] = cz_get_f64(r);
  P->W = sc[0];
  P->Wy = sc[1];
  P->slw = sc[2];
  P->dev = sc[3];
  P->g0 = sc[4];
  P->h0 = sc[5];
  P->dev0 = sc[6];
  for (size_t j = 0; j < acc->nused; j++)
    P->dropped[j] = cz_get_f64(r);
  for (size_t j = 0; j < k1; j++)
    for (size_t i = 0; i <= j; i++)
      P->R[i + j * k1] = cz_get_f64(r);
  for (size_t j = 0; j < k; j++)
    for (size_t i = 0; i <= j; i++)
      P->M[i + j * k] = cz_get_f64(r);
  if (r->failed)
    return bad("truncated");
  if (P->n < 0 || P->ndrop < 0 || P->n1 < 0 || P->n1 > P->n ||
      !finite_all(sc, 7) || P->W < 0 || (P->n == 0 && P->W != 0) ||
      !finite_all(P->dropped, acc->nused) || !finite_all(P->R, k1 * k1) ||
      !finite_all(P->M, k * k))
    return bad("pass record");
  for (size_t j = 0; j < acc->nused; j++)
    if (P->dropped[j] < 0)
      return bad("negative missing count");
  uint64_t G = cz_get_u64(r);
  if (r->failed || G > cz_reader_remaining(r) / (5 + 8 * k))
    return bad("cluster count");
  if (G > 0)
    CZ_CHECK(map_reserve(a, &P->cl, (size_t)G, k));
  for (uint64_t e = 0; e < G; e++) {
    uint8_t tag = cz_get_u8(r);
    uint64_t key = 0;
    char *s = NULL;
    if (tag == KEY_STR)
      CZ_CHECK(need_str(r, a, &s));
    else
      key = cz_get_u64(r);
    if (r->failed || tag > KEY_STR || map_find(&P->cl, tag, key, s) != SIZE_MAX) {
      cz_free(a, s);
      return bad("cluster key");
    }
    size_t d = map_insert(&P->cl, tag, key, s, k);
    for (size_t j = 0; j < k; j++)
      P->cl.s[d * k + j] = cz_get_f64(r);
    if (r->failed || !finite_all(P->cl.s + d * k, k))
      return bad("cluster scores");
  }
  return CAUSAL_OK;
}

static int read_state(cz_reader *r, causal_regress_acc *acc) {
  CZ_CHECK(read_schema(r, acc));
  uint64_t k = cz_get_u64(r);
  if (r->failed)
    return bad("truncated");
  int rc = as_corrupt(acc_finish(acc));
  if (rc != CAUSAL_OK)
    return rc;
  if (k != acc->k)
    return bad("design width does not match the specification");
  acc->pass = cz_get_i64(r);
  acc->iter = cz_get_i64(r);
  acc->halvings = cz_get_i64(r);
  acc->stage = cz_get_u8(r);
  acc->has_acc = cz_get_u8(r);
  acc->main_eval = cz_get_u8(r);
  acc->null_done = cz_get_u8(r);
  acc->has_first = cz_get_u8(r);
  double sc[6];
  for (int i = 0; i < 6; i++)
    sc[i] = cz_get_f64(r);
  acc->alpha = sc[0];
  acc->step = sc[1];
  acc->dev_acc = sc[2];
  acc->crit = sc[3];
  acc->lambda2 = sc[4];
  acc->dev0_final = sc[5];
  acc->rank = (size_t)cz_get_u64(r);
  size_t nk = 0;
  for (size_t j = 0; j < acc->k; j++) {
    acc->kept[j] = cz_get_u8(r);
    nk += acc->kept[j];
    if (acc->kept[j] > 1)
      return bad("kept flag");
  }
  for (size_t j = 0; j < acc->k; j++) {
    acc->beta[j] = cz_get_f64(r);
    acc->beta_acc[j] = cz_get_f64(r);
    acc->dir[j] = cz_get_f64(r);
  }
  if (r->failed)
    return bad("truncated");
  if (acc->pass < 1 || acc->iter < 0 || acc->halvings < 0 ||
      acc->halvings > 40 || acc->stage < ST_MAIN || acc->stage > ST_DONE ||
      acc->has_acc > 1 || acc->main_eval > 1 || acc->null_done > 1 ||
      acc->has_first > 1 || (acc->pass > 1) != acc->has_first ||
      acc->rank != (acc->has_first ? nk : acc->rank) || acc->rank > acc->k ||
      !finite_all(acc->beta, acc->k) || !finite_all(acc->beta_acc, acc->k) ||
      !finite_all(acc->dir, acc->k) || !isfinite(acc->alpha) ||
      !isfinite(acc->step))
    return bad("progress");
  if (acc->has_first && acc->stage == ST_MAIN &&
      acc->family == CAUSAL_REGRESS_OLS)
    return bad("progress");
  if (acc->has_first)
    CZ_CHECK(read_prec(r, acc, &acc->first));
  CZ_CHECK(read_prec(r, acc, &acc->cur));
  return cz_reader_finish(DES, r);
}

int causal_regress_acc_deserialize(causal_regress_acc **out,
                                   const uint8_t *buf, size_t len) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(buf);
  unsigned version;
  cz_reader r;
  CZ_CHECK(cz_serial_open(DES, buf, len, CZ_KIND_REGRESS_ACC, &version, &r));
  causal_regress_acc *acc = acc_alloc();
  if (acc == NULL)
    return CAUSAL_ENOMEM;
  int rc = read_spec(&r, &acc->alloc, &acc->spec);
  if (rc == CAUSAL_OK)
    rc = read_state(&r, acc);
  if (rc != CAUSAL_OK) {
    causal_regress_acc_free(acc);
    return rc;
  }
  *out = acc;
  cz_clear_error();
  return CAUSAL_OK;
}

int causal_regress_acc_clone(causal_regress_acc **out,
                             const causal_regress_acc *acc) {
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(acc);
  uint8_t *buf = NULL;
  size_t len = 0;
  CZ_CHECK(causal_regress_acc_serialize(acc, &buf, &len));
  int rc = causal_regress_acc_deserialize(out, buf, len);
  causal_free(buf);
  return rc;
}

/* ======================================================================
 * Driver
 * ====================================================================== */

int causal_regress_stream_fit(causal_result **out, const causal_regress *m,
                              const causal_dataset *schema,
                              causal_regress_chunk_fn next, void *opaque) {
  static const char *who = "causal_regress_stream_fit";
  CZ_REQUIRE_NONNULL(out);
  *out = NULL;
  CZ_REQUIRE_NONNULL(next);
  causal_regress_acc *acc = NULL;
  CZ_CHECK(causal_regress_acc_new(&acc, m, schema));
  int rc = CAUSAL_OK, done = 0;
  while (rc == CAUSAL_OK && !done) {
    int64_t pass = acc->pass;
    for (size_t i = 0; rc == CAUSAL_OK; i++) {
      const causal_dataset *chunk = NULL;
      rc = next(opaque, pass, i, &chunk);
      if (rc != CAUSAL_OK) {
        rc = cz_fail_context(rc, "%s: chunk callback (pass %lld, chunk %zu)",
                             who, (long long)pass, i);
        break;
      }
      if (chunk == NULL)
        break;
      rc = causal_regress_acc_update(acc, chunk);
      if (rc != CAUSAL_OK && rc != CAUSAL_ENOMEM)
        rc = cz_fail_context(rc, "pass %lld, chunk %zu", (long long)pass, i);
    }
    if (rc == CAUSAL_OK)
      rc = causal_regress_acc_next_pass(acc);
    if (rc == CAUSAL_OK)
      rc = causal_regress_acc_converged(acc, &done);
  }
  if (rc == CAUSAL_OK)
    rc = causal_regress_acc_fit(out, acc);
  causal_regress_acc_free(acc);
  return rc;
}
