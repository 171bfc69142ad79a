# Writes data/lalonde.csv from the lalonde data frame shipped with MatchIt
# (Debian package r-cran-matchit): the NSW treated units and the PSID
# comparison sample of Dehejia and Wahba (1999), 614 rows.
# Run: Rscript data/make_lalonde.R
data("lalonde", package = "MatchIt")
d <- lalonde
d$race <- as.character(d$race)
write.csv(d, "data/lalonde.csv", row.names = FALSE, quote = FALSE)
