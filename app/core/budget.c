/* budget.c — see budget.h. */
#include "logbook/core/budget.h"

#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static long budget_ms;

static void
on_budget_spent(int sig)
{
	static const char msg[] = "logbook-fcgi: level=error request used up its CPU budget "
				  "(request_cpu_ms); ending this worker\n";

	(void)sig;
	/* Only async-signal-safe calls here: write and _exit. */
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more can be done */
	}
	_exit(70);
}

void
budget_init(long ms)
{
	struct sigaction sa;

	budget_ms = ms;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_budget_spent;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPROF, &sa, NULL);
}

static void
set(long ms)
{
	struct itimerval t;

	memset(&t, 0, sizeof(t));
	t.it_value.tv_sec = ms / 1000;
	t.it_value.tv_usec = (ms % 1000) * 1000;
	setitimer(ITIMER_PROF, &t, NULL);
}

void
budget_arm(void)
{
	if (budget_ms > 0)
		set(budget_ms);
}

void
budget_disarm(void)
{
	if (budget_ms > 0)
		set(0);
}
