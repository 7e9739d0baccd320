/* owner.c - root becomes the owner of the database's folder (see owner.h). */
#include "owner.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int owner_become(const char *db_path, char *who, size_t n, err_t *e)
{
	if (n)
		who[0] = '\0';
	if (geteuid() != 0 || !db_path || !*db_path)
		return 0;
	char dir[4096];
	const char *slash = strrchr(db_path, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == db_path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - db_path), db_path);
	struct stat sb;
	/* No folder yet: whatever creates it decides; a root-owned one (a test's temporary folder,
	 * /var/lib before the package made its user) stays root's. */
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) || sb.st_uid == 0)
		return 0;
	uid_t uid = sb.st_uid;
	gid_t gid = sb.st_gid;
	struct passwd pw, *found = NULL;
	char pwbuf[4096];
	int have = getpwuid_r(uid, &pw, pwbuf, sizeof pwbuf, &found) == 0 && found;
	if (have)
		gid = pw.pw_gid;
	char name[64];
	snprintf(name, sizeof name, "%s", have ? pw.pw_name : "");
	if (!have)
		snprintf(name, sizeof name, "uid %ld", (long)uid);
	/* Order matters: groups first, while still allowed to set them; the uid last. */
	int rc = have ? initgroups(pw.pw_name, gid) : setgroups(0, NULL);
	if (rc != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
		err_set(e, ERR_IO, "cannot become %s, the owner of %s: %s", name, dir, strerror(errno));
		return -1;
	}
	/* setuid from root drops the saved uid too: getting root back must now fail. */
	if (setuid(0) == 0 || geteuid() == 0) {
		err_set(e, ERR_IO, "became %s, the owner of %s, but root could be regained", name, dir);
		return -1;
	}
	snprintf(who, n, "%s", name);
	return 1;
}
