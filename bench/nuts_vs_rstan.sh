#!/bin/sh
# NUTS throughput of libcausal against rstan on the same two models, in one
# run: gradient evaluations per second and bulk ESS per second (minimum
# over parameters, total warmup + sampling time, 4 chains x 1000 + 1000
# iterations, one core, process CPU seconds so a shared machine does not
# skew the ratios). rstan's model compile time is reported separately
# and excluded from its rates.
#
#   bench/nuts_vs_rstan.sh BUILD_DIR     (meson configured with -Dbench=true)
#
# Gradient evaluations: libcausal counts callback calls; rstan's count is
# sum(n_leapfrog__) + one per iteration (Stan re-evaluates the gradient at
# the start of each transition), a slight undercount (init and step-size
# search are not included).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: nuts_vs_rstan.sh BUILD_DIR}" && pwd)
bench="$build/bench/bench_sampler"
[ -x "$bench" ] || { echo "build $bench first (meson -Dbench=true)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bench" "$work" | tee "$work/libcausal.txt"

cat > "$work/gauss100.stan" <<'STAN'
data { int<lower=2> d; real rho; vector[d] mu; vector[d] scale; }
parameters { vector[d] theta; }
model {
  vector[d] z = (theta - mu) ./ scale;
  real q = dot_self(z) + square(rho) * dot_self(z[2:(d - 1)])
           - 2 * rho * dot_product(z[1:(d - 1)], z[2:d]);
  target += -0.5 * q / (1 - square(rho));
}
STAN
cat > "$work/twogroup.stan" <<'STAN'
data { int<lower=2> n_a; int<lower=2> n_b; vector[n_a] y_a; vector[n_b] y_b; }
parameters { real mu_a; real mu_b; real log_sigma_a; real log_sigma_b; }
model {
  // flat priors on the means and the log standard deviations
  y_a ~ normal(mu_a, exp(log_sigma_a));
  y_b ~ normal(mu_b, exp(log_sigma_b));
}
STAN

cat > "$work/run.R" <<'RSCRIPT'
suppressPackageStartupMessages({library(rstan); library(posterior)})
args <- commandArgs(TRUE); work <- args[1]
rstan_options(auto_write = FALSE)
# Debian's r-cran-bh uses the system Boost headers
if (!file.exists(rstan_options("boost_lib")) && dir.exists("/usr/include/boost"))
  rstan_options(boost_lib = "/usr/include")
one <- function(name, file, data) {
  t0 <- proc.time()[["elapsed"]]
  m <- stan_model(file, model_name = name)
  compile <- proc.time()[["elapsed"]] - t0
  tm <- system.time(
    fit <- sampling(m, data = data, chains = 4, iter = 2000, warmup = 1000,
                    seed = 1, cores = 1, refresh = 0,
                    control = list(adapt_delta = 0.8, max_treedepth = 10)))
  secs <- tm[["user.self"]] + tm[["sys.self"]] # CPU seconds, as libcausal
  sp <- get_sampler_params(fit, inc_warmup = TRUE)
  grads <- sum(sapply(sp, function(s) sum(s[, "n_leapfrog__"]) + nrow(s)))
  div <- sum(sapply(get_sampler_params(fit, inc_warmup = FALSE),
                    function(s) sum(s[, "divergent__"])))
  a <- as.array(fit)
  a <- a[, , dimnames(a)[[3]] != "lp__", drop = FALSE]
  ess <- min(apply(a, 3, posterior::ess_bulk))
  cat(sprintf(paste("model=%s impl=rstan seconds=%.4f grad_evals=%.0f",
                    "grad_per_sec=%.0f ess_bulk_min=%.1f ess_per_sec=%.1f",
                    "divergent=%d compile_seconds=%.1f\n"),
              name, secs, grads, grads / secs, ess, ess / secs, div, compile))
}
d <- 100
one("gauss100", file.path(work, "gauss100.stan"),
    list(d = d, rho = 0.9, mu = (0:(d - 1)) / 10,
         scale = exp(log(0.1) + (log(10) - log(0.1)) * (0:(d - 1)) / (d - 1))))
tg <- read.csv(file.path(work, "twogroup.csv"))
one("twogroup", file.path(work, "twogroup.stan"),
    list(n_a = sum(tg$group == "a"), n_b = sum(tg$group == "b"),
         y_a = tg$y[tg$group == "a"], y_b = tg$y[tg$group == "b"]))
RSCRIPT
if ! Rscript "$work/run.R" "$work" >"$work/rstan.txt" 2>"$work/rstan.err"; then
  cat "$work/rstan.err"; exit 1
fi
cat "$work/rstan.txt"

# ratios libcausal / rstan
awk '
  { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    key = v["model"]; impl = v["impl"]
    gps[key, impl] = v["grad_per_sec"]; eps[key, impl] = v["ess_per_sec"]
    models[key] = 1 }
  END { for (m in models)
    printf("ratio model=%s grad_per_sec(libcausal/rstan)=%.2f ess_per_sec(libcausal/rstan)=%.2f\n",
           m, gps[m, "libcausal"] / gps[m, "rstan"], eps[m, "libcausal"] / eps[m, "rstan"]) }
' "$work/libcausal.txt" "$work/rstan.txt"
