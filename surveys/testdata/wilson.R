# Expected Wilson score intervals for surveys/intervals_test.go
# (TestWilsonMatchesR), computed independently with R's prop.test, whose
# interval without continuity correction (correct = FALSE) is the Wilson
# score interval. Regenerate with: Rscript wilson.R > wilson_r.csv
cases <- list(
  c(0, 5), c(1, 5), c(5, 5), c(3, 10), c(12, 40), c(50, 100), c(99, 100),
  c(0, 1000), c(1, 1000), c(347, 1000), c(1000, 1000), c(7, 23), c(118, 355),
  c(20, 20), c(0, 20), c(31, 100), c(4321, 98765)
)
cat("x,n,level,low,high\n")
for (cs in cases) {
  for (level in c(90, 95, 99)) {
    ci <- prop.test(cs[1], cs[2], conf.level = level / 100, correct = FALSE)$conf.int
    cat(sprintf("%d,%d,%d,%.15f,%.15f\n", cs[1], cs[2], level, ci[1], ci[2]))
  }
}
