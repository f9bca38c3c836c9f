# Expected intervals of differences for surveys/compare_test.go
# (TestNewcombeMatchesR, TestWelchMatchesR), computed independently in R
# 4.2 without any YouthVoice code. Regenerate with:
#   Rscript compare.R newcombe > compare_newcombe_r.csv
#   Rscript compare.R welch > compare_welch_r.csv
#   Rscript compare.R groups compare_groups_cases.csv > compare_groups_r.csv
#
# Newcombe's hybrid score interval (Newcombe, Statistics in Medicine 17,
# 1998, method 10) for p1 - p2 of two independent proportions: its two
# Wilson score intervals are R's prop.test(x, n, correct = FALSE)
# intervals (as in wilson.R), then
#   low  = d - sqrt((p1 - l1)^2 + (u2 - p2)^2)
#   high = d + sqrt((u1 - p1)^2 + (p2 - l2)^2).
# No R package with it is installed here (DescTools::BinomDiffCI
# "score" is the same method); the first case is the worked example of
# Newcombe's paper, table II: 56/70 - 48/80 = 0.2, 95 % interval
# 0.0524 to 0.3339.
#
# Welch's interval for m1 - m2: R's t.test(x1, x2, var.equal = FALSE) on
# two samples built to have exactly the given mean, standard deviation
# and size (any sample, centred, scaled to the SD, shifted to the mean),
# so the interval is t.test's own, with its Welch-Satterthwaite df.
#
# Groups (TestCompareGroupsMatchR): the differences of real group
# comparisons, from the numbers each group publishes in two fixed
# releases of the example consultation (compare_groups_cases.csv, written
# by that test with YOUTHVOICE_WRITE_COMPARE_CASES=1: kind, then x1, n1,
# x2, n2 of a proportion or m1, s1, n1, m2, s2, n2 of a mean, then the
# level), each computed as above; the inputs are echoed as read, so the
# test finds each case by them.
args <- commandArgs(trailingOnly = TRUE)
what <- if (length(args) > 0) args[1] else "newcombe"
wilson <- function(x, n, level) {
  prop.test(x, n, conf.level = level / 100, correct = FALSE)$conf.int
}
sample_with <- function(m, s, n) {
  v <- seq_len(n)^1.5 # any non-constant values
  m + s * (v - mean(v)) / sd(v)
}
newcombe <- function(x1, n1, x2, n2, level) {
  p1 <- x1 / n1; p2 <- x2 / n2; d <- p1 - p2
  w1 <- wilson(x1, n1, level); w2 <- wilson(x2, n2, level)
  c(d, d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2), d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2))
}
welch <- function(m1, s1, n1, m2, s2, n2, level) {
  x1 <- if (s1 == 0) rep(m1, n1) else sample_with(m1, s1, n1)
  x2 <- if (s2 == 0) rep(m2, n2) else sample_with(m2, s2, n2)
  tt <- t.test(x1, x2, var.equal = FALSE, conf.level = level / 100)
  c(mean(x1) - mean(x2), tt$conf.int[1], tt$conf.int[2])
}
if (what == "groups") {
  cs <- read.csv(args[2], colClasses = "character")
  cat("kind,a1,a2,a3,a4,a5,a6,level,d,low,high\n")
  for (i in seq_len(nrow(cs))) {
    r <- cs[i, ]
    a <- suppressWarnings(as.numeric(c(r$a1, r$a2, r$a3, r$a4, r$a5, r$a6)))
    level <- as.numeric(r$level)
    v <- if (r$kind == "proportion") {
      suppressWarnings(newcombe(a[1], a[2], a[3], a[4], level))
    } else {
      welch(a[1], a[2], a[3], a[4], a[5], a[6], level)
    }
    cat(sprintf("%s,%s,%s,%s,%s,%s,%s,%s,%.15f,%.15f,%.15f\n", r$kind, r$a1, r$a2, r$a3, r$a4, r$a5, r$a6, r$level, v[1], v[2], v[3]))
  }
} else if (what == "newcombe") {
  cases <- list(
    c(56, 70, 48, 80), c(9, 10, 3, 10), c(6, 7, 2, 7), c(5, 56, 0, 29),
    c(0, 10, 0, 20), c(10, 10, 0, 10), c(31, 100, 25, 100), c(310, 1000, 280, 1000),
    c(12, 40, 30, 45), c(1, 1000, 5, 1200), c(4321, 98765, 4100, 90000),
    c(118, 355, 97, 341), c(50, 100, 50, 100), c(7, 23, 20, 21), c(0, 5, 5, 5)
  )
  cat("x1,n1,x2,n2,level,d,low,high\n")
  for (cs in cases) {
    for (level in c(90, 95, 99)) {
      x1 <- cs[1]; n1 <- cs[2]; x2 <- cs[3]; n2 <- cs[4]
      p1 <- x1 / n1; p2 <- x2 / n2; d <- p1 - p2
      w1 <- wilson(x1, n1, level); w2 <- wilson(x2, n2, level)
      low <- d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2)
      high <- d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2)
      cat(sprintf("%d,%d,%d,%d,%d,%.15f,%.15f,%.15f\n", x1, n1, x2, n2, level, d, low, high))
    }
  }
} else {
  cases <- list(
    c(3.4, 1.1, 120, 3.1, 1.3, 95), c(2.5, 0.9, 12, 2.9, 1.4, 8),
    c(7.25, 2.10, 40, 7.25, 2.10, 40), c(4.02, 0.5, 1000, 3.97, 0.8, 1500),
    c(1.5, 0.7, 2, 2.5, 0.7, 2), c(55.3, 12.4, 300, 51.0, 20.2, 15),
    c(3.0, 0, 30, 3.4, 1.0, 25), c(6.12, 2.44, 230, 6.40, 2.51, 210),
    c(10, 3, 5, 12, 3, 500), c(2.2, 1.05, 3, 2.0, 0.2, 3)
  )
  cat("m1,s1,n1,m2,s2,n2,level,d,low,high,df\n")
  for (cs in cases) {
    for (level in c(90, 95, 99)) {
      x1 <- sample_with(cs[1], cs[2], cs[3]); x2 <- sample_with(cs[4], cs[5], cs[6])
      if (cs[2] == 0) x1 <- rep(cs[1], cs[3])
      tt <- t.test(x1, x2, var.equal = FALSE, conf.level = level / 100)
      cat(sprintf("%.15g,%.15g,%d,%.15g,%.15g,%d,%d,%.15f,%.15f,%.15f,%.15f\n",
        cs[1], cs[2], cs[3], cs[4], cs[5], cs[6], level,
        mean(x1) - mean(x2), tt$conf.int[1], tt$conf.int[2], tt$parameter))
    }
  }
}
