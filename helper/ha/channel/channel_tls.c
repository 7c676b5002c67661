// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The transfer channel: TLS 1.3 (OpenSSL's libssl) over TCP, with an
 * external pre-shared key on both sides and no certificate. Each end
 * proves that it holds the key (the client with the PSK binder, both with
 * the Finished messages), so the authentication is mutual; the key is also
 * mixed with an ephemeral (EC)DHE share (psk_dhe_ke), so a stolen key does
 * not open recorded sessions. One cipher suite: TLS_AES_256_GCM_SHA384.
 * No session tickets, no early data (0-RTT data could be replayed).
 *
 * The server names why a handshake failed: an identity that is not in its
 * key file, a key that does not match (the binder does not verify), or any
 * other TLS failure (a replayed or altered stream fails the Finished or the
 * record MAC).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "channel.h"

#define CIPHER_SUITE "TLS_AES_256_GCM_SHA384"
static const unsigned char tls13_aes256gcm_sha384[] = { 0x13, 0x02 };

struct xc_chan {
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
	const struct xc_psk *psk;	/* client: our key */
	const struct xc_keyring *kr;	/* server: the keys we accept */
	char peer_id[XC_PSK_ID_MAX + 1];
	int id_offered, id_unknown;
	char addr[INET6_ADDRSTRLEN + 8];
};

/* Whether an OpenSSL error says the peer went away: the stream ended
 * without close_notify, or the socket did (EPIPE, ECONNRESET). */
static int peer_gone(unsigned long e)
{
	if (ERR_GET_LIB(e) == ERR_LIB_SSL)
		return ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
	return ERR_SYSTEM_ERROR(e) && (ERR_GET_REASON(e) == EPIPE || ERR_GET_REASON(e) == ECONNRESET);
}

/* The reason of the newest OpenSSL error (and clear the queue); *gone (if
 * given) says whether any error of the queue was the peer going away.
 * OpenSSL 3.0 ends a read cut short with UNEXPECTED_EOF_WHILE_READING; 3.5
 * then tries to send an alert into the closed socket and queues the EPIPE
 * of that write after it. */
static unsigned long ssl_reason_gone(char *buf, size_t n, int *gone)
{
	unsigned long e, last = 0;
	const char *r;

	while ((e = ERR_get_error())) {
		if (gone && peer_gone(e))
			*gone = 1;
		last = e;
	}
	if (!last) {
		snprintf(buf, n, "%s", errno ? strerror(errno) : "connection closed");
		return 0;
	}
	r = ERR_reason_error_string(last);
	if (!r && ERR_SYSTEM_ERROR(last))
		r = strerror(ERR_GET_REASON(last));
	snprintf(buf, n, "%s", r ? r : "unknown TLS error");
	return last;
}

static unsigned long ssl_reason(char *buf, size_t n)
{
	return ssl_reason_gone(buf, n, NULL);
}

static SSL_SESSION *psk_session(SSL *ssl, const struct xc_psk *k)
{
	const SSL_CIPHER *cipher = SSL_CIPHER_find(ssl, tls13_aes256gcm_sha384);
	SSL_SESSION *s;

	if (!cipher)
		return NULL;
	s = SSL_SESSION_new();
	if (!s || !SSL_SESSION_set1_master_key(s, k->key, k->key_len) ||
	    !SSL_SESSION_set_cipher(s, cipher) ||
	    !SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION)) {
		SSL_SESSION_free(s);
		return NULL;
	}
	return s;
}

static int use_session_cb(SSL *ssl, const EVP_MD *md, const unsigned char **id,
			  size_t *idlen, SSL_SESSION **sess)
{
	struct xc_chan *ch = SSL_get_app_data(ssl);
	const SSL_CIPHER *cipher = SSL_CIPHER_find(ssl, tls13_aes256gcm_sha384);

	*sess = NULL;
	*id = NULL;
	*idlen = 0;
	/* Called again after a HelloRetryRequest, with the suite's digest. */
	if (md && cipher && md != SSL_CIPHER_get_handshake_digest(cipher))
		return 1;
	*sess = psk_session(ssl, ch->psk);
	if (!*sess)
		return 0;
	*id = (const unsigned char *)ch->psk->id;
	*idlen = strlen(ch->psk->id);
	return 1;
}

static int find_session_cb(SSL *ssl, const unsigned char *identity, size_t len,
			   SSL_SESSION **sess)
{
	struct xc_chan *ch = SSL_get_app_data(ssl);
	const struct xc_psk *k;
	size_t i;

	*sess = NULL;
	ch->id_offered = 1;
	/* Printable copy for the log: the identity is the client's word. */
	for (i = 0; i < len && i < XC_PSK_ID_MAX; i++)
		ch->peer_id[i] = xc_valid_id((const char *)identity + i, 1) ? (char)identity[i] : '?';
	ch->peer_id[i] = '\0';
	k = xc_keyring_find(ch->kr, (const char *)identity, len);
	if (!k) {
		ch->id_unknown = 1;
		return 0;	/* abort the handshake */
	}
	*sess = psk_session(ssl, k);
	return *sess ? 1 : 0;
}

static SSL_CTX *new_ctx(int server)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	if (!ctx)
		return NULL;
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_ciphersuites(ctx, CIPHER_SUITE)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (server) {
		SSL_CTX_set_num_tickets(ctx, 0);
		SSL_CTX_set_max_early_data(ctx, 0);
		SSL_CTX_set_psk_find_session_callback(ctx, find_session_cb);
	} else {
		SSL_CTX_set_psk_use_session_callback(ctx, use_session_cb);
	}
	return ctx;
}

static void set_timeouts(int fd, int timeout_ms)
{
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	int one = 1;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void peer_addr(int fd, char *buf, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const char *a = NULL;

	buf[0] = '\0';
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0)
		return;
	if (ss.ss_family == AF_INET)
		a = inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, (socklen_t)n);
	else if (ss.ss_family == AF_INET6)
		a = inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, buf, (socklen_t)n);
	if (a && !strncmp(buf, "::ffff:", 7) && strchr(buf, '.'))
		memmove(buf, buf + 7, strlen(buf + 7) + 1);
}

static struct xc_chan *chan_new(int fd, int server)
{
	struct xc_chan *ch = calloc(1, sizeof(*ch));

	if (!ch)
		return NULL;
	ch->fd = fd;
	ch->ctx = new_ctx(server);
	ch->ssl = ch->ctx ? SSL_new(ch->ctx) : NULL;
	if (!ch->ssl || !SSL_set_fd(ch->ssl, fd)) {
		SSL_free(ch->ssl);
		SSL_CTX_free(ch->ctx);
		free(ch);
		return NULL;
	}
	SSL_set_app_data(ch->ssl, ch);
	peer_addr(fd, ch->addr, sizeof(ch->addr));
	return ch;
}

/* Both ends must have used the PSK, on TLS 1.3. */
static int check_psk_used(struct xc_chan *ch, char *err, size_t errlen)
{
	if (SSL_version(ch->ssl) != TLS1_3_VERSION || !SSL_session_reused(ch->ssl)) {
		snprintf(err, errlen, "TLS session with %s did not use the pre-shared key", ch->addr);
		return -EACCES;
	}
	return 0;
}

int xc_parse_hostport(const char *s, char *host, size_t hostlen, uint16_t *port,
		      char *err, size_t errlen)
{
	const char *colon, *h = s;
	size_t hl;
	char *end;
	unsigned long p = XC_CHAN_DEFAULT_PORT;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || (close[1] && close[1] != ':'))
			goto bad;
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close[1] ? close + 1 : NULL;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)
			colon = NULL;	/* a bare IPv6 address */
		hl = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (!hl || hl >= hostlen)
		goto bad;
	if (colon) {
		errno = 0;
		p = strtoul(colon + 1, &end, 10);
		if (errno || *end || !colon[1] || !p || p > 65535)
			goto bad;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (uint16_t)p;
	return 0;
bad:
	snprintf(err, errlen, "\"%s\" is not HOST or HOST:PORT", s);
	return -EINVAL;
}

int xc_chan_client_fd(int fd, const char *peer, const struct xc_psk *psk, int timeout_ms,
		      struct xc_chan **chp, char *err, size_t errlen)
{
	struct xc_chan *ch;
	char why[160];
	int ret;

	*chp = NULL;
	set_timeouts(fd, timeout_ms);
	ch = chan_new(fd, 0);
	if (!ch) {
		close(fd);
		snprintf(err, errlen, "cannot set up TLS: %s", ERR_reason_error_string(ERR_get_error()));
		return -ENOMEM;
	}
	ch->psk = psk;
	snprintf(ch->peer_id, sizeof(ch->peer_id), "%s", peer);
	ERR_clear_error();
	errno = 0;
	if (SSL_connect(ch->ssl) != 1) {
		ssl_reason(why, sizeof(why));
		snprintf(err, errlen, "TLS handshake with %s as \"%s\" failed: %s%s", peer, psk->id, why,
			 strstr(why, "alert") ? " (the server refused our identity or key)" : "");
		xc_chan_close(ch, 0);
		return -EACCES;
	}
	ret = check_psk_used(ch, err, errlen);
	if (ret) {
		xc_chan_close(ch, 0);
		return ret;
	}
	*chp = ch;
	return 0;
}

int xc_chan_listen(const char *addr, uint16_t port, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *res;
	char portstr[8];
	int fd, one = 1, gai, ret;

	snprintf(portstr, sizeof(portstr), "%u", port);
	gai = getaddrinfo(addr, portstr, &hints, &res);
	if (gai) {
		snprintf(err, errlen, "cannot listen on \"%s\": %s", addr ? addr : "*", gai_strerror(gai));
		return -EINVAL;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 16) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot listen on %s port %u: %s", addr ? addr : "*", port,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return ret;
	}
	freeaddrinfo(res);
	return fd;
}

int xc_chan_accept(int fd, const struct xc_keyring *kr, int timeout_ms,
		   struct xc_chan **chp, char *err, size_t errlen)
{
	struct xc_chan *ch;
	unsigned long e;
	char why[160];
	int ret;

	*chp = NULL;
	set_timeouts(fd, timeout_ms);
	ch = chan_new(fd, 1);
	if (!ch) {
		close(fd);
		snprintf(err, errlen, "cannot set up TLS");
		return -ENOMEM;
	}
	ch->kr = kr;
	ERR_clear_error();
	errno = 0;
	if (SSL_accept(ch->ssl) != 1) {
		e = ssl_reason(why, sizeof(why));
		if (ch->id_unknown) {
			snprintf(err, errlen, "unknown peer \"%s\" from %s: the identity is not in %s",
				 ch->peer_id, ch->addr, kr->path);
			ret = -EACCES;
		} else if (ERR_GET_REASON(e) == SSL_R_BINDER_DOES_NOT_VERIFY) {
			snprintf(err, errlen, "wrong pre-shared key from %s for \"%s\": the PSK binder does not verify",
				 ch->addr, ch->peer_id);
			ret = -EKEYREJECTED;
		} else if (!ch->id_offered) {
			snprintf(err, errlen, "TLS handshake with %s failed before a pre-shared key was offered: %s",
				 ch->addr, why);
			ret = -EPROTO;
		} else {
			snprintf(err, errlen, "TLS handshake with %s as \"%s\" failed: %s (a replayed, altered or cut stream)",
				 ch->addr, ch->peer_id, why);
			ret = -EPROTO;
		}
		xc_chan_close(ch, 0);
		return ret;
	}
	ret = check_psk_used(ch, err, errlen);
	if (ret) {
		xc_chan_close(ch, 0);
		return ret;
	}
	*chp = ch;
	return 0;
}

static int write_all(struct xc_chan *ch, const void *p, size_t n, char *err, size_t errlen)
{
	char why[160];
	size_t w;

	while (n) {
		ERR_clear_error();
		errno = 0;
		if (SSL_write_ex(ch->ssl, p, n, &w) != 1) {
			ssl_reason(why, sizeof(why));
			snprintf(err, errlen, "cannot send to %s: %s", ch->addr, why);
			return -EIO;
		}
		p = (const uint8_t *)p + w;
		n -= w;
	}
	return 0;
}

int xc_chan_send(struct xc_chan *ch, uint8_t type, uint64_t seq, const void *p, size_t len,
		 char *err, size_t errlen)
{
	uint8_t rec[16384];	/* a TLS record's plaintext at most */
	size_t head;
	int ret;

	if (len > XC_FRAME_MAX) {
		snprintf(err, errlen, "message of %zu bytes is too large", len);
		return -EMSGSIZE;
	}
	/* the header and the start of the payload in one TLS record: one
	 * encryption, one segment and one wake-up of the reader instead of
	 * two, for the small frames of a hand-over */
	head = len < sizeof(rec) - XC_FRAME_HDR ? len : sizeof(rec) - XC_FRAME_HDR;
	xc_frame_hdr_pack(rec, type, seq, (uint32_t)len);
	if (head)
		memcpy(rec + XC_FRAME_HDR, p, head);
	ret = write_all(ch, rec, XC_FRAME_HDR + head, err, errlen);
	explicit_bzero(rec + XC_FRAME_HDR, head);	/* may hold keys */
	if (!ret && len > head)
		ret = write_all(ch, (const uint8_t *)p + head, len - head, err, errlen);
	return ret;
}

/* 1: all n bytes; 0: close_notify; -ENODATA: EOF without close_notify;
 * -ETIMEDOUT; -EIO. */
static int read_exact(struct xc_chan *ch, uint8_t *p, size_t n, size_t *got, char *why, size_t wl)
{
	while (*got < n) {
		size_t r;
		unsigned long e;
		int ok, se, gone = 0;

		ERR_clear_error();
		errno = 0;
		ok = SSL_read_ex(ch->ssl, p + *got, n - *got, &r);
		if (ok) {
			*got += r;
			continue;
		}
		se = SSL_get_error(ch->ssl, ok);
		if (se == SSL_ERROR_ZERO_RETURN)
			return 0;
		if (se == SSL_ERROR_WANT_READ || errno == EAGAIN) {
			ERR_clear_error();
			snprintf(why, wl, "timed out");
			return -ETIMEDOUT;
		}
		e = ssl_reason_gone(why, wl, &gone);
		if (gone || (se == SSL_ERROR_SYSCALL && !e &&
			     (errno == 0 || errno == ECONNRESET || errno == EPIPE))) {
			snprintf(why, wl, "the connection ended without TLS close_notify");
			return -ENODATA;
		}
		return -EIO;
	}
	return 1;
}

int xc_chan_recv(struct xc_chan *ch, struct xc_frame *f, char *err, size_t errlen)
{
	uint8_t hdr[XC_FRAME_HDR];
	char why[160] = "";
	uint32_t len;
	size_t got = 0;
	int r;

	memset(f, 0, sizeof(*f));
	r = read_exact(ch, hdr, sizeof(hdr), &got, why, sizeof(why));
	if (r == 0 && !got) {
		snprintf(err, errlen, "%s closed the stream", ch->addr);
		return 0;
	}
	if ((r == 0 || r == -ENODATA) && got) {
		snprintf(err, errlen, "truncated stream from %s: %zu of the %d bytes of a frame header arrived",
			 ch->addr, got, XC_FRAME_HDR);
		return -EPROTO;
	}
	if (r != 1) {
		snprintf(err, errlen, "reading from %s: %s", ch->addr, why);
		return r;
	}
	r = xc_frame_hdr_parse(hdr, &f->type, &f->seq, &len, err, errlen);
	if (r)
		return r;
	f->data = malloc((size_t)len + 1);
	if (!f->data) {
		snprintf(err, errlen, "out of memory for a message of %u bytes", len);
		return -ENOMEM;
	}
	got = 0;
	r = read_exact(ch, f->data, len, &got, why, sizeof(why));
	if (r != 1) {
		f->len = got;
		xc_frame_free(f);
		if (r == 0 || r == -ENODATA) {
			snprintf(err, errlen, "truncated stream from %s: %s message seq %llu: %zu of %u bytes arrived",
				 ch->addr, xc_frame_type_name(f->type), (unsigned long long)f->seq, got, len);
			return -EPROTO;
		}
		snprintf(err, errlen, "reading from %s: %s", ch->addr, why);
		return r;
	}
	f->data[len] = '\0';
	f->len = len;
	return 1;
}

void xc_chan_set_timeout(struct xc_chan *ch, int timeout_ms)
{
	set_timeouts(ch->fd, timeout_ms);
}

int xc_chan_fd(const struct xc_chan *ch)
{
	return ch->fd;
}

int xc_chan_pending(const struct xc_chan *ch)
{
	return SSL_pending(ch->ssl) > 0;
}

const char *xc_chan_peer_id(const struct xc_chan *ch)
{
	return ch->peer_id;
}

const char *xc_chan_peer_addr(const struct xc_chan *ch)
{
	return ch->addr;
}

const char *xc_chan_cipher(const struct xc_chan *ch)
{
	return SSL_get_cipher_name(ch->ssl);
}

void xc_chan_close(struct xc_chan *ch, int notify)
{
	if (!ch)
		return;
	if (notify) {
		ERR_clear_error();
		SSL_shutdown(ch->ssl);
	}
	SSL_free(ch->ssl);
	SSL_CTX_free(ch->ctx);
	close(ch->fd);
	ERR_clear_error();
	free(ch);
}
