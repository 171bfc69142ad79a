/* libcausal — umbrella header. */
#ifndef CAUSAL_H
#define CAUSAL_H

#include "causal/core.h"
#include "causal/result.h"
#include "causal/rng.h"
#include "causal/dist.h"
#include "causal/stats.h"
#include "causal/dataset.h"
#include "causal/csv.h"
#include "causal/describe.h"
#include "causal/regress.h"
#include "causal/did.h"
#include "causal/aa.h"
#include "causal/assign.h"
#include "causal/abtest.h"
#include "causal/power.h"
#include "causal/sequential.h"
#include "causal/bayes_ab.h"
#include "causal/simulate.h"
#include "causal/report.h"
#include "causal/propensity.h"
#include "causal/balance.h"
#include "causal/weighting.h"
#include "causal/sensitivity.h"
#include "causal/match.h"
#include "causal/sampler.h"
#include "causal/fusion.h"

#endif /* CAUSAL_H */
