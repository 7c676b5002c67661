/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels we build against lives here. The
 * XC_HAVE_* macros come from probing the kernel's headers in Kbuild; no code
 * outside this file tests a kernel version or a probe.
 */
#ifndef _XFRM_CTX_COMPAT_H
#define _XFRM_CTX_COMPAT_H

#ifdef __KERNEL__

#include <linux/cpumask.h>
#include <linux/netlink.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/ip.h>
#include <net/xfrm.h>
#include <uapi/linux/xfrm_ctx.h>

/*
 * Formatted extack messages (6.2+). Before that, struct netlink_ext_ack can
 * only point at a message, so the fallback formats into one of a ring of
 * buffers owned by the module. The message is read when the ack is built,
 * right after the handler returns; the ring is far larger than the number of
 * refusals that can be in flight at once.
 */
#ifndef XC_HAVE_EXTACK_FMT
const char *xc_extack_fmt(const char *fmt, ...) __printf(1, 2);
#define NL_SET_ERR_MSG_FMT_MOD(extack, fmt, args...) do {		\
	struct netlink_ext_ack *__extack = (extack);			\
									\
	if (__extack)							\
		__extack->_msg = xc_extack_fmt(KBUILD_MODNAME ": " fmt,	\
					       ##args);			\
} while (0)
#endif

/* Request attributes of a dump, whatever struct carries them. */
static inline struct nlattr **xc_dump_attrs(struct netlink_callback *cb)
{
#ifdef XC_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/* Fields of struct xfrm_state that only some kernels have. */
/* uapi values of SA directions (6.10+); 0 means none. */
#define XC_SA_DIR_IN		1
#define XC_SA_DIR_OUT		2

#ifdef XC_HAVE_SA_DIR
#define XC_FEAT_SA_DIR		XFRM_CTX_FEAT_SA_DIR
static inline u8 xc_state_dir(const struct xfrm_state *x) { return x->dir; }
static inline void xc_state_set_dir(struct xfrm_state *x, u8 dir) { x->dir = dir; }
#else
#define XC_FEAT_SA_DIR		0
static inline u8 xc_state_dir(const struct xfrm_state *x) { return 0; }
static inline void xc_state_set_dir(struct xfrm_state *x, u8 dir) { }
#endif

#ifdef XC_HAVE_PCPU_NUM
#define XC_FEAT_PCPU		XFRM_CTX_FEAT_PCPU
/* UINT_MAX means "not a per-CPU SA" in the kernel. */
static inline u32 xc_state_pcpu_num(const struct xfrm_state *x) { return x->pcpu_num; }
static inline void xc_state_set_pcpu_num(struct xfrm_state *x, u32 n) { x->pcpu_num = n; }
#else
#define XC_FEAT_PCPU		0
static inline u32 xc_state_pcpu_num(const struct xfrm_state *x) { return UINT_MAX; }
static inline void xc_state_set_pcpu_num(struct xfrm_state *x, u32 n) { }
#endif

#ifdef XC_HAVE_NAT_KEEPALIVE
#define XC_FEAT_NAT_KEEPALIVE	XFRM_CTX_FEAT_NAT_KEEPALIVE
static inline u32 xc_state_nat_keepalive(const struct xfrm_state *x)
{
	return x->nat_keepalive_interval;
}

static inline void xc_state_set_nat_keepalive(struct xfrm_state *x, u32 s)
{
	x->nat_keepalive_interval = s;
}
#else
#define XC_FEAT_NAT_KEEPALIVE	0
static inline u32 xc_state_nat_keepalive(const struct xfrm_state *x) { return 0; }
static inline void xc_state_set_nat_keepalive(struct xfrm_state *x, u32 s) { }
#endif

/*
 * Initialise a state built by hand, replay window included. Later kernels
 * (7.x) dropped __xfrm_init_state()'s replay and offload arguments: the
 * caller initialises the replay state itself, and offload is set up when a
 * device is attached (we never attach one here).
 */
static inline int xc_init_state(struct xfrm_state *x, struct netlink_ext_ack *extack)
{
#ifdef XC_HAVE_INIT_STATE_REPLAY_ARG
	return __xfrm_init_state(x, true, false, extack);
#else
	int err = __xfrm_init_state(x, extack);

	return err ?: xfrm_init_replay(x, extack);
#endif
}

/*
 * The reqid an XFRM_MSG_MIGRATE entry selects SAs by (0: any). Since the
 * XFRM_MSG_MIGRATE_STATE series (7.2) an entry carries the old and the new
 * one.
 */
static inline u32 xc_migrate_reqid(const struct xfrm_migrate *m)
{
#ifdef XC_HAVE_MIGRATE_OLD_REQID
	return m->old_reqid;
#else
	return m->reqid;
#endif
}

/*
 * Sum of one per-CPU SNMP counter. snmp_fold_field() is no longer exported
 * by some kernels (7.x); snmp_get_cpu_field() is inline in all of them.
 */
static inline unsigned long xc_snmp_fold(void __percpu *mib, int offt)
{
#ifdef XC_HAVE_SNMP_FOLD_FIELD
	return snmp_fold_field(mib, offt);
#else
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += snmp_get_cpu_field(mib, cpu, offt);
	return sum;
#endif
}

/*
 * Workqueues: kernels with WQ_PERCPU warn about a workqueue allocated with
 * neither WQ_PERCPU nor WQ_UNBOUND, and deprecate system_wq (a warning on
 * first use) for system_percpu_wq. Before, per-CPU was what saying nothing
 * meant. Debian backported both, separately, into 6.12.y.
 */
#ifdef XC_HAVE_WQ_PERCPU
#define XC_WQ_PERCPU		WQ_PERCPU
#else
#define XC_WQ_PERCPU		0
#endif

static inline struct workqueue_struct *xc_system_wq(void)
{
#ifdef XC_HAVE_SYSTEM_PERCPU_WQ
	return system_percpu_wq;
#else
	return system_wq;
#endif
}

#endif /* __KERNEL__ */
#endif /* _XFRM_CTX_COMPAT_H */
