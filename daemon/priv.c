/*
 * Privileges: started as root with a user in the config, the daemon
 * binds its listeners, then becomes that user for good before it opens
 * the store, so the database and everything after are never root's.
 * Under systemd the unit's User= does this and there is nothing to drop.
 */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hotlined.h"

/*
 * Become cf's user: setgroups, setresgid, setresuid in that order, then
 * check root cannot be had back. Without a user, refuse nothing (a
 * development daemon). 0, or -1 with *cause (caller frees): the caller
 * must not go on.
 */
int
priv_drop(const struct config *cf, char **cause)
{
	uid_t	 ruid, euid, suid;
	gid_t	 rgid, egid, sgid;

	*cause = NULL;
	if (cf->cf_user == NULL)
		return 0;
	if (geteuid() != 0) {
		if (geteuid() == cf->cf_uid && getegid() == cf->cf_gid)
			return 0;
		asprintf(cause, "running as uid %u gid %u, not as user %s "
		    "(uid %u gid %u), and not root to become it",
		    (unsigned)geteuid(), (unsigned)getegid(), cf->cf_user,
		    (unsigned)cf->cf_uid, (unsigned)cf->cf_gid);
		return -1;
	}
	if (setgroups(1, &cf->cf_gid) == -1 ||
	    setresgid(cf->cf_gid, cf->cf_gid, cf->cf_gid) == -1 ||
	    setresuid(cf->cf_uid, cf->cf_uid, cf->cf_uid) == -1) {
		asprintf(cause, "cannot become user %s: %s", cf->cf_user,
		    strerror(errno));
		return -1;
	}
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1 || ruid != cf->cf_uid ||
	    euid != cf->cf_uid || suid != cf->cf_uid || rgid != cf->cf_gid ||
	    egid != cf->cf_gid || sgid != cf->cf_gid || setuid(0) != -1) {
		asprintf(cause, "became user %s only in part", cf->cf_user);
		return -1;
	}
	log_info("running as user %s (uid %u, gid %u)", cf->cf_user,
	    (unsigned)cf->cf_uid, (unsigned)cf->cf_gid);
	return 0;
}

/*
 * The store is never opened as root: started as root, the daemon must have
 * a user to become (after binding), unless told --allow-root for a
 * throwaway development store. 1 with *cause (caller frees) when refused.
 */
int
priv_root_refused(const struct config *cf, const char *path, int allow_root,
    char **cause)
{
	*cause = NULL;
	if (geteuid() != 0 || cf->cf_user != NULL || allow_root)
		return 0;
	if (asprintf(cause, "%s: refusing to open the store as root: set "
	    "user (such as \"hotlined\") for the daemon to become after it "
	    "binds, or start it as that user; --allow-root is for a "
	    "development store only", path) == -1)
		*cause = NULL;
	return 1;
}
