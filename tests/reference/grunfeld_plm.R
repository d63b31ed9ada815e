# Reference values for tests/estimators/test_panel_reference.py.
# Run from the repository root:  Rscript tests/reference/grunfeld_plm.R > tests/reference/grunfeld_plm.out
# Data: ../shared/validation/grunfeld.csv (= R plm's Grunfeld: 10 firms x 20 years).
# Packages: plm, sandwich, lmtest (Debian r-cran-*).
suppressMessages({library(plm); library(sandwich); library(lmtest)})
options(digits = 15)
g <- read.csv(file.path("..", "shared", "validation", "grunfeld.csv"))
pg <- pdata.frame(g, index = c("firm", "year"))
N <- nrow(g); G <- length(unique(g$firm)); Tn <- length(unique(g$year))
show <- function(tag, b, se) {
  for (nm in names(b)) cat(sprintf("%s %s estimate %.15g se %.15g\n", tag, nm, b[[nm]], se[[nm]]))
}
# ---- pooled OLS: classic, HC1 robust, clustered by firm (Stata: reg, vce(cluster firm))
ols <- lm(inv ~ value + capital, data = g)
show("ols_classic", coef(ols), sqrt(diag(vcov(ols))))
show("ols_robust", coef(ols), sqrt(diag(vcovHC(ols, type = "HC1"))))
show("ols_cluster", coef(ols), sqrt(diag(vcovCL(ols, cluster = ~firm, type = "HC1"))))
cat(sprintf("ols r2 %.15g\n", summary(ols)$r.squared))
# ---- one-way (firm) FE: classic (plm within), robust HC1 on the dummy regression
fe1 <- plm(inv ~ value + capital, data = pg, model = "within", effect = "individual")
show("fe1_classic", coef(fe1), sqrt(diag(vcov(fe1))))
cat(sprintf("fe1 r2_within %.15g\n", summary(fe1)$r.squared[["rsq"]]))
lsdv1 <- lm(inv ~ value + capital + factor(firm), data = g)
show("fe1_robust", coef(lsdv1)[2:3], sqrt(diag(vcovHC(lsdv1, type = "HC1")))[2:3])
# clustered by firm, Stata xtreg, fe vce(cluster firm): G/(G-1) (N-1)/(N-K), K = 2 slopes + constant
V0 <- vcovCL(lsdv1, cluster = ~firm, type = "HC0", cadjust = FALSE)[2:3, 2:3]
K <- 2 + 1
show("fe1_cluster", coef(lsdv1)[2:3], sqrt(diag(V0 * G / (G - 1) * (N - 1) / (N - K))))
# Stata-style constant of xtreg, fe: mean(y) - mean(x) b
cat(sprintf("fe1_classic const estimate %.15g\n", mean(g$inv) - sum(colMeans(g[, c("value", "capital")]) * coef(fe1))))
# ---- two-way FE: classic (plm), cluster by firm with K = 2 + 1 + (T - 1)
fe2 <- plm(inv ~ value + capital, data = pg, model = "within", effect = "twoways")
show("fe2_classic", coef(fe2), sqrt(diag(vcov(fe2))))
cat(sprintf("fe2 r2_within %.15g\n", summary(fe2)$r.squared[["rsq"]]))
lsdv2 <- lm(inv ~ value + capital + factor(firm) + factor(year), data = g)
V0 <- vcovCL(lsdv2, cluster = ~firm, type = "HC0", cadjust = FALSE)[2:3, 2:3]
K <- 2 + 1 + (Tn - 1)
show("fe2_cluster", coef(lsdv2)[2:3], sqrt(diag(V0 * G / (G - 1) * (N - 1) / (N - K))))
show("fe2_robust", coef(lsdv2)[2:3], sqrt(diag(vcovHC(lsdv2, type = "HC1")))[2:3])
# ---- random effects (Swamy-Arora) and Hausman
re <- plm(inv ~ value + capital, data = pg, model = "random", random.method = "swar")
show("re_classic", coef(re), sqrt(diag(vcov(re))))
cat(sprintf("re r2 %.15g\n", summary(re)$r.squared[["rsq"]]))
cat(sprintf("re sigma2_e %.15g sigma2_u %.15g theta %.15g\n", re$ercomp$sigma2[["idios"]],
            re$ercomp$sigma2[["id"]], re$ercomp$theta))
h <- phtest(fe1, re)
cat(sprintf("hausman %.15g df %d p %.15g\n", h$statistic, h$parameter, h$p.value))
# ---- check of the cluster convention against a published Stata number: the fixest vignette
# "On standard-errors" quotes Stata vce(cluster id) = 0.165385 for y ~ x | id + time on this data
set.seed(0)
NN <- 20; n_id <- NN / 5; n_time <- NN / n_id
base <- data.frame(y = rnorm(NN), x = rnorm(NN), id = rep(1:n_id, n_time), time = rep(1:n_time, each = n_id))
write.csv(base, file.path("tests", "reference", "fixest_vignette_panel.csv"), row.names = FALSE)
m <- lm(y ~ x + factor(id) + factor(time), base)
V0 <- vcovCL(m, cluster = ~id, type = "HC0", cadjust = FALSE)["x", "x"]
K <- 1 + 1 + (n_time - 1)
cat(sprintf("vignette x estimate %.15g se_stata_rule %.15g (Stata: 0.165385)\n", coef(m)[["x"]],
            sqrt(V0 * n_id / (n_id - 1) * (NN - 1) / (NN - K))))
