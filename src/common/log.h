/* log.h - leveled logging, one line per message to stderr.
 *
 * Under systemd (JOURNAL_STREAM names fd 2) each line carries the sd-daemon priority prefix
 * "<3>".."<7>" and no timestamp; on a terminal it carries the local time and a level word.
 * Debug lines add the source position. errno is preserved across every call.
 */
#ifndef PLAZO_LOG_H
#define PLAZO_LOG_H

enum log_level {
	LOG_LEVEL_ERROR = 3,
	LOG_LEVEL_WARN = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Sets the threshold and detects the journal; main calls it once before anything runs. */
void log_init(enum log_level threshold);

void log_write(enum log_level level, const char *src, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define log_error(...) log_write(LOG_LEVEL_ERROR, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(...) log_write(LOG_LEVEL_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define log_notice(...) log_write(LOG_LEVEL_NOTICE, __FILE__, __LINE__, __VA_ARGS__)
#define log_info(...) log_write(LOG_LEVEL_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_debug(...) log_write(LOG_LEVEL_DEBUG, __FILE__, __LINE__, __VA_ARGS__)

#endif
