// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * When the generic netlink family xfrm_ctx is missing, say why on this host
 * and what to do: the kernel loads the module on the family's first use
 * when it is installed, so it is either not installed (no headers for DKMS
 * to build it, or no package), or installed and refused (module loading
 * off, Secure Boot without the DKMS signing key enrolled, a broken
 * modprobe helper).
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "xfrmctx.h"

/* The first line of a small file, without its newline; "" if unreadable. */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* Does modules.dep of this kernel list xfrm_ctx.ko (maybe compressed)? */
static int module_installed(const char *kver)
{
	char path[512], line[1024];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", kver);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *base;

		if (!colon)
			continue;
		*colon = '\0';
		base = strrchr(line, '/');
		base = base ? base + 1 : line;
		found = !strcmp(base, "xfrm_ctx.ko") || !strncmp(base, "xfrm_ctx.ko.", 12);
	}
	fclose(f);
	return found;
}

/* Secure Boot on (EFI variable), or the kernel locked down (Debian locks
 * down when Secure Boot is on): only signed modules load. */
static int signed_modules_only(void)
{
	static const char sb[] =
		"/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d0-aa0d-00e098032b8c";
	unsigned char v[5];
	char lock[128];
	FILE *f = fopen(sb, "re");
	int on = 0;

	if (f) {
		on = fread(v, 1, sizeof(v), f) == sizeof(v) && v[4] == 1;
		fclose(f);
	}
	read_line("/sys/kernel/security/lockdown", lock, sizeof(lock));
	return on || (lock[0] && !strstr(lock, "[none]"));
}

void xc_module_hint(void)
{
	static int said;
	char path[512], buf[256];
	struct utsname u;
	const char *kver;

	if (said++)
		return;
	if (uname(&u) < 0)
		return;
	kver = u.release;
	read_line("/proc/sys/kernel/modules_disabled", buf, sizeof(buf));
	if (!strcmp(buf, "1")) {
		fprintf(stderr, "xfrmctx: module loading is disabled on this host (kernel.modules_disabled=1):"
			" xfrm_ctx can be loaded only after a reboot, before whatever disables it runs\n");
	} else if (!module_installed(kver)) {
		snprintf(path, sizeof(path), "/lib/modules/%s/build/Makefile", kver);
		fprintf(stderr, "xfrmctx: the xfrm_ctx module is not installed for the running kernel %s\n", kver);
		if (access(path, F_OK))
			fprintf(stderr, "xfrmctx: its headers are missing too, which DKMS needs to build it:"
				" apt-get install linux-headers-%s\n", kver);
		fprintf(stderr, "xfrmctx: install the xfrm-ctx-dkms package (it builds the module for every"
			" kernel with headers); if it is installed: dkms autoinstall -k %s\n", kver);
	} else {
		fprintf(stderr, "xfrmctx: the xfrm_ctx module is installed for %s but is not loaded and"
			" did not load on first use: run \"modprobe xfrm_ctx\" and read what it says\n", kver);
		if (signed_modules_only())
			fprintf(stderr, "xfrmctx: Secure Boot is on: the kernel loads only modules signed by a key"
				" it trusts (\"Key was rejected by service\"); DKMS signs xfrm_ctx with"
				" /var/lib/dkms/mok.key: enrol it once with \"mokutil --import"
				" /var/lib/dkms/mok.pub\", reboot and confirm it in the MOK manager\n");
		read_line("/proc/sys/kernel/modprobe", buf, sizeof(buf));
		if (!buf[0] || access(buf, X_OK) || !strstr(buf, "modprobe"))
			fprintf(stderr, "xfrmctx: the kernel's module loader (kernel.modprobe) is \"%s\":"
				" nothing loads modules on demand\n", buf);
	}
	fprintf(stderr, "xfrmctx: without the module, \"state export\" and \"state import\" still work"
		" through XFRM netlink, but not atomically (no freeze)\n");
}
