# Reference for bench/bench_spatial_gmm.py (never a product dependency): SDM with two-way fixed
# effects by maximum likelihood in R, on the data the Python bench writes, with LeSage-Pace effects.
#
# R splm (spml(..., model = "within", effect = "twoways", lag = TRUE, Durbin = TRUE)) is not in
# Debian and CRAN is not reachable from the bench machine, so this script maximises the same
# concentrated likelihood with spatialreg::lagsarlm on the two-way demeaned data (splm's spfeml:
# W applied to the demeaned y; ln|I_NT - rho (I_T kron W)| = T ln|I_N - rho W|), with the sparse LU
# log-determinant, then spatialreg::impacts with 1000 simulations and Monte Carlo traces.
#
# Two fits (both timed):
# - "exact": the spatially lagged x formed before demeaning and passed as regressors, as agglo does
#   (the same model; its coefficients must equal agglo's). impacts() cannot pair these columns.
# - "durbin": lagsarlm(..., Durbin = TRUE) (lags of the demeaned x, a slightly different SDM) and
#   impacts(): the R workflow a user would run, timed end to end.
#
# Usage: Rscript bench/r/sdm_twoways.R DIR   (DIR has panel.csv: id,t,y,x1,x2 and w.csv: i,j,w)
# Prints "TIME <step> <seconds>" and "COEF <name> <value>" lines.
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
suppressPackageStartupMessages({library(spdep); library(spatialreg); library(Matrix)})
d <- read.csv(file.path(dir, "panel.csv"))
w <- read.csv(file.path(dir, "w.csv"))
N <- max(d$id) + 1; Tn <- max(d$t) + 1
d <- d[order(d$t, d$id), ]  # time-major: period blocks of N entities
Ws <- sparseMatrix(i = w$i + 1, j = w$j + 1, x = w$w, dims = c(N, N))

el <- function() proc.time()[["elapsed"]]
t0 <- el()
dm <- function(m) m - rowMeans(m) - rep(colMeans(m), each = nrow(m)) + mean(m)
Y <- matrix(d$y, N, Tn); X1 <- matrix(d$x1, N, Tn); X2 <- matrix(d$x2, N, Tn)
df <- data.frame(y = as.vector(dm(Y)), x1 = as.vector(dm(X1)), x2 = as.vector(dm(X2)),
                 wx1 = as.vector(dm(as.matrix(Ws %*% X1))), wx2 = as.vector(dm(as.matrix(Ws %*% X2))))
big <- kronecker(Diagonal(Tn), Ws)
lw <- mat2listw(big, style = "W")
t1 <- el()
exact <- lagsarlm(y ~ x1 + x2 + wx1 + wx2 - 1, data = df, listw = lw, method = "LU", quiet = TRUE)
t2 <- el()
durbin <- lagsarlm(y ~ x1 + x2 - 1, data = df, listw = lw, method = "LU", Durbin = TRUE, quiet = TRUE)
t3 <- el()
tr <- trW(big, type = "MC")
set.seed(1)
imp <- impacts(durbin, tr = tr, R = 1000)
s <- summary(imp, zstats = TRUE, short = TRUE)
t4 <- el()
cat(sprintf("TIME setup %.3f\nTIME fit_exact %.3f\nTIME fit_durbin %.3f\nTIME impacts %.3f\n",
            t1 - t0, t2 - t1, t3 - t2, t4 - t3))
cf <- exact$coefficients
cat(sprintf("COEF exact_rho %.6f\nCOEF exact_x1 %.6f\nCOEF exact_Wx1 %.6f\n", exact$rho, cf["x1"], cf["wx1"]))
cat(sprintf("COEF durbin_rho %.6f\nCOEF durbin_direct_x1 %.6f\nCOEF durbin_direct_x1_se %.6f\n",
            durbin$rho, imp$res$direct[1], s$semat[1, 1]))
