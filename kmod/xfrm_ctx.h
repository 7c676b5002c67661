/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces of the xfrm_ctx module. */
#ifndef _XFRM_CTX_H
#define _XFRM_CTX_H

#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/xfrm.h>

#include "compat.h"

/* XC_MODULE_VERSION: the release, from VERSION (kmod/Kbuild). */
#ifndef XC_MODULE_VERSION
#error "XC_MODULE_VERSION comes from the VERSION file through kmod/Kbuild"
#endif

/* Largest replay bitmap XFRM netlink accepts: XFRMA_REPLAY_ESN_MAX bits. */
#define XC_REPLAY_MAX_WORDS	(XFRM_CTX_MAX_REPLAY_WINDOW / 32)

/* SAs collected from one walk of the state table before acting on them. */
#define XC_BATCH		64

/*
 * Per network namespace state. Lock order: xc_net.lock, then x->lock of an
 * xfrm_state, then the xfrm core's own locks. The genl family runs with
 * parallel_ops, so the RCU grace period of a freeze runs under this mutex
 * and never under the global genl mutex.
 */
struct xc_net {
	struct net		*net;
	struct mutex		lock;		/* all of the below, and freezing */
	DECLARE_HASHTABLE(frozen, 10);	/* struct xc_frozen by state pointer */
	struct list_head	frozen_list;	/* the same, in freeze order */
	/* written under lock with WRITE_ONCE, read without it (km.c) */
	unsigned int		nr_frozen;
	struct delayed_work	lease_work;	/* thaws SAs whose lease ran out */
	struct work_struct	reap_work;	/* forgets frozen SAs deleted by others */
	struct list_head	all;		/* xc_nets, for module unload */
	bool			closing;	/* namespace or module going away */
};

/* One SA this module froze (or imported staged). Holds a state reference. */
struct xc_frozen {
	struct hlist_node	hnode;
	struct list_head	node;
	struct xfrm_state	*x;
	unsigned long		expires;	/* jiffies */
	u64			frozen_at;	/* ktime_get_boottime_ns() */
	bool			staged;
	bool			exported;	/* its snapshot left while frozen */
	bool			lease_over;	/* held, lease ran out, event sent */
	u64			mib_in;		/* namespace drop counters at freeze */
	u64			mib_out;
};

/*
 * A frozen SA whose context left the host (exported while frozen) or that was
 * imported staged must never carry traffic again unless someone thaws it on
 * purpose: its twin may be sending with the same key, sequence numbers and
 * IV salt. Neither its lease nor unloading the module thaws it.
 */
static inline bool xc_frozen_held(const struct xc_frozen *f)
{
	return f->exported || f->staged;
}

/* An SA as `ip xfrm state get` names it. */
struct xc_sa_id {
	u16		family;
	xfrm_address_t	daddr;
	__be32		spi;
	u8		proto;
	u32		mark;
	u32		mark_mask;
	bool		has_if_id;
	u32		if_id;
	bool		has_saddr;
	xfrm_address_t	saddr;
	/* which parts were given, for partial ids (dump filters) */
	bool		has_daddr, has_spi, has_proto;
};

extern unsigned int xc_net_id;
extern struct genl_family xc_genl_family;

static inline struct xc_net *xc_net(struct net *net)
{
	return net_generic(net, xc_net_id);
}

static inline int xc_addr_len(u16 family)
{
	return family == AF_INET6 ? sizeof(struct in6_addr) : sizeof(struct in_addr);
}

/*
 * The modes an SA may have to be frozen, exported or imported: transport,
 * tunnel and beet. IP-TFS (and any later mode) keeps parameters and a
 * queue of its own that this module does not carry.
 */
static inline bool xc_mode_carried(u8 mode)
{
	return mode == XFRM_MODE_TRANSPORT || mode == XFRM_MODE_TUNNEL ||
	       mode == XFRM_MODE_BEET;
}

/* sa_id.c */
int xc_get_addr(const struct nlattr *attr, u16 family, xfrm_address_t *a,
		const char *what, struct netlink_ext_ack *extack);
int xc_sa_id_parse(const struct nlattr *nest, struct xc_sa_id *id, bool partial,
		   struct netlink_ext_ack *extack);
struct xfrm_state *xc_sa_id_lookup(struct net *net, const struct xc_sa_id *id,
				   const struct nlattr *nest, struct netlink_ext_ack *extack);
bool xc_sa_id_match(const struct xc_sa_id *id, const struct xfrm_state *x);
int xc_sa_id_put(struct sk_buff *skb, int attrtype, const struct xfrm_state *x);
const char *xc_proto_name(u8 proto);
int xc_check_exportable(const struct xfrm_state *x, bool for_freeze,
			struct netlink_ext_ack *extack);

/* collect.c: the states of a namespace, XC_BATCH at a time, with references */
struct xc_collect {
	struct xfrm_state_walk	walk;
	bool			(*match)(const struct xfrm_state *x, const void *arg);
	const void		*arg;
	struct xfrm_state	*batch[XC_BATCH];
	unsigned int		n;
	bool			done;
};

void xc_collect_init(struct xc_collect *c,
		     bool (*match)(const struct xfrm_state *x, const void *arg),
		     const void *arg);
int xc_collect_next(struct net *net, struct xc_collect *c);
void xc_collect_put_batch(struct xc_collect *c);
void xc_collect_done(struct net *net, struct xc_collect *c);
bool xc_match_reqid(const struct xfrm_state *x, const void *arg);

/* freeze.c */
struct xc_frozen *xc_frozen_find(struct xc_net *xn, const struct xfrm_state *x);
int xc_freeze(struct xc_net *xn, struct xfrm_state *x, unsigned int lease_s,
	      bool renew, bool staged, struct netlink_ext_ack *extack);
void xc_freeze_commit(struct xc_net *xn);
int xc_thaw(struct xc_net *xn, struct xfrm_state *x, u32 event,
	    struct netlink_ext_ack *extack);
int xc_release(struct xc_net *xn, struct xfrm_state *x,
	       struct netlink_ext_ack *extack);
void xc_frozen_reap(struct xc_net *xn);
void xc_frozen_forget(struct xc_net *xn, struct xfrm_state *x);
void xc_net_unload(struct xc_net *xn);
void xc_net_forget_all(struct xc_net *xn);
void xc_mark_exported(struct xc_net *xn, struct xfrm_state *x);
void xc_lease_rearm(struct xc_net *xn);
void xc_lease_work(struct work_struct *work);
void xc_reap_work(struct work_struct *work);
int xc_frozen_put(struct sk_buff *skb, struct xc_net *xn,
		  const struct xfrm_state *x, const struct xc_frozen *f);

/* events.c */
void xc_event(struct xc_net *xn, u32 event, const struct xfrm_state *x,
	      const struct xc_frozen *f);

/* snapshot.c */
int xc_snapshot_put(struct sk_buff *skb, struct xc_net *xn, struct xfrm_state *x);
size_t xc_snapshot_size(const struct xfrm_state *x);

/* geniv.c: the salt of the IV generator of an ESP transform */
int xc_geniv_salt(const struct xfrm_state *x, u8 **salt, unsigned int *len);

/* build.c: a new, initialised, not yet inserted state from an "sa" nest */
struct xfrm_state *xc_build_state(struct net *net, const struct nlattr *nest,
				  u64 out_jump, u64 in_jump,
				  struct netlink_ext_ack *extack);

void xc_state_discard(struct xfrm_state *x);

/* alg.c: the algorithms of an "sa" nest */
struct xc_salt {
	const char		*alg;	/* as the snapshot names it */
	const struct nlattr	*attr;	/* the IV salt, or NULL */
};

int xc_check_proto_algs(struct xfrm_state *x, struct nlattr **tb,
			const struct nlattr *nest, struct netlink_ext_ack *extack);
int xc_attach_algs(struct xfrm_state *x, struct nlattr **tb, struct xc_salt *salt,
		   struct netlink_ext_ack *extack);
int xc_restore_salt(struct xfrm_state *x, const struct xc_salt *salt,
		    struct netlink_ext_ack *extack);
int xc_same_sa(const struct xfrm_state *x, struct nlattr **sa, const struct nlattr *nest,
	       const struct nlattr **salt, struct netlink_ext_ack *extack);

/* replay.c: the replay nest (XFRM_CTX_REPLAY_*) */
struct xc_replay {
	u8			mode;		/* XFRM_CTX_REPLAY_MODE_* */
	u32			window;
	u64			seq, oseq;	/* with the high halves in ESN mode */
	u32			words;		/* of bmp */
	const u32		*bmp;
	const struct nlattr	*mode_attr, *bmp_attr;	/* for messages */
};

int xc_replay_parse(const struct nlattr *nest, struct xc_replay *r,
		    struct netlink_ext_ack *extack);
u8 xc_replay_mode(const struct xfrm_state *x);
int xc_set_replay(struct xfrm_state *x, const struct nlattr *nest,
		  struct netlink_ext_ack *extack);

/* lifetime.c: counters, ages and the soft expiry, exactly */
int xc_lft_put(struct sk_buff *skb, const struct xfrm_lifetime_cur *cur);
int xc_lft_import(struct xfrm_state *x, struct nlattr **sa, const struct nlattr *nest,
		  struct netlink_ext_ack *extack);
void xc_lft_update(struct xfrm_state *x, struct nlattr **sa);

/* counters.c */
int xc_jump_out(struct xfrm_state *x, u64 jump, const struct nlattr *attr,
		struct netlink_ext_ack *extack);
int xc_jump_in(struct xfrm_state *x, u64 jump, const struct nlattr *attr,
	       struct netlink_ext_ack *extack);
int xc_counters_check(const struct xfrm_state *x, struct nlattr **sa, u64 out_jump,
		      u64 in_jump, const struct nlattr *nest,
		      struct netlink_ext_ack *extack);
void xc_counters_apply(struct xfrm_state *x, struct nlattr **sa, u64 out_jump,
		       u64 in_jump);
u64 xc_replay_oseq(const struct xfrm_state *x);
u64 xc_replay_seq(const struct xfrm_state *x);

/* km.c */
int xc_km_register(void);
void xc_km_unregister(void);

#endif /* _XFRM_CTX_H */
