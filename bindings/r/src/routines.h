/* The .Call entry points (registered in init.c). */
#ifndef CAUSAL_R_ROUTINES_H
#define CAUSAL_R_ROUTINES_H

#define R_NO_REMAP
#include <Rinternals.h>

SEXP C_version(void);
SEXP C_sampler_run(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP); SEXP C_mcmc_summary(SEXP, SEXP, SEXP, SEXP);
SEXP C_strerror(SEXP);
SEXP C_alloc_track(SEXP, SEXP);
SEXP C_alloc_count(void);
SEXP C_dist_eval(SEXP, SEXP, SEXP, SEXP);
SEXP C_rng_new(SEXP, SEXP);
SEXP C_rng_clone(SEXP);
SEXP C_rng_get_state(SEXP);
SEXP C_rng_set_state(SEXP, SEXP, SEXP);
SEXP C_rng_advance(SEXP, SEXP);
SEXP C_rng_draw(SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP C_rng_sample(SEXP, SEXP, SEXP);
SEXP C_rng_shuffle(SEXP, SEXP);
SEXP C_rng_u64(SEXP, SEXP);
SEXP C_moments_new(SEXP);
SEXP C_moments_clone(SEXP);
SEXP C_moments_nvars(SEXP);
SEXP C_moments_reset(SEXP);
SEXP C_moments_update(SEXP, SEXP, SEXP);
SEXP C_moments_merge(SEXP, SEXP);
SEXP C_moments_get(SEXP, SEXP, SEXP);
SEXP C_moments_serialize(SEXP);
SEXP C_moments_deserialize(SEXP);
SEXP C_result_build(SEXP, SEXP, SEXP, SEXP);
SEXP C_dataset_from_list(SEXP, SEXP, SEXP);
SEXP C_dataset_to_list(SEXP);
SEXP C_dataset_info(SEXP);
SEXP C_csv_read(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP C_csv_reader_open(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP C_csv_reader_next(SEXP);
SEXP C_csv_reader_rows(SEXP);
SEXP C_design_build(SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP C_regress_fit(SEXP, SEXP, SEXP);
SEXP C_aa_run(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP C_aa_mde(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP C_regress_wald(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP C_assign_bucket(SEXP, SEXP, SEXP);
SEXP C_assign_hash(SEXP, SEXP);
SEXP C_assign_config(SEXP);
SEXP C_assign_batch(SEXP, SEXP, SEXP);
SEXP C_regress_acc_new(SEXP, SEXP, SEXP);
SEXP C_regress_acc_clone(SEXP);
SEXP C_regress_acc_update(SEXP, SEXP);
SEXP C_regress_acc_merge(SEXP, SEXP);
SEXP C_regress_acc_next_pass(SEXP);
SEXP C_regress_acc_state(SEXP);
SEXP C_regress_acc_fit(SEXP);
SEXP C_regress_acc_serialize(SEXP);
SEXP C_regress_acc_deserialize(SEXP);
SEXP C_did_fit(SEXP, SEXP);
SEXP C_simulate_scenario(SEXP, SEXP);
SEXP C_match_run(SEXP, SEXP, SEXP);
SEXP C_fusion_estimates(SEXP, SEXP, SEXP, SEXP); SEXP C_fusion_curve(SEXP, SEXP, SEXP, SEXP, SEXP); SEXP C_fusion_strata(SEXP, SEXP, SEXP, SEXP, SEXP); SEXP C_fusion_data(SEXP, SEXP, SEXP);
SEXP C_regress_bptest(SEXP, SEXP, SEXP, SEXP);
SEXP C_abstats_new(SEXP, SEXP);
SEXP C_abstats_clone(SEXP);
SEXP C_abstats_reset(SEXP);
SEXP C_abstats_info(SEXP);
SEXP C_abstats_update(SEXP, SEXP, SEXP, SEXP);
SEXP C_abstats_merge(SEXP, SEXP);
SEXP C_abstats_from_aggregates(SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP C_abstats_from_sums(SEXP, SEXP, SEXP);
SEXP C_abstats_from_counts(SEXP, SEXP);
SEXP C_abstats_get(SEXP, SEXP, SEXP);
SEXP C_abstats_serialize(SEXP);
SEXP C_abstats_deserialize(SEXP);
SEXP C_abtest_compare(SEXP, SEXP, SEXP, SEXP);
SEXP C_abtest_analyze(SEXP, SEXP, SEXP, SEXP);
SEXP C_abtest_bootstrap(SEXP, SEXP, SEXP);
SEXP C_abtest_srm(SEXP, SEXP);
SEXP C_p_adjust(SEXP, SEXP);
SEXP C_dunnett(SEXP, SEXP, SEXP, SEXP, SEXP);

SEXP C_power_solve(SEXP, SEXP); SEXP C_pnt(SEXP, SEXP, SEXP, SEXP); SEXP C_gs_new(SEXP); SEXP C_gs_design(SEXP, SEXP); SEXP C_gs_look(SEXP, SEXP, SEXP); SEXP C_gs_result(SEXP); SEXP C_gs_nlooks(SEXP); SEXP C_gs_serialize(SEXP); SEXP C_gs_deserialize(SEXP); SEXP C_bayes(SEXP, SEXP); SEXP C_bayes_prob_beta(SEXP, SEXP); SEXP C_decide(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP); SEXP C_msprt(SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP C_report_render(SEXP, SEXP); SEXP C_chart_svg(SEXP);
SEXP C_propensity_fit(SEXP, SEXP); SEXP C_weighting_fit(SEXP, SEXP, SEXP); SEXP C_balance(SEXP, SEXP, SEXP); SEXP C_evalue(SEXP, SEXP, SEXP, SEXP, SEXP);
#endif
