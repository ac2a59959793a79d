#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

/* The only mutable file-scope state outside main.c: set once by log_init before any thread. */
static struct {
	enum log_level threshold;
	bool journal;
} log_state = {LOG_LEVEL_NOTICE, false};

static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(2, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(enum log_level threshold)
{
	log_state.threshold = threshold;
	log_state.journal = stderr_is_journal();
}

static const char *level_word(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ERROR:
		return "error";
	case LOG_LEVEL_WARN:
		return "warning";
	case LOG_LEVEL_NOTICE:
		return "notice";
	case LOG_LEVEL_INFO:
		return "info";
	case LOG_LEVEL_DEBUG:
		return "debug";
	}
	return "log";
}

void log_write(enum log_level level, const char *src, int line, const char *fmt, ...)
{
	if (level > log_state.threshold)
		return;
	int saved = errno;
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char where[160] = "";
	if (log_state.threshold >= LOG_LEVEL_DEBUG)
		snprintf(where, sizeof(where), " (%s:%d)", src, line);
	if (log_state.journal) {
		fprintf(stderr, "<%d>%s%s\n", (int)level, msg, where);
	} else {
		char stamp[32] = "";
		time_t t = time(NULL);
		struct tm tm;
		if (localtime_r(&t, &tm) != NULL)
			strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s plazo %s: %s%s\n", stamp, level_word(level), msg, where);
	}
	errno = saved;
}
