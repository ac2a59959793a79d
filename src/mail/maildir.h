/* maildir.h - delivering a message into a Maildir: written in tmp/, fsync'ed, then renamed
 * into new/ (the Maildir rules), so a reader never sees half a message.
 */
#ifndef PLAZO_MAILDIR_H
#define PLAZO_MAILDIR_H

#include <stddef.h>
#include <time.h>

#include "error.h"

/* Creates dir (and missing parents) and its tmp/, new/, cur/ when missing (mode 0700).
 * PZ_EIO naming the path when a component cannot be created or is not a directory. */
int maildir_create(const char *dir, struct pz_error *err);

/* Delivers msg into dir/new under a unique name built from now, the process id, unique
 * (e.g. a hash of the Message-ID) and the host name: "<now>.P<pid>Q<unique>.<host>", unique
 * reduced to [A-Za-z0-9_-] (others become '_') and "_N" appended if the name is taken; in the
 * host name '/' becomes \057 and ':' \072. The file (mode 0600) is written in tmp/, fsync'ed,
 * renamed into new/ and new/ is fsync'ed. On failure PZ_ETEMP for what passes by itself (a
 * full disk or quota, a read-only or failing file system: ENOSPC, EDQUOT, EROFS, EIO, ...),
 * PZ_EIO for the rest (permissions, a file in the way), with the path and strerror text;
 * nothing is left behind (the tmp file, or the new/ file if syncing new/ failed, is removed).
 * dir must exist (maildir_create). */
int maildir_deliver(const char *dir, const char *msg, size_t len, time_t now, const char *unique,
		    struct pz_error *err);

#endif
