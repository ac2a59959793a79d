/* maildir.h - delivering a message into a Maildir: written in tmp/, fsync'ed, then renamed
 * into new/ (the Maildir rules), so a reader never sees half a message.
 */
#ifndef PLAZO_MAILDIR_H
#define PLAZO_MAILDIR_H

#include <stddef.h>
#include <time.h>

#include "error.h"

/* Creates dir and its tmp/, new/, cur/ when missing (mode 0700). */
int maildir_create(const char *dir, struct pz_error *err);

/* Delivers msg into dir/new under a unique name built from now, the process id, unique
 * (e.g. a hash of the Message-ID) and the host name. PZ_EIO on failure (the tmp file is
 * removed). */
int maildir_deliver(const char *dir, const char *msg, size_t len, time_t now, const char *unique,
		    struct pz_error *err);

#endif
