/* test_budget.c — the CPU budget of a request ends the process that overruns it, and only
 * CPU time counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "logbook/core/budget.h"

static void
spin(double seconds)
{
	struct timespec t0, t;
	volatile long   x = 0;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			x += i;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
}

/* Runs body in a child with a 200 ms budget; returns its wait status. */
static int
child(void (*body)(void))
{
	pid_t pid = fork();
	int   status;

	assert_true(pid >= 0);
	if (pid == 0) {
		close(STDERR_FILENO); /* the one line it writes is not this test's output */
		budget_init(200);
		budget_arm();
		body();
		budget_disarm();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
overrun(void)
{
	spin(3.0);
}

static void
within(void)
{
	spin(0.05);
	usleep(400000); /* waiting (for PostgreSQL, say) does not count */
	spin(0.05);
}

static void
renewed(void)
{
	for (int i = 0; i < 4; i++) {
		spin(0.12);
		budget_arm(); /* an export renews it per batch */
	}
}

static void
test_overrun_ends_the_process(void **state)
{
	int status = child(overrun);

	(void)state;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 70);
}

static void
test_waiting_does_not_count(void **state)
{
	int status = child(within);

	(void)state;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_renewal(void **state)
{
	int status = child(renewed);

	(void)state;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overrun_ends_the_process),
		cmocka_unit_test(test_waiting_does_not_count),
		cmocka_unit_test(test_renewal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
