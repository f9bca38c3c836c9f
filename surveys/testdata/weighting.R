# Expected raked weights and weighted estimates for surveys/weighting_test.go
# (TestRakeMatchesR, TestWeightedEstimatesMatchR), computed independently
# with R's survey package (Lumley), without any YouthVoice code.
# Regenerate with (R 4.2, survey 4.1 from Debian's r-cran-survey):
#   Rscript weighting.R margins > weighting_margins_r.csv
#   Rscript weighting.R cells > weighting_cells_r.csv
#   Rscript weighting.R estimates > weighting_estimates_r.csv
#
# The sample: 3 weighting dimensions (age 3 x gender 3 x region 4 = 36
# cells, one of them empty) with made-up but lopsided counts (girls and
# the capital over-represented, few non-binary respondents), 1 respondent
# data frame row per respondent built from the cell counts, and for each
# respondent a single-choice answer (told: nobody, friend, parent, other;
# some skip it), a multiple-choice answer (where: app, school, games, each
# 0/1; some skip it) and a scale answer (score 1-5; some skip it).
# svydesign(ids = ~1) then rake() to the population margins with
# epsilon 1e-10 and maxit 1000 (rake's defaults, epsilon 1 and maxit 10,
# stop long before the margins are met). Expected values:
#   cells:     the raked weight of each cell (every respondent of a cell
#              gets the same weight) and the counts Go needs as input;
#   estimates: svymean of told (factor, na.rm) and of each where option
#              (0/1, na.rm), the weighted mean of score (svymean), and
#              Kish's n_eff = sum(w)^2 / sum(w^2) and design effect
#              1 + CV^2 (CV with divisor n) of those who answered, by
#              their formulas from weights(); the weighted SD of score
#              with divisor sum(w).
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
what <- if (length(args) > 0) args[1] else "estimates"
ages <- c("13-15", "16-17", "18-20")
genders <- c("girl", "boy", "nonbinary")
regions <- c("north", "centre", "south", "capital")
pop <- list(
  age = c(310000, 205000, 298000),
  gender = c(396000, 408000, 9000),
  region = c(180000, 220000, 150000, 263000)
)
stopifnot(sum(pop$age) == sum(pop$gender), sum(pop$age) == sum(pop$region))

# Cells in YouthVoice's order: the first dimension varies slowest.
cells <- NULL
rows <- list()
i <- 0
for (a in 1:3) for (g in 1:3) for (r in 1:4) {
  n <- 3 + (a * 11 + g * 7 + r * 5 + a * g * r) %% 37
  if (g == 1) n <- n * 2                 # girls answer more
  if (r == 4) n <- n + 15                # so does the capital
  if (g == 3) n <- n %/% 6 + 1           # few non-binary respondents
  if (a == 3 && g == 3 && r == 1) n <- 0 # an empty cell
  told_ans <- n - n %/% 9
  friend <- round(told_ans * (0.15 + 0.07 * a))
  parent <- min(told_ans - friend, round(told_ans * (0.05 + 0.04 * r)))
  other <- (told_ans - friend - parent) %/% 8
  nobody <- told_ans - friend - parent - other
  where_ans <- n - n %/% 7
  app <- round(where_ans * (0.3 + 0.1 * g))
  school <- round(where_ans * (0.5 - 0.1 * a))
  games <- round(where_ans * 0.05 * r)
  score_n <- n - n %/% 5
  score <- if (score_n > 0) 1 + ((seq_len(score_n) * (a + r)) %% 5) else numeric(0)
  cells <- rbind(cells, data.frame(
    cell = i, age = ages[a], gender = genders[g], region = regions[r], n = n,
    told_answered = told_ans, told_nobody = nobody, told_friend = friend,
    told_parent = parent, told_other = other,
    where_answered = where_ans, where_app = app, where_school = school, where_games = games,
    score_n = score_n, score_sum = sum(score), score_sumsq = sum(score^2)
  ))
  if (n > 0) {
    told <- c(rep(c("nobody", "friend", "parent", "other"), c(nobody, friend, parent, other)), rep(NA, n - told_ans))
    ind <- function(k) c(rep(1, k), rep(0, where_ans - k), rep(NA, n - where_ans))
    rows[[length(rows) + 1]] <- data.frame(
      cell = i, age = ages[a], gender = genders[g], region = regions[r], told = told,
      app = ind(app), school = rev(ind(school)[seq_len(where_ans)]) |> c(rep(NA, n - where_ans)),
      games = ind(games), score = c(score, rep(NA, n - score_n))
    )
  }
  i <- i + 1
}
df <- do.call(rbind, rows)
df$age <- factor(df$age, levels = ages)
df$gender <- factor(df$gender, levels = genders)
df$region <- factor(df$region, levels = regions)
df$told <- factor(df$told, levels = c("nobody", "friend", "parent", "other"))

des <- svydesign(ids = ~1, data = df)
raked <- rake(des, list(~age, ~gender, ~region), list(
  data.frame(age = ages, Freq = pop$age),
  data.frame(gender = genders, Freq = pop$gender),
  data.frame(region = regions, Freq = pop$region)
), control = list(epsilon = 1e-10, maxit = 1000, verbose = FALSE))
w <- weights(raked)
# Every respondent of a cell has the same weight.
stopifnot(all(tapply(w, df$cell, function(x) diff(range(x))) < 1e-9 * mean(w)))
# The margins are met.
stopifnot(abs(sum(w[df$region == "capital"]) - 263000) < 1e-4)

kish <- function(wt) {
  n <- length(wt)
  neff <- sum(wt)^2 / sum(wt^2)
  deff <- 1 + mean((wt - mean(wt))^2) / mean(wt)^2
  stopifnot(abs(deff - n / neff) < 1e-9)
  c(neff, deff)
}

if (what == "margins") {
  cat("# Population margins of weighting.R (the input of both R and Go).\n")
  cat("dimension,code,total\n")
  for (d in names(pop)) {
    codes <- list(age = ages, gender = genders, region = regions)[[d]]
    for (j in seq_along(codes)) cat(sprintf("%s,%s,%.0f\n", d, codes[j], pop[[d]][j]))
  }
} else if (what == "cells") {
  cat("# Cells of weighting.R: the counts (input) and R survey's raked weight of\n")
  cat("# each cell (rake, epsilon 1e-10, maxit 1000); weight is 0 for the empty cell.\n")
  cellw <- sapply(cells$cell, function(c) if (any(df$cell == c)) w[df$cell == c][1] else 0)
  out <- cells
  out$weight <- sprintf("%.12f", cellw)
  write.csv(out, stdout(), row.names = FALSE, quote = FALSE)
} else {
  cat("# Weighted estimates of weighting.R from R survey's rake (epsilon 1e-10):\n")
  cat("# svymean for proportions and the mean; Kish n_eff and deff by formula.\n")
  cat("question,option,what,value\n")
  out <- function(q, o, k, v) cat(sprintf("%s,%s,%s,%.12f\n", q, o, k, v))
  m <- svymean(~told, raked, na.rm = TRUE)
  for (o in levels(df$told)) out("told", o, "proportion", coef(m)[[paste0("told", o)]])
  k <- kish(w[!is.na(df$told)])
  out("told", "", "neff", k[1]); out("told", "", "deff", k[2])
  for (o in c("app", "school", "games")) {
    out("where", o, "proportion", coef(svymean(as.formula(paste0("~", o)), raked, na.rm = TRUE))[[1]])
  }
  k <- kish(w[!is.na(df$app)])
  out("where", "", "neff", k[1]); out("where", "", "deff", k[2])
  ms <- coef(svymean(~score, raked, na.rm = TRUE))[[1]]
  ws <- w[!is.na(df$score)]; ys <- df$score[!is.na(df$score)]
  out("score", "", "mean", ms)
  out("score", "", "sd", sqrt(sum(ws * (ys - ms)^2) / sum(ws)))
  k <- kish(ws)
  out("score", "", "neff", k[1]); out("score", "", "deff", k[2])
}
