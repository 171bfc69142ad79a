/* Routine registration. */
#include "glue.h"

#include <R_ext/Rdynload.h>

#include "routines.h"

/* Through void (*)(void), the generic function pointer type, so that
 * -Wcast-function-type stays quiet. */
#define ENTRY(name, n) {#name, (DL_FUNC)(void (*)(void))&name, n}

static const R_CallMethodDef call_methods[] = {
    ENTRY(C_version, 0),
    ENTRY(C_sampler_run, 8), ENTRY(C_mcmc_summary, 4),
    ENTRY(C_strerror, 1),
    ENTRY(C_alloc_track, 2),
    ENTRY(C_alloc_count, 0),
    ENTRY(C_dist_eval, 4),
    ENTRY(C_rng_new, 2),
    ENTRY(C_rng_clone, 1),
    ENTRY(C_rng_get_state, 1),
    ENTRY(C_rng_set_state, 3),
    ENTRY(C_rng_advance, 2),
    ENTRY(C_rng_draw, 5),
    ENTRY(C_rng_sample, 3),
    ENTRY(C_rng_shuffle, 2),
    ENTRY(C_rng_u64, 2),
    ENTRY(C_moments_new, 1),
    ENTRY(C_moments_clone, 1),
    ENTRY(C_moments_nvars, 1),
    ENTRY(C_moments_reset, 1),
    ENTRY(C_moments_update, 3),
    ENTRY(C_moments_merge, 2),
    ENTRY(C_moments_get, 3),
    ENTRY(C_moments_serialize, 1),
    ENTRY(C_moments_deserialize, 1),
    ENTRY(C_result_build, 4),
    ENTRY(C_dataset_from_list, 3),
    ENTRY(C_dataset_to_list, 1),
    ENTRY(C_dataset_info, 1),
    ENTRY(C_csv_read, 7),
    ENTRY(C_csv_reader_open, 7),
    ENTRY(C_csv_reader_next, 1),
    ENTRY(C_csv_reader_rows, 1),
    ENTRY(C_design_build, 5),
    ENTRY(C_regress_fit, 3),
    ENTRY(C_aa_run, 6), ENTRY(C_aa_mde, 7),
    ENTRY(C_regress_wald, 6),
    ENTRY(C_assign_bucket, 3),
    ENTRY(C_assign_hash, 2),
    ENTRY(C_assign_config, 1),
    ENTRY(C_assign_batch, 3),
    ENTRY(C_regress_acc_new, 3),
    ENTRY(C_regress_acc_clone, 1),
    ENTRY(C_regress_acc_update, 2),
    ENTRY(C_regress_acc_merge, 2),
    ENTRY(C_regress_acc_next_pass, 1),
    ENTRY(C_regress_acc_state, 1),
    ENTRY(C_regress_acc_fit, 1),
    ENTRY(C_regress_acc_serialize, 1),
    ENTRY(C_regress_acc_deserialize, 1),
    ENTRY(C_did_fit, 2),
    ENTRY(C_simulate_scenario, 2),
    ENTRY(C_propensity_fit, 2), ENTRY(C_weighting_fit, 3), ENTRY(C_balance, 3), ENTRY(C_evalue, 5),
    ENTRY(C_match_run, 3),
    ENTRY(C_regress_bptest, 4),
    ENTRY(C_fusion_estimates, 4), ENTRY(C_fusion_curve, 5), ENTRY(C_fusion_strata, 5), ENTRY(C_fusion_data, 3),
    ENTRY(C_abstats_new, 2), ENTRY(C_abstats_clone, 1), ENTRY(C_abstats_reset, 1), ENTRY(C_abstats_info, 1), ENTRY(C_abstats_update, 4), ENTRY(C_abstats_merge, 2), ENTRY(C_abstats_from_aggregates, 5), ENTRY(C_abstats_from_sums, 3), ENTRY(C_abstats_from_counts, 2), ENTRY(C_abstats_get, 3), ENTRY(C_abstats_serialize, 1), ENTRY(C_abstats_deserialize, 1), ENTRY(C_abtest_compare, 4), ENTRY(C_abtest_analyze, 4), ENTRY(C_abtest_bootstrap, 3), ENTRY(C_abtest_srm, 2), ENTRY(C_p_adjust, 2), ENTRY(C_dunnett, 5),
    ENTRY(C_power_solve, 2), ENTRY(C_pnt, 4), ENTRY(C_gs_new, 1), ENTRY(C_gs_design, 2), ENTRY(C_gs_look, 3), ENTRY(C_gs_result, 1), ENTRY(C_gs_nlooks, 1), ENTRY(C_gs_serialize, 1), ENTRY(C_gs_deserialize, 1), ENTRY(C_bayes, 2), ENTRY(C_bayes_prob_beta, 2), ENTRY(C_decide, 8), ENTRY(C_msprt, 5),
    ENTRY(C_report_render, 2), ENTRY(C_chart_svg, 1),
    {NULL, NULL, 0}};

void R_init_causal(DllInfo *dll);

void R_init_causal(DllInfo *dll) {
  R_registerRoutines(dll, NULL, call_methods, NULL, NULL);
  R_useDynamicSymbols(dll, FALSE);
  R_forceSymbols(dll, TRUE);
}
