# Time data.table::fread on a file (called by bench/csv_vs_peers.sh).
# Usage: Rscript csv_peer_fread.R PATH NTHREAD
# Prints: fread <wall s> <cpu s> <rows> <cols>
suppressPackageStartupMessages(library(data.table))
args <- commandArgs(trailingOnly = TRUE)
nth <- as.integer(args[2])
t0 <- proc.time()
dt <- fread(args[1], nThread = nth, showProgress = FALSE)
t <- proc.time() - t0
cat(sprintf("fread %.4f %.4f %d %d\n", t[["elapsed"]],
            t[["user.self"]] + t[["sys.self"]], nrow(dt), ncol(dt)))
