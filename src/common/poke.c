#include "poke.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "xalloc.h"

static char *pid_path(const char *state_dir)
{
	return xasprintf("%s/plazo.pid", state_dir);
}

int poke_pidfile_create(const char *state_dir, int *fd, struct pz_error *err)
{
	char *path = pid_path(state_dir);
	char line[32];
	int n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	int rc = 0;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (*fd < 0)
		rc = PZ_FAIL(err, PZ_EIO, path, "open %s: %s", path, strerror(errno));
	else if (flock(*fd, LOCK_EX | LOCK_NB) < 0)
		rc = PZ_FAIL(err, PZ_ETEMP, path, "lock %s: %s", path, strerror(errno));
	else if (ftruncate(*fd, 0) < 0 || write(*fd, line, (size_t)n) != n)
		rc = PZ_FAIL(err, PZ_EIO, path, "write %s: %s", path, strerror(errno));
	if (rc < 0 && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	free(path);
	return rc;
}

void poke_pidfile_remove(const char *state_dir, int fd)
{
	if (fd < 0)
		return;
	char *path = pid_path(state_dir);
	unlink(path); /* while still holding the lock: nobody reads a half-gone daemon */
	close(fd);
	free(path);
}

/* The pid in an open pid file, or 0. */
static long read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *end;
	long pid = strtol(buf, &end, 10);
	return pid > 1 && (*end == '\n' || *end == '\0') ? pid : 0;
}

int poke_daemon(const char *state_dir, bool *told, struct pz_error *err)
{
	*told = false;
	char *path = pid_path(state_dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int rc = 0;
	if (fd < 0) {
		if (errno != ENOENT)
			rc = PZ_FAIL(err, PZ_EIO, path, "open %s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	long pid = 0;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		flock(fd, LOCK_UN); /* nobody holds it: a stale file, no daemon runs */
	else if (errno == EWOULDBLOCK)
		pid = read_pid(fd);
	if (pid > 0 && kill((pid_t)pid, SIGUSR1) < 0)
		rc = PZ_FAIL(err, errno == EPERM ? PZ_EPERM : PZ_EIO, path,
			     "tell the running plazo (pid %ld) to re-read its state: %s", pid,
			     strerror(errno));
	*told = pid > 0 && rc == 0;
	close(fd);
	free(path);
	return rc;
}
