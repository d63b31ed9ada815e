# Reference for bench/bench_spatial_gmm.py (never a product dependency): Blundell-Bond system GMM,
# two-step, collapsed instruments, with R plm::pgmm on the dynamic panel the Python bench writes.
#
#   y_it = a y_i,t-1 + b x_it + mu_i + e_it;  GMM instruments y lags 2.., x lags 1.. (collapsed), and
#   their differences in the levels equation (transformation = "ld").
#
# Usage: Rscript bench/r/pgmm_system.R DIR   (DIR has dyn.csv: id,t,y,x)
# Prints "TIME <step> <seconds>" and "COEF <name> <value>" lines.
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
suppressPackageStartupMessages(library(plm))
d <- read.csv(file.path(dir, "dyn.csv"))
Tn <- max(d$t) + 1
pd <- pdata.frame(d, index = c("id", "t"))
t0 <- proc.time()[["elapsed"]]
fit <- pgmm(y ~ lag(y, 1) + x | lag(y, 2:99) + lag(x, 1:99), data = pd, effect = "individual",
            model = "twosteps", transformation = "ld", collapse = TRUE)
s <- summary(fit, robust = TRUE)
t1 <- proc.time()[["elapsed"]]
cat(sprintf("TIME fit %.3f\n", t1 - t0))
cf <- coef(fit)
cat(sprintf("COEF L.y %.6f\nCOEF x %.6f\n", cf[1], cf[2]))
