# Expected values of the intervals of medians, quartiles and mean ranks,
# for surveys/intervals_quantile_test.go (TestQuantileRanksMatchR,
# TestQuantileIntervalMatchesR, TestMeanRankIntervalMatchesR). Written with
# R's own functions, independently of the Go code:
#  - ranks: j = qbinom(alpha/2, n, p), k = qbinom(1 - alpha/2, n, p) + 1,
#    the order statistics x_(j), x_(k) of the distribution-free interval
#    of the p-quantile, and its coverage pbinom(k - 1, n, p) -
#    pbinom(j - 1, n, p) (ok = 0 where j < 1 or k > n: no interval);
#  - intervals: sort(rep(values, counts))[c(j, k)] of hand-made
#    distributions (a 5-point scale, a 7-point scale, ages with ties, a
#    skewed count);
#  - mean ranks: mean, sd and t.test(rep(places, counts), conf.level =
#    level)$conf.int of hand-made place distributions.
# Regenerate with: Rscript quantile_ci.R (writes quantile_ranks_r.csv,
# quantile_intervals_r.csv and mean_rank_r.csv in this directory).
levels <- c(90, 95, 99)
ns <- c(1, 5, 6, 8, 10, 19, 20, 30, 50, 60, 100, 101, 500, 1000, 12345, 98765, 1000000)
ps <- c(0.25, 0.5, 0.75)
out <- file("quantile_ranks_r.csv", "w")
cat("n,p,level,ok,j,k,coverage\n", file = out)
for (n in ns) for (p in ps) for (level in levels) {
  a <- 1 - level / 100
  j <- qbinom(a / 2, n, p)
  k <- qbinom(1 - a / 2, n, p) + 1
  ok <- as.integer(j >= 1 && k <= n)
  cov <- pbinom(k - 1, n, p) - pbinom(j - 1, n, p)
  stopifnot(ok == 0 || cov >= level / 100)
  cat(sprintf("%d,%.2f,%d,%d,%d,%d,%.15f\n", n, p, level, ok, j, k, cov), file = out)
}
close(out)

dists <- list(
  list(name = "scale5", values = 1:5, counts = c(12, 30, 41, 22, 9)),
  list(name = "scale7", values = 1:7, counts = c(3, 5, 14, 40, 21, 11, 6)),
  list(name = "ages", values = c(12, 13, 14, 15, 16, 17, 18), counts = c(8, 25, 31, 30, 22, 17, 7)),
  list(name = "hours", values = c(0, 0.5, 1, 1.5, 2, 3, 4.5, 6, 10), counts = c(40, 61, 88, 52, 47, 35, 18, 9, 4)),
  list(name = "small", values = c(1, 2, 3, 4, 5), counts = c(2, 4, 5, 3, 2))
)
out <- file("quantile_intervals_r.csv", "w")
cat("name,values,counts,p,level,ok,low,high\n", file = out)
for (d in dists) {
  x <- sort(rep(d$values, d$counts))
  n <- length(x)
  for (p in ps) for (level in levels) {
    a <- 1 - level / 100
    j <- qbinom(a / 2, n, p)
    k <- qbinom(1 - a / 2, n, p) + 1
    ok <- j >= 1 && k <= n
    lo <- if (ok) x[j] else 0
    hi <- if (ok) x[k] else 0
    cat(sprintf("%s,%s,%s,%.2f,%d,%d,%.15g,%.15g\n", d$name, paste(d$values, collapse = " "), paste(d$counts, collapse = " "),
                p, level, as.integer(ok), lo, hi), file = out)
  }
}
close(out)

ranks <- list(c(10, 9, 1), c(0, 1, 19), c(35, 40, 25), c(120, 80, 60, 40, 20), c(3, 3, 3, 3), c(1, 1),
              c(400, 250, 150, 100, 60, 40), c(5, 0, 0, 0, 0, 0, 0, 7))
out <- file("mean_rank_r.csv", "w")
cat("counts,level,mean,sd,low,high\n", file = out)
for (cs in ranks) {
  x <- rep(seq_along(cs), cs)
  for (level in levels) {
    ci <- t.test(x, conf.level = level / 100)$conf.int
    cat(sprintf("%s,%d,%.15f,%.15f,%.15f,%.15f\n", paste(cs, collapse = " "), level, mean(x), sd(x), ci[1], ci[2]), file = out)
  }
}
close(out)
