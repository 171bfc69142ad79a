# Deterministic traffic assignment (include/causal/assign.h, spec version 1
# of docs/methods/assign.md): the same ids get the same buckets and variants
# as in C, Python and the `causal assign` command.

.assign_reasons <- c("holdout", "outside_domain", "unallocated",
                     "not_exposed", "other_experiment")

# Ids as character: character as is (hashed as UTF-8), factors by label,
# whole numbers in plain decimal (never "1e+06").
.assign_ids <- function(ids) {
  if (is.factor(ids)) ids <- as.character(ids)
  if (is.numeric(ids)) {
    .check(all(is.finite(ids)) && all(ids == floor(ids)),
           "numeric ids must be finite whole numbers")
    ids <- formatC(ids, format = "f", digits = 0, big.mark = "")
  }
  .check(is.character(ids), "ids must be character, factor or whole numbers")
  .check(!anyNA(ids), sprintf("ids[%d] is NA", which(is.na(ids))[1L]))
  enc2utf8(ids)
}

.assign_string <- function(x, what) {
  .check(is.character(x) && length(x) == 1L && !is.na(x),
         sprintf("%s must be a single string", what))
  enc2utf8(x)
}

.assign_count <- function(x, what) {
  .check(.is_count(x), sprintf("%s must be a whole number >= 0", what))
  as.numeric(x)
}

causal_assign_bucket <- function(ids, salt, buckets) {
  .Call(C_assign_bucket, .assign_ids(ids), .assign_string(salt, "salt"),
        .assign_count(buckets, "buckets"))
}

causal_assign_hash <- function(ids, salt) {
  .Call(C_assign_hash, .assign_ids(ids), .assign_string(salt, "salt"))
}

# Named weights (percentages or fractions) -> normalized weights.
.assign_weights <- function(variants) {
  if (is.character(variants)) {
    variants <- stats::setNames(rep(1, length(variants)), variants)
  }
  .check(is.numeric(variants) && length(variants) >= 1L &&
           !is.null(names(variants)) && all(nzchar(names(variants))) &&
           all(is.finite(variants)) && all(variants > 0),
         "variants must be positive weights named by variant, e.g. c(control = 50, treatment = 50)")
  variants / sum(variants)
}

causal_assign_config <- function(salt, buckets, domains = NULL,
                                 holdout = NULL, layers, experiments,
                                 variants, overrides = NULL) {
  salt <- .assign_string(salt, "salt")
  buckets <- .assign_count(buckets, "buckets")
  if (is.null(domains)) domains <- data.frame(lo = 0, hi = buckets)
  .check(is.data.frame(domains) && all(c("lo", "hi") %in% names(domains)),
         "domains must be a data.frame with columns lo, hi")
  .check(is.data.frame(layers) &&
           all(c("salt", "buckets") %in% names(layers)),
         "layers must be a data.frame with columns salt, buckets [, domain]")
  if (is.null(layers$domain)) layers$domain <- 1
  .check(is.data.frame(experiments) &&
           all(c("name", "layer", "lo", "hi") %in% names(experiments)),
         "experiments must be a data.frame with columns name, layer, lo, hi [, exposure]")
  if (is.null(experiments$exposure)) experiments$exposure <- 1
  .check(is.data.frame(variants) &&
           all(c("experiment", "name", "weight") %in% names(variants)),
         "variants must be a data.frame with columns experiment, name, weight")
  ename <- as.character(experiments$name)
  vexp <- match(as.character(variants$experiment), ename)
  .check(!anyNA(vexp), "variants$experiment names an unknown experiment")
  # layers may be given by index (1-based) or by salt
  lay <- experiments$layer
  if (is.character(lay)) lay <- match(lay, as.character(layers$salt))
  .check(!anyNA(lay), "experiments$layer names an unknown layer")
  vname <- as.character(variants$name)
  ovr <- list(exp = numeric(0), id = character(0), var = numeric(0))
  if (!is.null(overrides)) {
    .check(is.data.frame(overrides) &&
             all(c("experiment", "id", "variant") %in% names(overrides)),
           "overrides must be a data.frame with columns experiment, id, variant")
    oe <- match(as.character(overrides$experiment), ename)
    .check(!anyNA(oe), "overrides$experiment names an unknown experiment")
    ov <- mapply(function(e, v) {
      k <- which(vexp == e)
      idx <- match(v, vname[k])
      .check(!is.na(idx), sprintf("experiment '%s' has no variant '%s'",
                                   ename[e], v))
      idx - 1
    }, oe, as.character(overrides$variant))
    ovr <- list(exp = as.numeric(oe - 1), id = .assign_ids(overrides$id),
                var = as.numeric(ov))
  }
  # variants are added to experiments in the order given, per experiment
  spec <- list(
    salt = salt, buckets = buckets,
    holdout = if (is.null(holdout)) numeric(0) else as.numeric(holdout),
    dom_lo = as.numeric(domains$lo), dom_hi = as.numeric(domains$hi),
    lay_domain = as.numeric(layers$domain) - 1,
    lay_salt = enc2utf8(as.character(layers$salt)),
    lay_buckets = as.numeric(layers$buckets),
    exp_layer = as.numeric(lay) - 1, exp_name = enc2utf8(ename),
    exp_lo = as.numeric(experiments$lo), exp_hi = as.numeric(experiments$hi),
    exp_exposure = as.numeric(experiments$exposure),
    var_exp = as.numeric(vexp) - 1, var_name = enc2utf8(vname),
    var_weight = as.numeric(variants$weight),
    ovr_exp = ovr$exp, ovr_id = ovr$id, ovr_var = ovr$var)
  h <- .Call(C_assign_config, spec)
  vnames <- lapply(seq_along(ename), function(e) vname[vexp == e])
  structure(list(handle = h, experiments = ename, variants = vnames,
                 layers = as.character(layers$salt)),
            class = "causal_assign_config")
}

print.causal_assign_config <- function(x, ...) {
  cat(sprintf("<causal_assign_config: %d layer(s), %d experiment(s)>\n",
              length(x$layers), length(x$experiments)))
  invisible(x)
}

causal_assign_layer <- function(config, ids, layer = 1) {
  .check(inherits(config, "causal_assign_config"),
         "config must be a causal_assign_config")
  if (is.character(layer)) layer <- match(layer, config$layers)
  .check(.is_count(layer) && layer >= 1,
         "layer must be a layer index (1-based) or salt")
  ids <- .assign_ids(ids)
  r <- .Call(C_assign_batch, config$handle, ids, as.integer(layer - 1))
  e <- r$experiment + 1L
  ename <- ifelse(e >= 1L, config$experiments[pmax(e, 1L)], NA_character_)
  vname <- vapply(seq_along(ids), function(i) {
    if (r$variant[i] >= 0L) config$variants[[e[i]]][r$variant[i] + 1L]
    else NA_character_
  }, "")
  reason <- ifelse(r$variant < 0L, .assign_reasons[pmax(-r$variant, 1L)],
                   NA_character_)
  data.frame(id = ids, bucket = r$bucket, experiment = ename,
             variant = vname, reason = reason, variant_code = r$variant,
             experiment_index = ifelse(e >= 1L, e, NA_integer_),
             stringsAsFactors = FALSE)
}

causal_assign <- function(ids, salt, buckets,
                          variants = c(control = 50, treatment = 50),
                          exposure = 1) {
  salt <- .assign_string(salt, "salt")
  buckets <- .assign_count(buckets, "buckets")
  w <- .assign_weights(variants)
  .check(is.numeric(exposure) && length(exposure) == 1L &&
           is.finite(exposure), "exposure must be a number in [0, 1]")
  cfg <- causal_assign_config(
    paste0(salt, "#top"), 1, domains = data.frame(lo = 0, hi = 1),
    layers = data.frame(salt = salt, buckets = buckets, domain = 1),
    experiments = data.frame(name = "experiment", layer = 1, lo = 0,
                             hi = buckets, exposure = exposure),
    variants = data.frame(experiment = "experiment", name = names(w),
                          weight = unname(w)))
  r <- causal_assign_layer(cfg, ids, 1)
  r[, c("id", "bucket", "variant")]
}
