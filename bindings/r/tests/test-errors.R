# Classed error conditions: class, status, code and message.
library(causal)

catch <- function(expr) tryCatch({ expr; NULL }, error = function(e) e)

e <- catch(causal_rng(-1))
stopifnot(inherits(e, "causal_einval_error"), inherits(e, "causal_error"),
          inherits(e, "error"), inherits(e, "condition"),
          identical(e$status, -1L), identical(e$code, "EINVAL"),
          grepl("seed", conditionMessage(e)))
# The call is the user's call, not an internal helper's.
stopifnot(identical(conditionCall(e)[[1L]], as.name("causal_rng")))

# A status from the C library, caught by class, with the library's message.
st <- tryCatch(causal_rnorm(causal_rng(1), 3, sd = -1),
               causal_error = function(e) e$status)
stopifnot(st %in% c(-1L, -9L))
e <- catch(causal_rnorm(causal_rng(1), 3, sd = -1))
stopifnot(grepl("sd", conditionMessage(e)),
          identical(conditionCall(e)[[1L]], as.name("causal_rnorm")))

# Handlers for the specific class fire before the general ones.
got <- tryCatch(causal_moments_from_raw(as.raw(1:3)),
                causal_ecorrupt_error = function(e) "corrupt",
                causal_error = function(e) "other")
stopifnot(identical(got, "corrupt"))

# Every pinned status maps to its own class.
codes <- causal:::.causal_codes
for (k in names(codes)) {
  e <- catch(causal:::.causal_stop(codes[[k]], "msg"))
  stopifnot(inherits(e, paste0("causal_", tolower(k), "_error")),
            identical(e$status, codes[[k]]), identical(e$code, k))
}
e <- catch(causal:::.causal_stop(-12345L, "msg"))
stopifnot(inherits(e, "causal_eunknown_error"), inherits(e, "causal_error"))
stopifnot(identical(causal:::causal_strerror(-13L),
                    "corrupt or truncated data"))

# Wrong object types are classed errors, not crashes.
e <- catch(causal_runif(list(), 3))
stopifnot(inherits(e, "causal_einval_error"))
e <- catch(.Call(causal:::C_rng_draw, causal_moments(1), 1L, 1, 0, 0))
stopifnot(inherits(e, "causal_einval_error"))

# Version.
v <- causal_version()
stopifnot(inherits(v, "numeric_version"), v >= "0.2.0",
          attr(v, "number") == attr(v, "header_number"))
cat("test-errors: OK\n")
