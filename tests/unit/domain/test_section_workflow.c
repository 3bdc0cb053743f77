/* test_section_workflow.c — every (role x action x state) combination against API.md, plus
 * separation of duties and the reject comment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "logbook/auth/roles.h"
#include "logbook/domain/section_workflow.h"

/* API.md's default workflow, written out from the contract's text rather than taken from
 * the parser, so a wrong default there would show here. */
static const unsigned default_workflow[TPL_ACTION_COUNT] = {
	[TPL_ACTION_SUBMIT] = ROLE_AUTHOR,
	[TPL_ACTION_START_REVIEW] = ROLE_REVIEWER,
	[TPL_ACTION_APPROVE] = ROLE_APPROVER,
	[TPL_ACTION_REJECT] = ROLE_REVIEWER | ROLE_APPROVER,
	[TPL_ACTION_REOPEN] = ROLE_AUTHOR,
};

/* The one state each action starts from, and where it leads (API.md "Entries"). */
static const struct {
	const char *action, *from, *to;
} edges[] = {
	{ "submit", "draft", "submitted" },
	{ "start_review", "submitted", "in_review" },
	{ "approve", "in_review", "approved" },
	{ "reject", "in_review", "rejected" },
	{ "reopen", "rejected", "draft" },
};

static const char *const role_names[] = { "admin", "designer", "author", "reviewer", "approver",
	"auditor" };
static const char *const state_names[] = { "draft", "submitted", "in_review", "approved",
	"rejected" };
static const char *const action_names[] = { "submit", "start_review", "approve", "reject",
	"reopen" };

static void
test_every_role_action_state(void **state)
{
	size_t ri, ai, si, e;
	int    checked = 0;

	(void)state;
	for (ri = 0; ri < 6; ri++) {
		for (ai = 0; ai < 5; ai++) {
			for (si = 0; si < 5; si++) {
				unsigned           role = role_from_name(role_names[ri]);
				int                action = tpl_action_from_name(action_names[ai]);
				int                from = section_state_from_name(state_names[si]);
				struct wf_decision d;
				const char        *to = NULL;

				for (e = 0; e < 5; e++)
					if (strcmp(edges[e].action, action_names[ai]) == 0 &&
					    strcmp(edges[e].from, state_names[si]) == 0)
						to = edges[e].to;
				d = wf_decide(default_workflow, role, false,
				    (enum section_state)from, action, "a reason");
				if ((default_workflow[action] & role) == 0 && role != ROLE_ADMIN) {
					if (d.verdict != WF_FORBIDDEN_ROLE)
						fail_msg("%s %s from %s: want 403, got %d",
						    role_names[ri], action_names[ai],
						    state_names[si], d.verdict);
				} else if (to == NULL) {
					if (d.verdict != WF_INVALID_STATE)
						fail_msg("%s %s from %s: want 409, got %d",
						    role_names[ri], action_names[ai],
						    state_names[si], d.verdict);
				} else {
					if (d.verdict != WF_OK ||
					    strcmp(section_state_name(d.to), to) != 0)
						fail_msg("%s %s from %s: want -> %s, got %d",
						    role_names[ri], action_names[ai],
						    state_names[si], to, d.verdict);
					assert_int_equal(d.new_revision,
					    strcmp(action_names[ai], "reopen") == 0);
				}
				checked++;
			}
		}
	}
	assert_int_equal(checked, 150);
}

static void
test_separation_of_duties(void **state)
{
	unsigned all = ROLE_ALL_MASK;

	(void)state;
	/* Whoever submitted may not review, approve or reject, admin included... */
	assert_int_equal(
	    wf_decide(default_workflow, all, true, STATE_SUBMITTED, TPL_ACTION_START_REVIEW, NULL)
		.verdict,
	    WF_SAME_PERSON);
	assert_int_equal(
	    wf_decide(default_workflow, ROLE_ADMIN, true, STATE_IN_REVIEW, TPL_ACTION_APPROVE, NULL)
		.verdict,
	    WF_SAME_PERSON);
	assert_int_equal(
	    wf_decide(default_workflow, all, true, STATE_IN_REVIEW, TPL_ACTION_REJECT, "no")
		.verdict,
	    WF_SAME_PERSON);
	/* ...but may submit and reopen their own work. */
	assert_int_equal(
	    wf_decide(default_workflow, ROLE_AUTHOR, true, STATE_DRAFT, TPL_ACTION_SUBMIT, NULL)
		.verdict,
	    WF_OK);
	assert_int_equal(
	    wf_decide(default_workflow, ROLE_AUTHOR, true, STATE_REJECTED, TPL_ACTION_REOPEN, NULL)
		.verdict,
	    WF_OK);
	/* Someone else with the role may. */
	assert_int_equal(wf_decide(default_workflow, ROLE_APPROVER, false, STATE_IN_REVIEW,
			     TPL_ACTION_APPROVE, NULL)
			     .verdict,
	    WF_OK);
}

static void
test_reject_needs_comment(void **state)
{
	(void)state;
	assert_int_equal(wf_decide(default_workflow, ROLE_REVIEWER, false, STATE_IN_REVIEW,
			     TPL_ACTION_REJECT, NULL)
			     .verdict,
	    WF_COMMENT_REQUIRED);
	assert_int_equal(wf_decide(default_workflow, ROLE_REVIEWER, false, STATE_IN_REVIEW,
			     TPL_ACTION_REJECT, " \t\n")
			     .verdict,
	    WF_COMMENT_REQUIRED);
	assert_int_equal(wf_decide(default_workflow, ROLE_REVIEWER, false, STATE_IN_REVIEW,
			     TPL_ACTION_REJECT, "values off")
			     .verdict,
	    WF_OK);
}

static void
test_custom_map_and_unknown(void **state)
{
	unsigned custom[TPL_ACTION_COUNT];

	(void)state;
	memcpy(custom, default_workflow, sizeof(custom));
	custom[TPL_ACTION_APPROVE] = ROLE_REVIEWER; /* a template may let reviewers approve */
	assert_int_equal(
	    wf_decide(custom, ROLE_REVIEWER, false, STATE_IN_REVIEW, TPL_ACTION_APPROVE, NULL)
		.verdict,
	    WF_OK);
	assert_int_equal(
	    wf_decide(custom, ROLE_APPROVER, false, STATE_IN_REVIEW, TPL_ACTION_APPROVE, NULL)
		.verdict,
	    WF_FORBIDDEN_ROLE);
	assert_int_equal(wf_decide(custom, ROLE_ALL_MASK, false, STATE_DRAFT,
			     tpl_action_from_name("publish"), NULL)
			     .verdict,
	    WF_UNKNOWN_ACTION);
	assert_int_equal(section_state_from_name("Draft"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_role_action_state),
		cmocka_unit_test(test_separation_of_duties),
		cmocka_unit_test(test_reject_needs_comment),
		cmocka_unit_test(test_custom_map_and_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
