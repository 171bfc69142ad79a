# Traffic assignment: the published spec-v1 vectors and configuration
# vectors (copies of libcausal's tests/data/assign_*, produced by the
# pure-Python tests/ref/assign_reference.py) reproduced from R; errors.
library(causal)

catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)
unhex <- function(h) if (h == "-") raw(0) else
  as.raw(strtoi(substring(h, seq(1, nchar(h), 2), seq(2, nchar(h), 2)), 16L))

# ---- hash and bucket vectors ----
v <- read.table("assign_vectors.txt", comment.char = "#",
                colClasses = "character",
                col.names = c("salt", "id", "B", "k0", "k1", "hash", "bucket"))
stopifnot(nrow(v) == 55)
n_checked <- 0
for (i in seq_len(nrow(v))) {
  s <- rawToChar(unhex(v$salt[i]))
  idraw <- unhex(v$id[i])
  if (any(idraw == as.raw(0))) next   # R strings cannot hold NUL bytes
  id <- rawToChar(idraw)
  Encoding(s) <- "UTF-8"
  Encoding(id) <- "UTF-8"
  stopifnot(causal_assign_hash(id, s) == v$hash[i],
            causal_assign_bucket(id, s, as.numeric(v$B[i])) ==
              as.numeric(v$bucket[i]))
  n_checked <- n_checked + 1
}
stopifnot(n_checked == 50)

# ---- configuration vectors (scenarios of assign_reference.py) ----
cv <- read.csv("assign_config_vectors.csv", stringsAsFactors = FALSE)
A <- cv[cv$scenario == "A", ]
r <- causal_assign(A$id, "exp-2024", 1000, c(control = 50, treatment = 50))
stopifnot(identical(r$bucket, as.numeric(A$bucket)),
          identical(r$variant, c("control", "treatment")[A$variant + 1]))

B <- cv[cv$scenario == "B", ]
r <- causal_assign(B$id, "ramp", 97, c(a = 0.2, b = 0.3, c = 0.5),
                   exposure = 0.37)
stopifnot(identical(r$bucket, as.numeric(B$bucket)),
          identical(r$variant, ifelse(B$variant >= 0,
                                      c("a", "b", "c")[pmax(B$variant, 0) + 1],
                                      NA_character_)))

C <- cv[cv$scenario == "C", ]
cfg <- causal_assign_config("top-C", 100,
  domains = data.frame(lo = 10, hi = 60), holdout = c(0, 10),
  layers = data.frame(salt = "L1", buckets = 1000),
  experiments = data.frame(name = c("e1", "e2"), layer = 1,
                           lo = c(100, 600), hi = c(500, 900),
                           exposure = c(0.5, 1)),
  variants = data.frame(experiment = c("e1", "e1", "e2", "e2"),
                        name = c("control", "treatment", "x", "y"),
                        weight = c(0.5, 0.5, 0.25, 0.75)),
  overrides = data.frame(experiment = "e1", id = "u7", variant = "treatment"))
r <- causal_assign_layer(cfg, C$id, "L1")
stopifnot(identical(r$bucket, as.numeric(C$bucket)),
          identical(r$variant_code, C$variant),
          identical(ifelse(is.na(r$experiment_index), -1L,
                           r$experiment_index - 1L), C$experiment),
          r$variant[C$id == "u7"] == "treatment",
          all(r$reason[C$variant == -1] == "holdout"),
          all(is.na(r$reason[C$variant >= 0])))
print(cfg)

# ids: numbers in plain decimal, factors by label
stopifnot(causal_assign_bucket(1e6, "s", 100) ==
            causal_assign_bucket("1000000", "s", 100),
          causal_assign_bucket(factor("abc"), "s", 100) ==
            causal_assign_bucket("abc", "s", 100))

# ---- ramp-up never reassigns ----
ids <- paste0("user-", 1:5000)
prev <- NULL
for (e in c(0.1, 0.5, 1)) {
  cur <- causal_assign(ids, "ramp-r", 1000, c("a", "b"), exposure = e)$variant
  if (!is.null(prev)) stopifnot(all(is.na(prev) | prev == cur))
  prev <- cur
}
stopifnot(!anyNA(prev))

# ---- errors ----
e <- catch(causal_assign_bucket(c("a", "", "b"), "s", 10))
stopifnot(inherits(e, "causal_einval_error"), grepl("ids[2] is empty", e$message, fixed = TRUE))
e <- catch(causal_assign_bucket("a", "s", 0))
stopifnot(inherits(e, "causal_erange_error"))
e <- catch(causal_assign_bucket(c("a", NA), "s", 10))
stopifnot(inherits(e, "causal_einval_error"), grepl("NA", e$message))
e <- catch(causal_assign(c("a"), "s", 10, c(control = 1, treatment = -1)))
stopifnot(inherits(e, "causal_error"))
e <- catch(causal_assign_config("top", 100,
  layers = data.frame(salt = "l", buckets = 10),
  experiments = data.frame(name = "x", layer = 1, lo = 0, hi = 10),
  variants = data.frame(experiment = "x", name = c("a", "b"),
                        weight = c(0.5, 0.4))))
stopifnot(inherits(e, "causal_einval_error"), grepl("sum to", e$message))
e <- catch(causal_assign_config("top", 100,
  layers = data.frame(salt = "l", buckets = 10),
  experiments = data.frame(name = "x", layer = 1, lo = 0, hi = 10),
  variants = data.frame(experiment = "x", name = "a", weight = 1),
  overrides = data.frame(experiment = "x", id = c("q", "q"),
                         variant = "a")))
stopifnot(inherits(e, "causal_eexists_error"))
