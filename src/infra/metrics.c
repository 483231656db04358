#include "infra/metrics.h"

#ifdef HAVE_CONFIG_H
#include <config.h> /* autoconf's (src/infra/config.h is the app's) */
#endif

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "http/router.h"

#define METRICS_MAX_WORKERS 256
/* Prometheus' default buckets (seconds); one more slot counts the rest (+Inf). */
static const double bucket_le[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBUCKETS (sizeof(bucket_le) / sizeof(bucket_le[0]))
/* The methods an unmatched request is counted under; anything else is "other". */
static const char *const unmatched_methods[] = {"GET",	 "HEAD",   "POST",    "PUT",
						"PATCH", "DELETE", "OPTIONS", "other"};
#define NUNMATCHED (sizeof(unmatched_methods) / sizeof(unmatched_methods[0]))

struct route_stats {
	atomic_ullong by_class[5]; /* 1xx..5xx */
	atomic_ullong bucket[NBUCKETS + 1];
	atomic_ullong sum_us;
};

struct shared {
	atomic_ullong counters[METRICS_COUNTER_COUNT];
	atomic_int inflight[METRICS_MAX_WORKERS]; /* 0/1 per worker: one request at a time */
	struct route_stats routes[];		  /* nroutes, then NUNMATCHED */
};

static struct shared *shm;
static const struct route *table;
static size_t ntable;
static int nslots;
static int my_slot = -1;

static const struct {
	const char *name, *help;
} counter_info[METRICS_COUNTER_COUNT] = {
    [METRICS_WORKER_STARTS] = {"swmra_worker_starts_total", "Worker processes started."},
    [METRICS_WORKER_CRASHES] = {"swmra_worker_crashes_total",
				"Worker processes that died by a signal or a non-zero exit."},
    [METRICS_WORKER_RESPAWNS] = {"swmra_worker_respawns_total",
				 "Worker processes started to replace one that died."},
    [METRICS_DB_ERRORS] = {"swmra_db_errors_total",
			   "Requests that failed on a database error (answered 500 or 503)."},
    [METRICS_DB_UNAVAILABLE] = {"swmra_db_unavailable_total",
				"Database errors where the server could not be reached (503)."},
    [METRICS_LOGINS_FAILED] = {"swmra_logins_failed_total",
			       "Login attempts refused for wrong credentials."},
    [METRICS_LOGINS_THROTTLED] = {"swmra_logins_throttled_total",
				  "Login attempts refused by the failed-login backoff (429)."},
};

int metrics_setup(const struct route *routes, size_t nroutes, int nworkers)
{
	size_t size = sizeof(struct shared) + (nroutes + NUNMATCHED) * sizeof(struct route_stats);
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	/* anonymous mappings start zeroed, which is a valid state for every atomic here */
	shm = p;
	table = routes;
	ntable = nroutes;
	nslots = nworkers < METRICS_MAX_WORKERS ? nworkers : METRICS_MAX_WORKERS;
	return 0;
}

bool metrics_enabled(void)
{
	return shm != NULL;
}

void metrics_worker_slot(int slot)
{
	my_slot = slot >= 0 && slot < METRICS_MAX_WORKERS ? slot : -1;
}

void metrics_worker_gone(int slot)
{
	if (shm && slot >= 0 && slot < METRICS_MAX_WORKERS)
		atomic_store(&shm->inflight[slot], 0);
}

void metrics_inc(enum metrics_counter c)
{
	if (shm && c >= 0 && c < METRICS_COUNTER_COUNT)
		atomic_fetch_add_explicit(&shm->counters[c], 1, memory_order_relaxed);
}

void metrics_request_begin(void)
{
	if (shm && my_slot >= 0)
		atomic_store(&shm->inflight[my_slot], 1);
}

/* The stats entry of a request: its route's, or the unmatched one of its method. */
static struct route_stats *stats_of(const char *pattern, const char *method)
{
	if (pattern) {
		for (size_t i = 0; i < ntable; i++)
			if (table[i].pattern == pattern && strcmp(table[i].method, method) == 0)
				return &shm->routes[i];
	}
	size_t m = NUNMATCHED - 1;
	for (size_t i = 0; i + 1 < NUNMATCHED; i++)
		if (method && strcmp(unmatched_methods[i], method) == 0)
			m = i;
	return &shm->routes[ntable + m];
}

void metrics_request_end(const char *pattern, const char *method, int status, double seconds)
{
	if (!shm)
		return;
	if (my_slot >= 0)
		atomic_store(&shm->inflight[my_slot], 0);
	struct route_stats *s = stats_of(pattern, method ? method : "");
	int cls = status / 100;
	if (cls < 1 || cls > 5)
		cls = 5; /* no status at all is a server fault */
	atomic_fetch_add_explicit(&s->by_class[cls - 1], 1, memory_order_relaxed);
	size_t b = 0;
	while (b < NBUCKETS && seconds > bucket_le[b])
		b++;
	atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
	if (seconds < 0)
		seconds = 0;
	atomic_fetch_add_explicit(&s->sum_us, (unsigned long long)(seconds * 1e6),
				  memory_order_relaxed);
}

void metrics_label(struct strbuf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			strbuf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			strbuf_add(b, "\\n");
		else
			strbuf_addn(b, s, 1);
	}
}

/* route="...",method="..." of entry i */
static void route_labels(struct strbuf *b, size_t i)
{
	strbuf_add(b, "route=\"");
	metrics_label(b, i < ntable ? table[i].pattern : "unmatched");
	strbuf_add(b, "\",method=\"");
	metrics_label(b, i < ntable ? table[i].method : unmatched_methods[i - ntable]);
	strbuf_add(b, "\"");
}

static unsigned long long total_of(struct route_stats *s)
{
	unsigned long long n = 0;
	for (size_t k = 0; k <= NBUCKETS; k++)
		n += atomic_load_explicit(&s->bucket[k], memory_order_relaxed);
	return n;
}

static void render_requests(struct strbuf *b)
{
	strbuf_add(b, "# HELP swmra_http_requests_total API requests by route pattern, method and "
		      "status class.\n# TYPE swmra_http_requests_total counter\n");
	for (size_t i = 0; i < ntable + NUNMATCHED; i++) {
		for (int c = 0; c < 5; c++) {
			unsigned long long n = atomic_load(&shm->routes[i].by_class[c]);
			if (!n)
				continue;
			strbuf_add(b, "swmra_http_requests_total{");
			route_labels(b, i);
			strbuf_printf(b, ",status_class=\"%dxx\"} %llu\n", c + 1, n);
		}
	}
}

static void render_durations(struct strbuf *b)
{
	strbuf_add(b, "# HELP swmra_http_request_duration_seconds Time the API took to answer, by "
		      "route pattern and method.\n"
		      "# TYPE swmra_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < ntable + NUNMATCHED; i++) {
		struct route_stats *s = &shm->routes[i];
		if (!total_of(s))
			continue;
		unsigned long long cum = 0;
		for (size_t k = 0; k <= NBUCKETS; k++) {
			cum += atomic_load(&s->bucket[k]);
			strbuf_add(b, "swmra_http_request_duration_seconds_bucket{");
			route_labels(b, i);
			if (k < NBUCKETS)
				strbuf_printf(b, ",le=\"%g\"} %llu\n", bucket_le[k], cum);
			else
				strbuf_printf(b, ",le=\"+Inf\"} %llu\n", cum);
		}
		strbuf_add(b, "swmra_http_request_duration_seconds_sum{");
		route_labels(b, i);
		strbuf_printf(b, "} %.6f\n", (double)atomic_load(&s->sum_us) / 1e6);
		strbuf_add(b, "swmra_http_request_duration_seconds_count{");
		route_labels(b, i);
		strbuf_printf(b, "} %llu\n", cum);
	}
}

void metrics_render(struct strbuf *b)
{
	strbuf_printf(b,
		      "# HELP swmra_build_info Build of the running API (always 1).\n"
		      "# TYPE swmra_build_info gauge\nswmra_build_info{version=\"%s\"} 1\n",
		      PACKAGE_VERSION);
	if (!shm)
		return;
	for (int c = 0; c < METRICS_COUNTER_COUNT; c++)
		strbuf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", counter_info[c].name,
			      counter_info[c].help, counter_info[c].name, counter_info[c].name,
			      atomic_load(&shm->counters[c]));
	int inflight = 0;
	for (int i = 0; i < METRICS_MAX_WORKERS; i++)
		inflight += atomic_load(&shm->inflight[i]);
	strbuf_printf(b,
		      "# HELP swmra_http_requests_in_flight API requests being handled now (this "
		      "scrape included).\n# TYPE swmra_http_requests_in_flight gauge\n"
		      "swmra_http_requests_in_flight %d\n"
		      "# HELP swmra_workers Worker processes the supervisor keeps running.\n"
		      "# TYPE swmra_workers gauge\nswmra_workers %d\n",
		      inflight, nslots);
	render_requests(b);
	render_durations(b);
}
