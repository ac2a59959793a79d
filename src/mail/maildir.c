#include "maildir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strbuf.h"
#include "xalloc.h"

enum { NAME_ATTEMPTS = 100 };

/* A full disk, a quota, a read-only or failing file system pass: PZ_ETEMP. The rest (a
 * missing permission, a file where a folder should be) stays PZ_EIO. */
static enum pz_errc io_class(int e)
{
	switch (e) {
	case ENOSPC:
	case EDQUOT:
	case EROFS:
	case EIO:
	case EAGAIN:
	case EINTR:
	case ENOMEM:
	case EMFILE:
	case ENFILE:
		return PZ_ETEMP;
	default:
		return PZ_EIO;
	}
}

static int make_dir(const char *path, struct pz_error *err)
{
	if (mkdir(path, 0700) == 0)
		return 0;
	int saved = errno;
	struct stat st;
	if (saved == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (saved == EEXIST)
		saved = ENOTDIR;
	return PZ_FAIL(err, io_class(saved), path, "mkdir %s: %s", path, strerror(saved));
}

/* mkdir -p: every missing component of path, mode 0700. */
static int make_dirs(const char *path, struct pz_error *err)
{
	char *p = xstrdup(path);
	int rc = 0;
	for (char *s = strchr(p + 1, '/'); s != NULL && rc == 0; s = strchr(s + 1, '/')) {
		if (s[-1] == '/')
			continue;
		*s = '\0';
		rc = make_dir(p, err);
		*s = '/';
	}
	if (rc == 0)
		rc = make_dir(p, err);
	free(p);
	return rc;
}

int maildir_create(const char *dir, struct pz_error *err)
{
	static const char *const subdirs[] = {"tmp", "new", "cur"};
	if (make_dirs(dir, err) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		char *sub = xasprintf("%s/%s", dir, subdirs[i]);
		int rc = make_dir(sub, err);
		free(sub);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* The host name as Maildir wants it: '/' as \057 and ':' as \072. */
static void put_hostname(struct strbuf *out)
{
	char host[256];
	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	for (const char *h = host; *h != '\0'; h++) {
		if (*h == '/')
			strbuf_puts(out, "\\057");
		else if (*h == ':')
			strbuf_puts(out, "\\072");
		else
			strbuf_putc(out, *h);
	}
}

/* "<now>.P<pid>Q<unique>[_<attempt>].<host>"; unique keeps only [A-Za-z0-9_-]. */
static char *make_name(time_t now, const char *unique, unsigned attempt)
{
	struct strbuf b;
	strbuf_init(&b);
	strbuf_printf(&b, "%lld.P%ldQ", (long long)now, (long)getpid());
	for (const char *u = unique ? unique : ""; *u != '\0'; u++) {
		bool keep = (*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') ||
			    (*u >= '0' && *u <= '9') || *u == '_' || *u == '-';
		strbuf_putc(&b, keep ? *u : '_');
	}
	if (attempt > 0)
		strbuf_printf(&b, "_%u", attempt);
	strbuf_putc(&b, '.');
	put_hostname(&b);
	return strbuf_steal(&b);
}

struct delivery {
	char *tmp_path;
	char *new_path;
	int fd;
};

/* Opens a fresh tmp/NAME whose new/NAME does not exist yet either. */
static int open_unique(struct delivery *d, const char *dir, time_t now, const char *unique,
		       struct pz_error *err)
{
	for (unsigned attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
		char *name = make_name(now, unique, attempt);
		d->tmp_path = xasprintf("%s/tmp/%s", dir, name);
		d->new_path = xasprintf("%s/new/%s", dir, name);
		free(name);
		struct stat st;
		bool taken = lstat(d->new_path, &st) == 0;
		if (!taken) {
			d->fd = open(d->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			if (d->fd >= 0)
				return 0;
			if (errno != EEXIST)
				return PZ_FAIL(err, io_class(errno), d->tmp_path, "create %s: %s",
					       d->tmp_path, strerror(errno));
		}
		free(d->tmp_path);
		free(d->new_path);
		*d = (struct delivery){NULL, NULL, -1};
	}
	return PZ_FAIL(err, PZ_EIO, dir, "no free file name in %s/tmp for %lld.P%ldQ%s", dir,
		       (long long)now, (long)getpid(), unique ? unique : "");
}

static int write_all(int fd, const char *path, const char *msg, size_t len, struct pz_error *err)
{
	while (len > 0) {
		ssize_t n = write(fd, msg, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return PZ_FAIL(err, io_class(errno), path, "write %s: %s", path, strerror(errno));
		msg += n;
		len -= (size_t)n;
	}
	return 0;
}

static int sync_dir(const char *dir, struct pz_error *err)
{
	char *path = xasprintf("%s/new", dir);
	int rc = 0;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = PZ_FAIL(err, io_class(errno), path, "fsync %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

/* Writes and syncs the open tmp file, closes it and moves it into new/. */
static int commit(struct delivery *d, const char *msg, size_t len, struct pz_error *err)
{
	int rc = write_all(d->fd, d->tmp_path, msg, len, err);
	if (rc == 0 && fsync(d->fd) != 0)
		rc = PZ_FAIL(err, io_class(errno), d->tmp_path, "fsync %s: %s", d->tmp_path,
			     strerror(errno));
	int fd = d->fd;
	d->fd = -1;
	if (close(fd) != 0 && rc == 0)
		rc = PZ_FAIL(err, io_class(errno), d->tmp_path, "close %s: %s", d->tmp_path,
			     strerror(errno));
	if (rc == 0 && rename(d->tmp_path, d->new_path) != 0)
		rc = PZ_FAIL(err, io_class(errno), d->new_path, "rename %s to %s: %s", d->tmp_path,
			     d->new_path, strerror(errno));
	return rc;
}

int maildir_deliver(const char *dir, const char *msg, size_t len, time_t now, const char *unique,
		    struct pz_error *err)
{
	struct delivery d = {NULL, NULL, -1};
	int rc = open_unique(&d, dir, now, unique, err);
	if (rc != 0)
		goto out;
	rc = commit(&d, msg, len, err);
	if (rc != 0) {
		unlink(d.tmp_path);
		goto out;
	}
	rc = sync_dir(dir, err);
	if (rc != 0)
		unlink(d.new_path); /* not durable: report failure so the caller retries */
out:
	free(d.tmp_path);
	free(d.new_path);
	return rc;
}
