/* http_metrics.c - what /metrics says (Prometheus text format), on its own listener. */
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Status codes the server answers; libmicrohttpd answers 414/431/400 without asking it. */
static const unsigned counted_codes[] = {200, 303, 304, 400, 403, 404,
					 405, 409, 413, 415, 429, 503};
_Static_assert(sizeof(counted_codes) / sizeof(counted_codes[0]) == HTTP_N_CODES,
	       "HTTP_N_CODES counts counted_codes");

void http_metrics_count(struct http_server *s, const struct http_request *rq, bool complete)
{
	for (size_t i = 0; i < HTTP_N_CODES; i++)
		if (counted_codes[i] == rq->status)
			atomic_fetch_add(&s->requests[i], 1);
	if (rq->status == MHD_HTTP_NOT_MODIFIED)
		atomic_fetch_add(&s->not_modified, 1);
	if (rq->feed && complete)
		atomic_fetch_add(&s->feed_bytes, (unsigned long long)rq->bytes);
}

static void metric_head(struct strbuf *out, const char *name, const char *type, const char *help)
{
	strbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}
/* What rendering on demand did: renders by part, the cache's size and evictions. */
static void write_cache_metrics(struct http_server *s, struct strbuf *out)
{
	unsigned long long bytes, evictions;
	http_cache_stats(&s->cache, &bytes, &evictions);
	metric_head(out, "plazo_feed_renders_total", "counter",
		    "Feeds rendered (on the first request after a change, or after an eviction).");
	strbuf_printf(out, "plazo_feed_renders_total %llu\n", atomic_load(&s->renders[HTTP_FEED]));
	metric_head(out, "plazo_page_renders_total", "counter",
		    "Office pages rendered (the same; the read-only pages under feed tokens too).");
	strbuf_printf(out, "plazo_page_renders_total %llu\n",
		      atomic_load(&s->renders[HTTP_PAGE]) + atomic_load(&s->renders[HTTP_MOVED]));
	metric_head(out, "plazo_cache_bytes", "gauge",
		    "Bytes of rendered feeds and pages kept ([http] cache is the budget).");
	strbuf_printf(out, "plazo_cache_bytes %llu\n", bytes);
	metric_head(
		out, "plazo_cache_evictions_total", "counter",
		"Renderings dropped to stay within the cache budget, least recently served first.");
	strbuf_printf(out, "plazo_cache_evictions_total %llu\n", evictions);
}

/* What the load being served said about the plan and the configuration. */
static void write_plan_metrics(const struct http_gauges *site, struct strbuf *out)
{
	static const char *const names[] = {"note", "warning", "error"};
	metric_head(out, "plazo_plan_rows_unreadable", "gauge",
		    "Rows of the plan that could not be read; the rest is served ('plazo status' "
		    "names them, 'plazo check' lists them).");
	strbuf_printf(out, "plazo_plan_rows_unreadable %zu\n", site ? site->rows_unreadable : 0);
	metric_head(out, "plazo_plan_diagnostics", "gauge",
		    "Diagnostics of the configuration and plan being served, by severity.");
	for (size_t i = 0; i < 3; i++)
		strbuf_printf(out, "plazo_plan_diagnostics{severity=\"%s\"} %zu\n", names[i],
			      site ? site->diagnostics[i] : 0);
}

static void write_metrics(struct http_server *s, const struct http_gauges *site, struct strbuf *out)
{
	metric_head(out, "plazo_http_requests_total", "counter",
		    "HTTP requests answered by plazo, by status code.");
	for (size_t i = 0; i < HTTP_N_CODES; i++)
		strbuf_printf(out, "plazo_http_requests_total{code=\"%u\"} %llu\n",
			      counted_codes[i], atomic_load(&s->requests[i]));
	metric_head(out, "plazo_http_not_modified_total", "counter",
		    "Conditional requests answered 304 Not Modified.");
	strbuf_printf(out, "plazo_http_not_modified_total %llu\n", atomic_load(&s->not_modified));
	metric_head(out, "plazo_passes_total", "counter", "Send passes the daemon ran.");
	strbuf_printf(out, "plazo_passes_total %llu\n", atomic_load(&s->passes));
	metric_head(out, "plazo_feed_bytes_total", "counter", "Bytes of feed bodies sent.");
	strbuf_printf(out, "plazo_feed_bytes_total %llu\n", atomic_load(&s->feed_bytes));
	metric_head(out, "plazo_reminders", "gauge", "Reminders in the ledger, by state.");
	strbuf_printf(out, "plazo_reminders{state=\"pending\"} %ld\n", site ? site->pending : 0);
	strbuf_printf(out, "plazo_reminders{state=\"sent\"} %ld\n", site ? site->sent : 0);
	strbuf_printf(out, "plazo_reminders{state=\"failed\"} %ld\n", site ? site->failed : 0);
	metric_head(out, "plazo_queue_held", "gauge",
		    "1 while the reminder queue is held (login, certificate, password file): "
		    "fix the cause, then plazo retry.");
	strbuf_printf(out, "plazo_queue_held %d\n", site && site->held ? 1 : 0);
	metric_head(out, "plazo_queue_held_reminders", "gauge",
		    "Pending reminders waiting on a held queue.");
	strbuf_printf(out, "plazo_queue_held_reminders %ld\n", site ? site->waiting : 0);
	write_plan_metrics(site, out);
	write_cache_metrics(s, out);
	struct guard_stats g;
	guard_stats(s->guard, &g);
	metric_head(out, "plazo_http_connections", "gauge",
		    "Open connections of the feeds' listener, by state.");
	strbuf_printf(out, "plazo_http_connections{state=\"waiting\"} %zu\n", g.waiting);
	strbuf_printf(out, "plazo_http_connections{state=\"busy\"} %zu\n", g.open - g.waiting);
	metric_head(out, "plazo_http_connections_refused_total", "counter",
		    "Connections refused: a client over per_client_limit, or every slot busy.");
	strbuf_printf(out, "plazo_http_connections_refused_total{reason=\"client_limit\"} %llu\n",
		      g.refused_client);
	strbuf_printf(out, "plazo_http_connections_refused_total{reason=\"full\"} %llu\n",
		      g.refused_full);
	metric_head(out, "plazo_http_connections_dropped_total", "counter",
		    "Waiting connections closed: headers late, or dropped for a new connection.");
	strbuf_printf(out, "plazo_http_connections_dropped_total{reason=\"header_timeout\"} %llu\n",
		      g.timed_out);
	strbuf_printf(out, "plazo_http_connections_dropped_total{reason=\"evicted\"} %llu\n",
		      g.evicted);
}

static enum MHD_Result answer_metrics(struct http_server *s, struct MHD_Connection *c,
				      struct http_request *rq)
{
	struct strbuf out;
	strbuf_init(&out);
	struct http_site *site = http_server_site(s);
	struct http_gauges g;
	write_metrics(s, http_site_gauges(site, &g) ? &g : NULL, &out);
	http_site_release(site);
	size_t len = out.len;
	char *data = strbuf_steal(&out);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer_with_free_callback(len, data, free);
	if (resp == NULL)
		free(data);
	const char *kv[][2] = {
		{MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_TYPE},
		{MHD_HTTP_HEADER_CACHE_CONTROL, "no-store"},
		{NULL, NULL},
	};
	return http_queue(c, rq, MHD_HTTP_OK, http_with_headers(resp, kv), len);
}

/* The metrics listener's handler: /metrics (GET or HEAD), nothing else. */
enum MHD_Result http_metrics_request(void *cls, struct MHD_Connection *c, const char *url,
				     const char *method, const char *version,
				     const char *upload_data, size_t *upload_data_size,
				     void **con_cls)
{
	struct http_request *rq = *con_cls;
	(void)version;
	(void)upload_data;
	if (rq == NULL) {
		*con_cls = rq = http_request_new(c, url, method);
		if (strcmp(method, MHD_HTTP_METHOD_GET) == 0 || rq->head)
			return MHD_YES;
		return http_answer_text(c, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "Método no permitido\n",
					"GET, HEAD");
	}
	if (*upload_data_size != 0 || rq->status != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return http_answer_text(c, rq, MHD_HTTP_NOT_FOUND, "No encontrado\n", NULL);
	return answer_metrics(cls, c, rq);
}
