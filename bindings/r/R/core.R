# Status codes of include/causal/core.h (pinned values).
.causal_codes <- c(
  EINVAL = -1L, ENOMEM = -2L, ENONFINITE = -3L, ESINGULAR = -4L,
  ENOCONV = -5L, ESEPARATION = -6L, EIO = -7L, EPARSE = -8L, ERANGE = -9L,
  ENOTFOUND = -10L, ETYPE = -11L, EDIM = -12L, ECORRUPT = -13L,
  EMISSING = -14L, ENOOVERLAP = -15L, EBUFSIZE = -16L, EVERSION = -17L,
  EEXISTS = -18L, EINTERNAL = -99L
)

# The call of the outermost function of this package on the stack: the
# function the user called, not an internal helper.
.user_call <- function() {
  ns <- environment(.user_call)
  n <- sys.nframe() - 1L
  for (i in seq_len(n)) {
    if (identical(environment(sys.function(i)), ns)) return(sys.call(i))
  }
  NULL
}

# Build and signal the classed condition for a libcausal status. Called by
# the C glue (src/r_util.c) and by the argument checks of the R wrappers.
.causal_stop <- function(status, message, call = .user_call()) {
  status <- as.integer(status)
  code <- names(.causal_codes)[match(status, .causal_codes)]
  if (is.na(code)) code <- "EUNKNOWN"
  cond <- structure(
    class = c(paste0("causal_", tolower(code), "_error"), "causal_error",
              "error", "condition"),
    list(message = message, call = call, status = status, code = code)
  )
  stop(cond)
}

# Argument check failures are EINVAL conditions too.
.check <- function(ok, message, status = -1L) {
  if (!isTRUE(ok)) .causal_stop(status, message)
  invisible(TRUE)
}

.is_count <- function(x) {
  is.numeric(x) && length(x) == 1L && !is.na(x) && x >= 0 && x == floor(x) &&
    is.finite(x)
}

# Version of the loaded library as a numeric_version.
causal_version <- function() {
  v <- .Call(C_version)
  structure(numeric_version(v$string), number = v$number,
            header_number = v$header_number)
}

causal_strerror <- function(status) .Call(C_strerror, status)

.onLoad <- function(libname, pkgname) {
  v <- .Call(C_version)
  # The package was compiled against headers of version header_number; the
  # library loaded at run time must have the same major version and be at
  # least as new (same ABI, no missing symbols).
  if (v$number %/% 10000L != v$header_number %/% 10000L ||
      v$number < v$header_number) {
    stop(sprintf(paste(
      "libcausal %s (number %d) is loaded, but the package was built",
      "against headers %d: reinstall the package"),
      v$string, v$number, v$header_number), call. = FALSE)
  }
}

# Test helpers (internal): count libcausal allocations, inject failures.
.alloc_track <- function(on = TRUE, fail_after = -1) {
  invisible(.Call(C_alloc_track, on, as.double(fail_after)))
}
.alloc_count <- function() .Call(C_alloc_count)
