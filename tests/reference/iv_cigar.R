# Reference values for tests/estimators/test_iv_reference.py (FE-2SLS on the Cigar panel).
# Run from the repository root:  Rscript tests/reference/iv_cigar.R > tests/reference/iv_cigar.out
# Data: ../shared/validation/cigar.csv (= R plm's Cigar: 46 US states, 1963-1992).
# Model: sales ~ ndi + price, price instrumented by pimin, state fixed effects, clustered by state.
# The same model appears in FixedEffectModels.jl's test-suite with Stata ivreghdfe's standard errors
# (ndi 0.0019704, price 0.1893396); the Stata/ivreg2 numbers quoted in the Python tests come from there.
suppressMessages({library(AER); library(sandwich); library(lmtest)})
options(digits = 15)
d <- read.csv(file.path("..", "shared", "validation", "cigar.csv"))
d$state <- factor(d$state_name)
N <- nrow(d); G <- nlevels(d$state)
# ---- 2SLS with state dummies (AER::ivreg)
iv <- ivreg(sales ~ ndi + price + state | ndi + pimin + state, data = d)
b <- coef(iv)[c("ndi", "price")]
V0 <- vcovCL(iv, cluster = ~state, type = "HC0", cadjust = FALSE)[c("ndi", "price"), c("ndi", "price")]
K <- 2 + 1  # slopes + constant; state effects nested in the state clusters (ivreghdfe convention)
se <- sqrt(diag(V0 * G / (G - 1) * (N - 1) / (N - K)))
for (nm in names(b)) cat(sprintf("fe_iv_cluster %s estimate %.15g se %.15g\n", nm, b[[nm]], se[[nm]]))
# ---- first stage: price ~ pimin + ndi + state; cluster-robust Wald F for pimin (same factors)
fs <- lm(price ~ pimin + ndi + state, data = d)
Vf <- vcovCL(fs, cluster = ~state, type = "HC0", cadjust = FALSE) * G / (G - 1) * (N - 1) / (N - K)
cat(sprintf("first_stage_f %.15g\n", coef(fs)[["pimin"]]^2 / Vf["pimin", "pimin"]))
# ---- Kleibergen-Paap rk LM for one endogenous regressor, computed as a cluster-robust LM test by
# the auxiliary regression route: partial out ndi and the state effects, take the null-restricted
# first-stage residual u0 (= partialled price), sum the scores z1*u0 within clusters and
# LM = G - SSR of regressing a vector of ones on the cluster scores (no intercept).
part <- function(v) resid(lm(v ~ ndi + state, data = d))
z1 <- part(d$pimin); u0 <- part(d$price)
sc <- tapply(z1 * u0, d$state, sum)
aux <- lm(rep(1, G) ~ 0 + sc)
cat(sprintf("kp_lm_cluster %.15g\n", G - sum(resid(aux)^2)))
# heteroskedasticity-robust version (observation scores)
aux2 <- lm(rep(1, N) ~ 0 + I(z1 * u0))
cat(sprintf("kp_lm_robust %.15g\n", N - sum(resid(aux2)^2)))
# ---- Anderson-Rubin: reduced form sales ~ pimin + ndi + state, cluster Wald F for pimin
rf <- lm(sales ~ pimin + ndi + state, data = d)
Vr <- vcovCL(rf, cluster = ~state, type = "HC0", cadjust = FALSE) * G / (G - 1) * (N - 1) / (N - K)
cat(sprintf("anderson_rubin_f %.15g\n", coef(rf)[["pimin"]]^2 / Vr["pimin", "pimin"]))
