# Expected Student t intervals of a mean for surveys/intervals_test.go
# (TestMeanIntervalMatchesR): mean ± qt(1 - alpha/2, n - 1) · sd / √n,
# the interval R's t.test gives, from a mean, standard deviation and n.
# The first case is also checked with t.test on data with that mean and
# sd. Regenerate with: Rscript mean_t.R > mean_t_r.csv
cases <- list(
  c(3.2, 1.1, 2), c(3.2, 1.1, 5), c(2.75, 0.96, 12), c(4.1, 0.8, 30),
  c(41.5, 12.25, 100), c(3.5, 1.2, 199), c(3.5, 1.2, 200), c(3.5, 1.2, 201), c(3.5, 1.2, 260), c(0, 1, 1000), c(7.33, 2.5, 98765), c(1, 0, 10)
)
stopifnot(abs(t.test(c(1, 2, 3, 4, 5))$conf.int[1] - (3 - qt(0.975, 4) * sd(c(1, 2, 3, 4, 5)) / sqrt(5))) < 1e-12)
cat("mean,sd,n,level,low,high\n")
for (cs in cases) {
  for (level in c(90, 95, 99)) {
    h <- qt(1 - (1 - level / 100) / 2, cs[3] - 1) * cs[2] / sqrt(cs[3])
    cat(sprintf("%.2f,%.2f,%d,%d,%.15f,%.15f\n", cs[1], cs[2], cs[3], level, cs[1] - h, cs[1] + h))
  }
}
