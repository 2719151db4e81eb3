/*
 * meshcc-gateway native data path (Linux, Node-API): one epoll thread per process.
 *
 * Two ways in:
 *
 * 1. Native accept (`gwCreate` ... `gwCommit`): the thread owns the listening sockets, accepts (accept4, nonblocking),
 *    enforces the pending-handshake and connection limits and the ClientHello deadline, and reads the first bytes of
 *    each connection into a bounded buffer (HELLO_MAX, enough for any ClientHello the JS parser can accept). The
 *    common hello (whole in its first record, an SNI with a route to IP endpoints) is parsed and routed here
 *    (hello_sni, table_lookup: accept-only mirrors of the JS parser and route table, on a table JavaScript pushes
 *    with gwRoutes). Anything else goes to JavaScript as bytes, in batches: one thread-safe-function call carries
 *    every event since the last one (new bytes, closed), numbers in one Float64Array, bytes in one
 *    Buffer; events that need no answer are held up to COALESCE_MS. JavaScript parses with its own parser
 *    (src/gateway/client-hello.ts), routes, and answers a batch of commands in one call: close, or connect to this
 *    ordered endpoint list. The thread then connects (nonblocking connect(2), next endpoint on refusal/timeout),
 *    writes the buffered bytes and relays the pair as below. The thread keeps the counters (gwStats, read on demand
 *    for /stats and /metrics) and, when the access log goes to a file or stdout (gwLog), writes its lines itself
 *    (formatAccessRecord's line, batched per 64 KiB / 100 ms): a natively routed connection then costs JavaScript
 *    nothing. Closes are reported as events only for connections JavaScript saw (its bytes), or for all when
 *    JavaScript writes the log itself (logMode 1, e.g. a test's in-memory log).
 *
 * 2. Hand-over (`relay`): JavaScript accepted, routed and connected, and hands both file descriptors (dup'ed here, so
 *    JavaScript can close its own handles) plus any bytes it already read from either side.
 *
 * The relay relays both directions with read(2)/write(2) for small messages and, once a read fills the buffer,
 * splice(2) through pipes (zero-copy socket -> pipe -> socket, pipes pooled and only held while they contain data),
 * edge-triggered, with backpressure (a full pipe stops reading until the
 * other socket is writable again), half-close (end of stream on one side -> shutdown(SHUT_WR) of the other once
 * everything before it was written) and an idle timeout. When both directions have ended, or on an error, idle
 * timeout or abort from JavaScript, both sockets are closed and JavaScript is told.
 *
 * JS API (hand-over):
 *          init(onClose(id, bytesFromClient, bytesToClient, code))
 *          relay(clientFd, upstreamFd, toUpstream: Buffer|null, toClient: Buffer|null, idleMs, id) -> handle
 *          abort(handle)     (only before onClose for that id was called)
 * codes: 0 done, 1 client-error, 2 upstream-error, 3 idle, 4 aborted.
 *
 * JS API (native accept):
 *          gwCreate(onEvents(nums: Float64Array, peers: Array, bytes: Buffer), logMode) -> gw
 *                       logMode 0: no access log, 1: JavaScript logs (close events for all), 2: gwLog follows
 *          gwLog(gw, path | null (stdout), listenerNamesJson[])   the thread writes the access log (before gwListen)
 *          gwLogClose(gw)               write the batched lines, stop logging (after drain)
 *          gwStats(gw) -> [accepted, live, pending, bytesIn, bytesOut, connectFailures, nRoutes, ...by route counter,
 *                          nReasons, ...by reason counter (0-9: the close codes below)]
 *          gwListen(gw, ip, port, listenerIndex, reusePort) -> bound port   (throws with .code on bind errors)
 *          gwConfigure(gw, helloMs, maxPending, maxConnections, maxHelloBytes, connectMs, idleMs)
 *          gwRoutes(gw, trustDomain, datacenter, routes, local, remote, wild)   (see js_gw_routes)
 *          parseHello(buffer, maxHelloBytes) -> [code, sni?]   (test hook for hello_sni)
 *          formatAccess(...) -> line   (test hook for logrec_format)
 *          gwCommit(gw, cmds: Array)   [1, id, reasonCounter, reasonJson, sniJson | ""] close (reported, code 6)
 *                                      [2, id, connectMs, idleMs, sniJson, routeCounter, routeJson, n,
 *                                       ip1, port1, upstreamJson1, ...] connect
 *          (names for the log arrive JSON-encoded by JSON.stringify, so the line is formatAccessRecord's exactly)
 *          gwStop(gw)                   close the listening sockets
 *          gwAbortAll(gw)               close every connection (relaying: code 4, others: code 6)
 *          gwCounts(gw) -> [accepted, live, pending]
 *          gwRef(gw, bool)              keep the event loop alive (or not)
 *   events, 8 numbers each: [kind, id, a, b, c, d, e, f]; peers: 2 per event [peer string|undefined, info]
 *          1 data:      a listener, b accept time (ms since epoch), c end-of-stream seen, the new bytes are
 *                       bytes[d, d + e) (one Buffer per batch)
 *          3 closed:    a code, b bytes from client, c bytes to client, d index of the endpoint relayed to (-1: never
 *                       connected), e listener, f time; logMode 1 and routed natively: info is "sni" or, once
 *                       relaying, "sni\x01route key JSON\x01upstream JSON"
 *   codes (closed): 0-4 as above, 5 hello-timeout, 6 client-closed, 7 connect-failed, 8 limit-connections,
 *          9 limit-pending. Each accepted connection's first event carries its peer address (logMode 1).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PIPE_SIZE (256 * 1024)
#define POOL_MAX 256
#define COPY_SIZE (64 * 1024)
#define TICK_MS 100
/* Largest ClientHello prefix buffered before routing: 64 record headers + a 16 KiB hello + a last 16 KiB record (the
 * JS parser decides on any input within 64*5 + 16383 + 16384 bytes), rounded up. */
#define HELLO_MAX (34 * 1024)
#define SLOT_BITS 22
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
#define ACCEPT_BATCH 64
/* Events that need no answer (closed) reach JavaScript at most this often; new bytes go at once. */
#define COALESCE_MS 5
/* Native access log: lines are written per LOG_FLUSH_BYTES or at most LOG_FLUSH_MS after the connection closed (as the
 * JS log in src/gateway/access-log.ts). */
#define LOG_FLUSH_MS 100
#define LOG_FLUSH_BYTES (64 * 1024)
enum { LOG_OFF = 0, LOG_JS = 1, LOG_NATIVE = 2 };

enum { R_DONE = 0, R_CLIENT_ERR = 1, R_UPSTREAM_ERR = 2, R_IDLE = 3, R_ABORT = 4 };
enum { R_HELLO_TIMEOUT = 5, R_CLIENT_CLOSED = 6, R_CONNECT_FAILED = 7, R_LIMIT_CONNS = 8, R_LIMIT_PENDING = 9 };
enum { S_RELAY = 0, S_HELLO = 1, S_CONNECTING = 2 };
enum { EV_DATA = 1, EV_CLOSED = 3 }; /* 2 (connected) is no longer sent */
enum { C_CLOSE = 1, C_CONNECT = 2, C_STOP = 3, C_ABORT_ALL = 4, C_TABLE = 5 };

typedef struct conn conn_t;
typedef struct relay relay_t;
typedef struct gw gw_t;
struct ntable;

/* What an epoll registration points at: a connection's side, or (c == NULL) a listening socket of `gw`. */
typedef struct fdref {
  conn_t *c;
  int side; /* 0 client, 1 upstream */
  gw_t *gw; /* listeners only */
  int fd, idx, paused;
  struct fdref *lnext; /* relay's list of listeners (under mu) */
} fdref_t;

/* One event for JavaScript (see the header): 8 numbers, optional peer and bytes. */
typedef struct {
  double n[8];
  char *buf;
  size_t len;
  char peer[64];
  char *info; /* close of a natively routed connection (JS log mode): see the header (malloc'd) */
} event_t;

/* One command from JavaScript. */
typedef struct cmd {
  struct cmd *next;
  int kind;
  gw_t *gw;
  double id;
  uint32_t connect_ms, idle_ms;
  int nep;
  struct sockaddr_storage *eps;
  struct ntable *table; /* C_TABLE */
  /* access log and counters (C_CLOSE: reason; C_CONNECT: sni, route, endpoint names), JSON-encoded by JavaScript */
  int ctr;              /* C_CLOSE: reason counter; C_CONNECT: route counter */
  char *jreason, *jsni, *jroute;
  char **jeps;
} cmd_t;

typedef struct {
  int in, out;         /* read from in, write to out */
  int in_side;         /* side of `in` (0 client, 1 upstream) */
  int pr, pw;          /* pipe, -1 when none held */
  size_t in_pipe;      /* bytes currently in the pipe */
  char *buf;           /* user-space bytes to write first (initial bytes, or copy fallback) */
  size_t off, len;
  int eof, shut;
  int bulk; /* a read filled the copy buffer: splice from now on */
  uint64_t nread, nwritten;
} dir_t;

struct conn {
  conn_t *next, *prev;  /* thread's list of live connections */
  conn_t *q_next;       /* incoming queue */
  conn_t *a_next;       /* abort queue */
  conn_t *d_next;       /* finished, to report */
  int in_abort;
  int live, abort_pending; /* thread only: in the list / aborted before it got there */
  fdref_t ref[2];
  int fd[2];
  dir_t d[2]; /* d[0] client -> upstream, d[1] upstream -> client */
  int rd[2], wr[2]; /* edge-triggered readiness per side: may read / may write without EAGAIN */
  int rdhup[2];     /* end of stream already signalled by epoll: a short read does not mean drained */
  int64_t last_ms;
  uint32_t idle_ms;
  int closed, reason;
  double id;
  /* native accept only */
  gw_t *gw; /* NULL: handed over by JavaScript */
  int state;
  uint32_t slot;
  char *hb; /* bytes read before routing, forwarded first */
  size_t hlen, hsent;
  int heof, heof_sent, intro;
  int js_mode;     /* JavaScript decides this hello (native parse/route did not): it gets the close too */
  char sni[256];   /* natively routed: the SNI (LDH, lower case) */
  /* Decided by JavaScript: JSON-encoded SNI / reason / route / endpoint names for the log, counter indices. */
  char *jsni, *jreason, *jroute;
  char **jeps;
  int reason_ctr, route_ctr;
  struct ntable *table; /* natively routed: the table (referenced) and the route's place in it */
  void *route_eps;
  uint32_t route_start;
  int64_t deadline;
  struct sockaddr_storage *eps;
  int nep, iep;
  uint32_t connect_ms;
  int listener;
  double start_wall;
  char peer[64];
};

struct gw {
  relay_t *r;
  napi_threadsafe_function tsfn;
  pthread_mutex_t mu;   /* out, nout, cap, signalled */
  event_t *out, *spare; /* filled by the thread / being delivered on the JS thread */
  size_t nout, cap, spare_cap;
  int signalled;
  int dirty;            /* thread only */
  int urgent;           /* thread only: bytes waiting for a decision */
  int64_t last_signal;  /* thread only */
  gw_t *dnext;          /* thread only */
  gw_t *gnext;          /* relay's list of gateways */
  int hello_ms, max_pending, max_conns, max_hello, connect_ms, idle_ms; /* atomics */
  struct ntable *table; /* thread only: routes for the native decision */
  int64_t accepted;     /* atomic */
  int live, pending;    /* written by the thread, read atomically */
  int log_mode;         /* LOG_OFF, LOG_JS (closes reported as events, JavaScript logs) or LOG_NATIVE (written here) */
  /* Counters (written by the thread only, read by gwStats): totals, and per route / per close reason by index
   * (indices given by JavaScript; 0..9 are the close codes). Arrays grow under cmu. */
  pthread_mutex_t cmu;
  uint64_t bytes_in, bytes_out, cfails;
  uint64_t *rctr, *xctr;
  uint32_t nrctr, nxctr;
  /* Native access log: lines batched in lbuf (under lmu) and written to lfd per 64 KiB or LOG_FLUSH_MS. */
  pthread_mutex_t lmu;
  int lfd, lfd_own;
  char *lbuf;
  size_t llen, lcap;
  int64_t ldue;         /* thread only: when the oldest unwritten line must be written (0: none) */
  char **ljson;         /* listener names, JSON-encoded, by index */
  int nljson;
  int64_t iso_sec;      /* thread only: the second iso holds */
  char iso[48];
};

struct relay {
  int ep, evfd, started;
  pthread_t th;
  pthread_mutex_t mu;
  conn_t *incoming, *aborts; /* under mu */
  int wake_pending;          /* under mu: the eventfd was written and not yet read */
  conn_t *list, *done;       /* thread only */
  int pool[POOL_MAX][2];     /* thread only */
  int npool;
  char *copy;                /* thread only */
  napi_threadsafe_function tsfn;
  int64_t active; /* JS thread only */
  cmd_t *cmds, *cmds_tail;   /* under mu */
  fdref_t *listeners;        /* under mu */
  int any_paused;            /* thread only */
  conn_t **slots;            /* thread only: native-accept connections by id */
  uint32_t *gens, *freeslots;
  uint32_t nslots, capslots, nfree;
  conn_t *grave;             /* thread only: closed, freed after the current epoll batch */
  gw_t *dirty;               /* thread only: gateways with events to deliver */
  int64_t flush_at;          /* thread only: when deferred events are due */
  int64_t log_due;           /* thread only: when some gateway's batched log lines are due (0: none) */
  gw_t *gws;                 /* every gateway of this thread (never freed; under mu) */
};

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int pipe_get(relay_t *r, dir_t *d) {
  if (d->pr >= 0) return 0;
  if (r->npool > 0) {
    r->npool--;
    d->pr = r->pool[r->npool][0];
    d->pw = r->pool[r->npool][1];
    return 0;
  }
  int p[2];
  if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) return -1;
  (void)fcntl(p[1], F_SETPIPE_SZ, PIPE_SIZE);
  d->pr = p[0];
  d->pw = p[1];
  return 0;
}

static void pipe_put(relay_t *r, dir_t *d) {
  if (d->pr < 0) return;
  if (d->in_pipe == 0 && r->npool < POOL_MAX) {
    r->pool[r->npool][0] = d->pr;
    r->pool[r->npool][1] = d->pw;
    r->npool++;
  } else {
    close(d->pr);
    close(d->pw);
  }
  d->pr = d->pw = -1;
  d->in_pipe = 0;
}

static int err_in(dir_t *d) { return d->in_side == 0 ? R_CLIENT_ERR : R_UPSTREAM_ERR; }
static int err_out(dir_t *d) { return d->in_side == 0 ? R_UPSTREAM_ERR : R_CLIENT_ERR; }

/* After a read or splice from d->in returned n <= 0: 1 go on (end of stream noted, or EINTR), 0 drained (wait for
 * the next edge), -1 error. */
static inline int read_end(conn_t *c, dir_t *d, ssize_t n, int *progress) {
  if (n == 0) {
    d->eof = 1;
    *progress = 1;
    return 1;
  }
  if (errno == EINTR) return 1;
  if (errno == EAGAIN) {
    c->rd[d->in_side] = 0;
    return 0;
  }
  return -1;
}

/* After a write or splice to d->out returned n <= 0: 1 retry (EINTR), 0 full (wait for EPOLLOUT), -1 error. */
static inline int write_end(conn_t *c, dir_t *d, ssize_t n) {
  if (n < 0 && errno == EINTR) return 1;
  if (n < 0 && errno == EAGAIN) {
    c->wr[1 - d->in_side] = 0;
    return 0;
  }
  return -1;
}

/* Moves as much as possible in one direction. Returns 0, or a close reason on a socket error. */
static int pump_dir(relay_t *r, conn_t *c, dir_t *d, int *progress) {
  int *rd = &c->rd[d->in_side], *wr = &c->wr[1 - d->in_side];
  for (;;) {
    if ((d->off < d->len || d->in_pipe > 0) && !*wr) return 0;
    while (d->off < d->len) {
      ssize_t n = write(d->out, d->buf + d->off, d->len - d->off);
      if (n > 0) {
        d->off += (size_t)n;
        d->nwritten += (uint64_t)n;
        *progress = 1;
        continue;
      }
      int v = write_end(c, d, n);
      if (v > 0) continue;
      return v < 0 ? err_out(d) : 0;
    }
    if (d->buf) {
      free(d->buf);
      d->buf = NULL;
      d->off = d->len = 0;
    }
    while (d->in_pipe > 0) {
      ssize_t n = splice(d->pr, NULL, d->out, NULL, d->in_pipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        d->in_pipe -= (size_t)n;
        d->nwritten += (uint64_t)n;
        *progress = 1;
        continue;
      }
      int v = write_end(c, d, n);
      if (v > 0) continue;
      return v < 0 ? err_out(d) : 0; /* 0: wait for EPOLLOUT on out */
    }
    if (d->eof) {
      pipe_put(r, d);
      if (!d->shut) {
        d->shut = 1;
        /* The other direction is done too: close(2) follows at once and sends the FIN itself. */
        dir_t *other = d == &c->d[0] ? &c->d[1] : &c->d[0];
        if (!other->shut && shutdown(d->out, SHUT_WR) < 0 && errno != ENOTCONN) return err_out(d);
      }
      return 0;
    }
    if (!*rd) return 0;
    if (!d->bulk) {
      /* Small messages (the common case for a new connection): read(2) + write(2), no pipe. A read that fills the
       * buffer switches this direction to splice(2). A short read drained the socket (nginx's rule): unless epoll
       * already reported the end of stream, the next arrival raises a new edge. */
      ssize_t n = read(d->in, r->copy, COPY_SIZE);
      if (n > 0) {
        d->nread += (uint64_t)n;
        *progress = 1;
        if ((size_t)n == COPY_SIZE) d->bulk = 1;
        else if (!c->rdhup[d->in_side]) *rd = 0;
        ssize_t w = 0;
        if (*wr) {
          do w = write(d->out, r->copy, (size_t)n);
          while (w < 0 && errno == EINTR);
        }
        if (w < 0 && errno != EAGAIN) return err_out(d);
        if (w < 0) w = 0;
        d->nwritten += (uint64_t)w;
        if (w < n) {
          *wr = 0;
          d->buf = malloc((size_t)(n - w));
          if (!d->buf) return err_in(d);
          memcpy(d->buf, r->copy + w, (size_t)(n - w));
          d->off = 0;
          d->len = (size_t)(n - w);
        }
        continue;
      }
      int v = read_end(c, d, n, progress);
      if (v > 0) continue;
      return v < 0 ? err_in(d) : 0;
    }
    if (pipe_get(r, d) == 0) {
      ssize_t n = splice(d->in, NULL, d->pw, NULL, PIPE_SIZE, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        d->in_pipe = (size_t)n;
        d->nread += (uint64_t)n;
        *progress = 1;
        continue;
      }
      int v = read_end(c, d, n, progress);
      if (v > 0) continue;
      pipe_put(r, d); /* empty: back to the pool */
      return v < 0 ? err_in(d) : 0;
    }
    /* No pipe (file descriptors exhausted): copy through a user-space buffer. */
    ssize_t n = read(d->in, r->copy, COPY_SIZE);
    if (n > 0) {
      d->buf = malloc((size_t)n);
      if (!d->buf) return err_in(d);
      memcpy(d->buf, r->copy, (size_t)n);
      d->off = 0;
      d->len = (size_t)n;
      d->nread += (uint64_t)n;
      *progress = 1;
      continue;
    }
    int v = read_end(c, d, n, progress);
    if (v > 0) continue;
    return v < 0 ? err_in(d) : 0;
  }
}

static void set_atomic(int *p, int v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }

/* ---- native accept: SNI and routing for the common case ----
 *
 * Mirrors src/gateway/client-hello.ts `parseWholeHello` (first record complete and holding the whole ClientHello)
 * and `RouteTable.lookup`, but only ever *accepts*: any input it does not route with certainty (every reject, a hello
 * spread over records, an unknown SNI, a route whose endpoints need DNS) is handed to JavaScript, whose parser and
 * table decide (and name the reason). Tested against the JS parser (test/gateway/native-parse.test.ts). */

static int is_ldh_label_char(uint8_t ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'; }

/* `isLdhHostname` on an already lower-cased name. */
static int ldh_ok(const char *s, size_t n) {
  if (n == 0 || n > 253) return 0;
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && s[i] != '.') {
      if (!is_ldh_label_char((uint8_t)s[i])) return 0;
      continue;
    }
    size_t len = i - start;
    if (len < 1 || len > 63 || s[start] == '-' || s[i - 1] == '-') return 0;
    start = i + 1;
  }
  return 1;
}

/* The server_name extension: 1 with the lower-cased host name in out[0..*outlen), 0 otherwise. */
static int sni_ext(const uint8_t *e, size_t len, char *out, size_t *outlen) {
  if (len < 2) return 0;
  size_t list = ((size_t)e[0] << 8) | e[1];
  if (list != len - 2 || list == 0) return 0;
  size_t p = 2;
  const uint8_t *host = NULL;
  size_t hl = 0;
  while (p < len) {
    if (len - p < 3) return 0;
    uint8_t type = e[p];
    size_t l = ((size_t)e[p + 1] << 8) | e[p + 2];
    p += 3;
    if (len - p < l) return 0;
    if (type == 0) {
      if (host) return 0;
      host = e + p;
      hl = l;
    }
    p += l;
  }
  if (!host || hl == 0 || hl > 253) return 0;
  for (size_t i = 0; i < hl; i++) {
    uint8_t ch = host[i];
    out[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
  }
  if (!ldh_ok(out, hl)) return 0;
  out[hl] = 0;
  *outlen = hl;
  return 1;
}

/* 1: SNI in out (NUL-terminated, <= 253 bytes); -1: the first record is not complete yet; 0: JavaScript decides. */
static int hello_sni(const uint8_t *b, size_t n, size_t max_hello, char *out, size_t *outlen) {
  uint8_t seen[65536 / 8]; /* extension types seen (duplicates are malformed) */
  if (n < 1) return -1;
  if (b[0] != 0x16) return 0;
  if (n < 2) return -1;
  if (b[1] != 3) return 0;
  if (n < 5) return -1;
  size_t len = ((size_t)b[3] << 8) | b[4];
  if (len < 4 || len > 16384) return 0;
  if (n < 6) return -1;
  if (b[5] != 1) return 0;
  if (n < 9) return -1;
  size_t body = ((size_t)b[6] << 16) | ((size_t)b[7] << 8) | b[8];
  if (max_hello > 16384) max_hello = 16384;
  if (4 + body > len || 4 + body > max_hello) return 0;
  if (n < 5 + len) return -1;
  const uint8_t *p = b + 9, *e = b + 9 + body;
  if (e - p < 34 || p[0] != 3) return 0;
  p += 34;
  if (e - p < 1) return 0;
  size_t sid = *p++;
  if (sid > 32 || (size_t)(e - p) < sid) return 0;
  p += sid;
  if (e - p < 2) return 0;
  size_t cs = ((size_t)p[0] << 8) | p[1];
  p += 2;
  if (cs < 2 || cs % 2 || (size_t)(e - p) < cs) return 0;
  p += cs;
  if (e - p < 1) return 0;
  size_t cm = *p++;
  if (cm < 1 || (size_t)(e - p) < cm) return 0;
  p += cm;
  if (e - p < 2) return 0;
  size_t ext = ((size_t)p[0] << 8) | p[1];
  p += 2;
  if ((size_t)(e - p) != ext) return 0;
  memset(seen, 0, sizeof seen);
  int found = 0;
  while (p < e) {
    if (e - p < 4) return 0;
    unsigned type = ((unsigned)p[0] << 8) | p[1];
    size_t l = ((size_t)p[2] << 8) | p[3];
    p += 4;
    if ((size_t)(e - p) < l) return 0;
    if (seen[type >> 3] & (1u << (type & 7))) return 0;
    seen[type >> 3] |= (uint8_t)(1u << (type & 7));
    if (type == 0) {
      if (!sni_ext(p, l, out, outlen)) return 0;
      found = 1;
    }
    p += l;
  }
  return found;
}

/* Route table pushed by JavaScript (gwRoutes); swapped whole on reload, read by the relay thread only. */
typedef struct {
  char *key;    /* JSON-encoded route key (also the identity for round-robin cursors across reloads) */
  int ctr;      /* route counter index */
  int nep;
  struct sockaddr_storage *eps;
  char **epstr; /* "address:port" as configured, JSON-encoded, for the access log */
  uint32_t rr;
  int js_only; /* some endpoint needs a DNS lookup: JavaScript routes it */
} nroute_t;

typedef struct {
  char *name;
  int route;
} nname_t;

typedef struct ntable {
  int refs; /* the gateway's + natively routed connections' (relay thread only) */
  char *td, *dc;
  nroute_t *routes;
  int nroutes;
  nname_t *local; /* open addressing, nlocal_cap a power of two */
  size_t local_cap;
  nname_t *remote;
  int nremote;
  nname_t *wild; /* one-label wildcards: the suffix after the first label (`server.<dc>.<domain>`) */
  int nwild;
} ntable_t;

static uint64_t fnv(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
  return h;
}

static int table_local(const ntable_t *t, const char *name, size_t n) {
  if (!t->local_cap) return -1;
  for (size_t i = fnv(name, n) & (t->local_cap - 1);; i = (i + 1) & (t->local_cap - 1)) {
    if (!t->local[i].name) return -1;
    if (strlen(t->local[i].name) == n && memcmp(t->local[i].name, name, n) == 0) return t->local[i].route;
  }
}

/* `RouteTable.lookup`: a route index, or -1. */
static int table_lookup(const ntable_t *t, const char *name, size_t n) {
  int r = table_local(t, name, n);
  if (r >= 0) return r;
  if (t->nwild > 0) {
    /* One non-empty label, then a wildcard's suffix exactly. */
    const char *dot = memchr(name, '.', n);
    if (dot && dot > name) {
      const char *rest = dot + 1;
      size_t rl = n - (size_t)(rest - name);
      for (int i = 0; i < t->nwild; i++)
        if (strlen(t->wild[i].name) == rl && memcmp(t->wild[i].name, rest, rl) == 0) return t->wild[i].route;
    }
  }
  size_t tdl = strlen(t->td);
  if (n < tdl + 1 || name[n - tdl - 1] != '.' || memcmp(name + n - tdl, t->td, tdl) != 0) return -1;
  size_t pl = n - tdl - 1; /* prefix: labels before ".<td>" */
  /* Split the prefix into labels (LDH names have no empty labels). */
  size_t starts[130], lens[130];
  int nl = 0;
  size_t s = 0;
  for (size_t i = 0; i <= pl; i++) {
    if (i < pl && name[i] != '.') continue;
    if (nl == 130) return -1;
    starts[nl] = s;
    lens[nl] = i - s;
    if (lens[nl] == 0) return -1;
    nl++;
    s = i + 1;
  }
  if (nl < 2) return -1;
  const char *marker = name + starts[nl - 1];
  size_t ml = lens[nl - 1];
  int before = nl - 2;
  if (ml == 8 && memcmp(marker, "internal", 8) == 0) {
    if (before != 0 && before != 2 && before != 3) return -1;
  } else if (ml == 11 && memcmp(marker, "internal-v1", 11) == 0) {
    if (before != 3 && before != 4) return -1;
  } else {
    return -1;
  }
  const char *dc = name + starts[nl - 2];
  size_t dl = lens[nl - 2];
  if (strlen(t->dc) == dl && memcmp(t->dc, dc, dl) == 0) return -1;
  for (int i = 0; i < t->nremote; i++)
    if (strlen(t->remote[i].name) == dl && memcmp(t->remote[i].name, dc, dl) == 0) return t->remote[i].route;
  return -1;
}

static void table_free(ntable_t *t) {
  if (!t) return;
  for (int i = 0; i < t->nroutes; i++) {
    free(t->routes[i].key);
    for (int k = 0; k < t->routes[i].nep; k++) free(t->routes[i].epstr[k]);
    free(t->routes[i].epstr);
    free(t->routes[i].eps);
  }
  free(t->routes);
  for (size_t i = 0; i < t->local_cap; i++) free(t->local[i].name);
  free(t->local);
  for (int i = 0; i < t->nremote; i++) free(t->remote[i].name);
  free(t->remote);
  for (int i = 0; i < t->nwild; i++) free(t->wild[i].name);
  free(t->wild);
  free(t->td);
  free(t->dc);
  free(t);
}

/* ---- native accept: counters ---- */

static void ctr_bump(gw_t *g, uint64_t **arr, uint32_t *n, int idx) {
  if (idx < 0 || idx >= (1 << 20)) return;
  if ((uint32_t)idx >= *n) {
    uint32_t cap = *n ? *n : 16;
    while (cap <= (uint32_t)idx) cap *= 2;
    pthread_mutex_lock(&g->cmu);
    uint64_t *a = realloc(*arr, cap * sizeof *a);
    if (a) {
      memset(a + *n, 0, (cap - *n) * sizeof *a);
      *arr = a;
      *n = cap;
    }
    pthread_mutex_unlock(&g->cmu);
    if (!a) return;
  }
  /* One writer (the thread): no locked instruction needed; gwStats reads under cmu. */
  __atomic_store_n(&(*arr)[idx], (*arr)[idx] + 1, __ATOMIC_RELAXED);
}

static void add_atomic(uint64_t *p, uint64_t v) { __atomic_store_n(p, *p + v, __ATOMIC_RELAXED); }

/* ---- native accept: the access log ----
 *
 * The same line as src/gateway/access-log.ts `formatAccessRecord` (fields, order, `JSON.stringify` escaping;
 * test/gateway/access-log-native.test.ts compares them byte for byte). Names that come from JavaScript (listener,
 * route, endpoint, reasons decided there, SNIs parsed there) arrive JSON-encoded by `JSON.stringify`; only the SNI
 * parsed here and the peer address are encoded here (json_put). */

static const char *const REASON_JSON[] = {"\"done\"",        "\"client-error\"",   "\"upstream-error\"",
                                          "\"idle\"",        "\"drain\"",          "\"hello-timeout\"",
                                          "\"client-closed\"", "\"connect-failed\"", "\"limit-connections\"",
                                          "\"limit-pending\""};

/* `JSON.stringify(s)` of a UTF-8 string: quotes, `"` and `\` escaped, \b \f \n \r \t, other C0 controls as
 * \u00xx; everything else (DEL, non-ASCII, U+2028) as is. Writes at most 6 * strlen(s) + 2 bytes. */
static char *json_put(char *o, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  *o++ = '"';
  for (const unsigned char *p = (const unsigned char *)s, *e = p + n; p < e; p++) {
    unsigned char ch = *p;
    if (ch == '"' || ch == '\\') {
      *o++ = '\\';
      *o++ = (char)ch;
    } else if (ch >= 0x20) {
      *o++ = (char)ch;
    } else {
      *o++ = '\\';
      switch (ch) {
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
          *o++ = 'u';
          *o++ = '0';
          *o++ = '0';
          *o++ = hex[ch >> 4];
          *o++ = hex[ch & 15];
      }
    }
  }
  *o++ = '"';
  return o;
}

static char *put_str(char *o, const char *s) {
  size_t n = strlen(s);
  memcpy(o, s, n);
  return o + n;
}

static char *put_u64(char *o, uint64_t v) {
  char t[24];
  int n = 0;
  do t[n++] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  while (n) *o++ = t[--n];
  return o;
}

static char *put_i64(char *o, int64_t v) {
  if (v < 0) {
    *o++ = '-';
    return put_u64(o, (uint64_t)0 - (uint64_t)v);
  }
  return put_u64(o, (uint64_t)v);
}

/* "YYYY-MM-DDTHH:MM:SS." of a second (`new Date(sec * 1000).toISOString().slice(0, 20)`), cached per second. */
static const char *iso_prefix(int64_t sec, int64_t *cached, char *buf) {
  if (sec != *cached) {
    *cached = sec;
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, 48, "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
  }
  return buf;
}

typedef struct {
  double start;             /* ms since the epoch (an integer) */
  const char *jlistener;    /* JSON */
  const char *client;       /* raw */
  const char *sni;          /* raw, or NULL (then jsni) */
  size_t client_len, sni_len;
  const char *jsni;         /* JSON, or NULL (null) */
  const char *jroute, *jup; /* JSON, or NULL (null) */
  uint64_t bytes_in, bytes_out;
  int64_t duration_ms;
  const char *jreason; /* JSON */
} logrec_t;

static size_t logrec_max(const logrec_t *l) {
  size_t n = 200 + strlen(l->jlistener) + 6 * l->client_len + strlen(l->jreason);
  if (l->sni) n += 6 * l->sni_len;
  else if (l->jsni) n += strlen(l->jsni);
  if (l->jroute) n += strlen(l->jroute);
  if (l->jup) n += strlen(l->jup);
  return n;
}

/* One line into o (room for logrec_max bytes); returns the end. */
static char *logrec_format(char *o, const logrec_t *l, int64_t *iso_sec, char *iso) {
  int64_t ms = (int64_t)l->start;
  int64_t sec = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  int frac = (int)(ms - sec * 1000);
  o = put_str(o, "{\"time\":\"");
  o = put_str(o, iso_prefix(sec, iso_sec, iso));
  *o++ = (char)('0' + frac / 100);
  *o++ = (char)('0' + frac / 10 % 10);
  *o++ = (char)('0' + frac % 10);
  o = put_str(o, "Z\",\"listener\":");
  o = put_str(o, l->jlistener);
  o = put_str(o, ",\"client\":");
  o = json_put(o, l->client, l->client_len);
  o = put_str(o, ",\"sni\":");
  o = l->sni ? json_put(o, l->sni, l->sni_len) : put_str(o, l->jsni ? l->jsni : "null");
  o = put_str(o, ",\"route\":");
  o = put_str(o, l->jroute ? l->jroute : "null");
  o = put_str(o, ",\"upstream\":");
  o = put_str(o, l->jup ? l->jup : "null");
  o = put_str(o, ",\"bytesIn\":");
  o = put_u64(o, l->bytes_in);
  o = put_str(o, ",\"bytesOut\":");
  o = put_u64(o, l->bytes_out);
  o = put_str(o, ",\"durationMs\":");
  o = put_i64(o, l->duration_ms);
  o = put_str(o, ",\"reason\":");
  o = put_str(o, l->jreason);
  o = put_str(o, "}\n");
  return o;
}

/* Writes the batched lines (caller holds lmu). A full pipe (EAGAIN) keeps the rest for the next attempt. */
static void log_write_locked(gw_t *g) {
  size_t off = 0;
  int again = 0;
  while (off < g->llen && g->lfd >= 0) {
    ssize_t n = write(g->lfd, g->lbuf + off, g->llen - off);
    if (n > 0) {
      off += (size_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      again = n < 0 && errno == EAGAIN; /* kept; any other error loses the lines (as the JS stream would) */
      break;
    }
  }
  if (again && off > 0) memmove(g->lbuf, g->lbuf + off, g->llen - off);
  g->llen = again ? g->llen - off : 0;
}

static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Appends one line (thread); the thread writes the batch per LOG_FLUSH_BYTES or when ldue passes. */
static void log_rec(relay_t *r, gw_t *g, logrec_t *l) {
  size_t max = logrec_max(l);
  pthread_mutex_lock(&g->lmu);
  if (g->lfd < 0) {
    pthread_mutex_unlock(&g->lmu);
    return;
  }
  if (g->llen + max > g->lcap) {
    size_t cap = g->lcap ? g->lcap : LOG_FLUSH_BYTES + 4096;
    while (cap < g->llen + max) cap *= 2;
    char *nb = realloc(g->lbuf, cap);
    if (!nb) {
      pthread_mutex_unlock(&g->lmu);
      return;
    }
    g->lbuf = nb;
    g->lcap = cap;
  }
  g->llen = (size_t)(logrec_format(g->lbuf + g->llen, l, &g->iso_sec, g->iso) - g->lbuf);
  if (g->llen >= LOG_FLUSH_BYTES) log_write_locked(g);
  pthread_mutex_unlock(&g->lmu);
  if (g->ldue == 0) {
    g->ldue = now_ms() + LOG_FLUSH_MS;
    if (!r->log_due || g->ldue < r->log_due) r->log_due = g->ldue;
  }
}

/* ---- native accept: connection ids ---- */

static int slot_alloc(relay_t *r, conn_t *c) {
  uint32_t s;
  if (r->nfree > 0) {
    s = r->freeslots[--r->nfree];
  } else {
    if (r->nslots > SLOT_MASK) return -1;
    if (r->nslots == r->capslots) {
      uint32_t cap = r->capslots ? r->capslots * 2 : 1024;
      conn_t **ns = realloc(r->slots, cap * sizeof *ns);
      if (!ns) return -1;
      r->slots = ns;
      uint32_t *ng = realloc(r->gens, cap * sizeof *ng);
      if (!ng) return -1;
      r->gens = ng;
      uint32_t *nf = realloc(r->freeslots, cap * sizeof *nf);
      if (!nf) return -1;
      r->freeslots = nf;
      r->capslots = cap;
    }
    s = r->nslots++;
    r->gens[s] = 1;
  }
  r->slots[s] = c;
  c->slot = s;
  c->id = (double)r->gens[s] * (double)(SLOT_MASK + 1) + (double)s;
  return 0;
}

static void slot_release(relay_t *r, conn_t *c) {
  r->slots[c->slot] = NULL;
  r->gens[c->slot] = (r->gens[c->slot] + 1) & 0x7fffffff;
  if (r->gens[c->slot] == 0) r->gens[c->slot] = 1;
  r->freeslots[r->nfree++] = c->slot;
}

static conn_t *slot_get(relay_t *r, double id) {
  if (!(id >= 0)) return NULL;
  uint32_t s = (uint32_t)((uint64_t)id & SLOT_MASK);
  if (s >= r->nslots) return NULL;
  conn_t *c = r->slots[s];
  return c && c->id == id ? c : NULL;
}

/* ---- native accept: events to JavaScript ---- */

static void emit(relay_t *r, gw_t *g, const event_t *e) {
  pthread_mutex_lock(&g->mu);
  if (g->nout == g->cap) {
    size_t cap = g->cap ? g->cap * 2 : 256;
    event_t *n = realloc(g->out, cap * sizeof *n);
    if (!n) {
      pthread_mutex_unlock(&g->mu);
      free(e->buf);
      free(e->info);
      return;
    }
    g->out = n;
    g->cap = cap;
  }
  g->out[g->nout++] = *e;
  pthread_mutex_unlock(&g->mu);
  if (e->n[0] == EV_DATA) g->urgent = 1;
  if (!g->dirty) {
    g->dirty = 1;
    g->dnext = r->dirty;
    r->dirty = g;
  }
}

/* The peer address, once per connection (its first event), when JavaScript writes the access log. */
static void intro(conn_t *c, event_t *e) {
  if (!c->intro && c->gw->log_mode == LOG_JS) memcpy(e->peer, c->peer, sizeof e->peer);
  c->intro = 1;
}

/* The JSON-encoded upstream the connection is (or was last) dialing, or NULL. */
static const char *conn_jup(conn_t *c) {
  if (c->route_eps) {
    nroute_t *rt = c->route_eps;
    return rt->epstr[(c->route_start + (uint32_t)c->iep) % (uint32_t)rt->nep];
  }
  return c->jeps && c->iep < c->nep ? c->jeps[c->iep] : NULL;
}

static void flush_gws(relay_t *r, int64_t now) {
  gw_t *g = r->dirty;
  r->dirty = NULL;
  while (g) {
    gw_t *next = g->dnext;
    g->dnext = NULL;
    if (!g->urgent && now - g->last_signal < COALESCE_MS) {
      /* Only closed events: batch them for a few ms (one JavaScript wake-up for many). */
      int64_t due = g->last_signal + COALESCE_MS;
      if (!r->dirty || due < r->flush_at) r->flush_at = due;
      g->dnext = r->dirty;
      r->dirty = g;
      g = next;
      continue;
    }
    g->dirty = 0;
    g->urgent = 0;
    g->last_signal = now;
    pthread_mutex_lock(&g->mu);
    int call = !g->signalled && g->nout > 0;
    if (call) g->signalled = 1;
    pthread_mutex_unlock(&g->mu);
    if (call) napi_call_threadsafe_function(g->tsfn, NULL, napi_tsfn_nonblocking);
    g = next;
  }
}

static void close_conn(relay_t *r, conn_t *c, int reason) {
  if (c->closed) return;
  c->closed = 1;
  c->reason = reason;
  for (int i = 0; i < 2; i++) {
    /* Hand-over descriptors are dups (JavaScript may still hold the originals): remove them explicitly. */
    if (!c->gw && c->fd[i] >= 0) epoll_ctl(r->ep, EPOLL_CTL_DEL, c->fd[i], NULL);
    pipe_put(r, &c->d[i]);
    free(c->d[i].buf);
    c->d[i].buf = NULL;
  }
  if (c->fd[0] >= 0) close(c->fd[0]);
  if (c->fd[1] >= 0) close(c->fd[1]);
  if (c->prev) c->prev->next = c->next;
  else r->list = c->next;
  if (c->next) c->next->prev = c->prev;
  c->next = c->prev = NULL;
  if (!c->gw) {
    c->d_next = r->done;
    r->done = c;
    return;
  }
  gw_t *g = c->gw;
  if (c->state == S_HELLO) set_atomic(&g->pending, g->pending - 1);
  int relayed = c->state == S_RELAY;
  uint64_t bin = relayed ? c->d[0].nread : c->hlen, bout = c->d[1].nwritten;
  /* A refusal decided by JavaScript carries its own reason. */
  int rc = c->jreason ? c->reason_ctr : reason;
  ctr_bump(g, &g->xctr, &g->nxctr, rc);
  add_atomic(&g->bytes_in, bin);
  add_atomic(&g->bytes_out, bout);
  if (g->log_mode == LOG_NATIVE) {
    logrec_t l = {.start = c->start_wall,
                  .jlistener = c->listener < g->nljson ? g->ljson[c->listener] : "\"\"",
                  .client = c->peer,
                  .client_len = strlen(c->peer),
                  .sni = c->sni[0] ? c->sni : NULL,
                  .sni_len = strlen(c->sni),
                  .jsni = c->jsni,
                  .jroute = relayed ? (c->route_eps ? ((nroute_t *)c->route_eps)->key : c->jroute) : NULL,
                  .jup = relayed ? conn_jup(c) : NULL,
                  .bytes_in = bin,
                  .bytes_out = bout,
                  .duration_ms = wall_ms() - (int64_t)c->start_wall,
                  .jreason = c->jreason ? c->jreason : REASON_JSON[reason]};
    log_rec(r, g, &l);
  }
  /* JavaScript hears of a close only if it logs, or if it saw the connection (its bytes). */
  if (g->log_mode == LOG_JS || c->js_mode) {
    event_t e = {.n = {EV_CLOSED, c->id, reason, (double)bin, (double)bout, relayed ? c->iep : -1, c->listener,
                       c->start_wall}};
    intro(c, &e);
    if (g->log_mode == LOG_JS && c->sni[0]) {
      /* Natively routed: "sni" or, once relaying, "sni\x01route key JSON\x01upstream JSON". */
      const char *jr = relayed && c->route_eps ? ((nroute_t *)c->route_eps)->key : NULL;
      const char *ju = jr ? conn_jup(c) : NULL;
      size_t il = strlen(c->sni) + (jr ? strlen(jr) + strlen(ju) + 3 : 1);
      e.info = malloc(il);
      if (e.info && jr) snprintf(e.info, il, "%s\x01%s\x01%s", c->sni, jr, ju);
      else if (e.info) snprintf(e.info, il, "%s", c->sni);
    }
    emit(r, g, &e);
  }
  /* Last: JavaScript's drain waits for live == 0 before it writes out the log (gwLogClose). */
  __atomic_store_n(&g->live, g->live - 1, __ATOMIC_RELEASE);
  slot_release(r, c);
  c->d_next = r->grave;
  r->grave = c;
}


static void pump(relay_t *r, conn_t *c) {
  int progress = 0;
  for (int i = 0; i < 2; i++) {
    int e = pump_dir(r, c, &c->d[i], &progress);
    if (e) {
      close_conn(r, c, e);
      return;
    }
  }
  if (progress && c->idle_ms) c->last_ms = now_ms();
  if (c->d[0].shut && c->d[1].shut) close_conn(r, c, R_DONE);
}

static void flush_done(relay_t *r) {
  conn_t *c = r->done;
  r->done = NULL;
  while (c) {
    conn_t *next = c->d_next;
    napi_call_threadsafe_function(r->tsfn, c, napi_tsfn_nonblocking);
    c = next;
  }
}

static void free_grave(relay_t *r) {
  conn_t *c = r->grave;
  r->grave = NULL;
  while (c) {
    conn_t *next = c->d_next;
    free(c->hb);
    free(c->eps);
    free(c->jsni);
    free(c->jreason);
    free(c->jroute);
    for (int i = 0; c->jeps && i < c->nep; i++) free(c->jeps[i]);
    free(c->jeps);
    if (c->table && --c->table->refs == 0) table_free(c->table);
    free(c);
    c = next;
  }
}

static void list_add(relay_t *r, conn_t *c) {
  c->prev = NULL;
  c->next = r->list;
  if (r->list) r->list->prev = c;
  r->list = c;
}

/* ---- native accept: the connection before it relays ---- */

static void connect_next(relay_t *r, conn_t *c);

/* Parses and routes natively when it can (1: dialing, or waiting for the rest of the first record); 0: JavaScript
 * decides from now on (all bytes so far go to it). */
static int native_route(relay_t *r, conn_t *c) {
  gw_t *g = c->gw;
  ntable_t *t = g->table;
  if (!t) return c->js_mode = 1, 0;
  char sni[256];
  size_t sl = 0;
  int v = hello_sni((const uint8_t *)c->hb, c->hlen, (size_t)__atomic_load_n(&g->max_hello, __ATOMIC_RELAXED), sni,
                    &sl);
  if (v < 0 && !c->heof) return 1;
  int ri = v > 0 ? table_lookup(t, sni, sl) : -1;
  nroute_t *rt = ri >= 0 ? &t->routes[ri] : NULL;
  if (!rt || rt->js_only || rt->nep == 0) return c->js_mode = 1, 0;
  /* Round robin: start at the cursor, wrap around; the cursor advances by one (RoundRobin.order). */
  uint32_t start = rt->rr % (uint32_t)rt->nep;
  rt->rr = (start + 1) % (uint32_t)rt->nep;
  c->eps = malloc((size_t)rt->nep * sizeof *c->eps);
  if (!c->eps) return c->js_mode = 1, 0;
  for (int k = 0; k < rt->nep; k++) c->eps[k] = rt->eps[(start + (uint32_t)k) % (uint32_t)rt->nep];
  memcpy(c->sni, sni, sl + 1);
  c->route_ctr = rt->ctr;
  c->route_eps = rt;
  c->route_start = start;
  c->table = t;
  t->refs++;
  c->nep = rt->nep;
  c->iep = 0;
  c->state = S_CONNECTING;
  set_atomic(&g->pending, g->pending - 1);
  c->connect_ms = (uint32_t)__atomic_load_n(&g->connect_ms, __ATOMIC_RELAXED);
  c->idle_ms = (uint32_t)__atomic_load_n(&g->idle_ms, __ATOMIC_RELAXED);
  connect_next(r, c);
  return 1;
}

/* Reads what the client sent (up to HELLO_MAX) and reports new bytes / end of stream to JavaScript. */
static void hello_read(relay_t *r, conn_t *c) {
  while (c->rd[0] && !c->heof && c->hlen < HELLO_MAX) {
    size_t want = HELLO_MAX - c->hlen;
    if (want > COPY_SIZE) want = COPY_SIZE;
    ssize_t n = read(c->fd[0], r->copy, want);
    if (n > 0) {
      char *nb = realloc(c->hb, c->hlen + (size_t)n); /* grows only by bytes received */
      if (!nb) {
        close_conn(r, c, R_CLIENT_ERR);
        return;
      }
      memcpy(nb + c->hlen, r->copy, (size_t)n);
      c->hb = nb;
      c->hlen += (size_t)n;
      /* A short read drained the socket (a later arrival raises a new edge), unless a FIN is already pending. */
      if ((size_t)n < want && !c->rdhup[0]) c->rd[0] = 0;
      continue;
    }
    if (n == 0) {
      c->heof = 1;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      c->rd[0] = 0;
      break;
    }
    close_conn(r, c, R_CLIENT_ERR);
    return;
  }
  if (c->hlen == c->hsent && c->heof == c->heof_sent) return;
  if (!c->js_mode && native_route(r, c)) return;
  event_t e = {.n = {EV_DATA, c->id, c->listener, c->start_wall, c->heof}};
  size_t n = c->hlen - c->hsent;
  if (n > 0) {
    e.buf = malloc(n);
    if (!e.buf) {
      close_conn(r, c, R_CLIENT_ERR);
      return;
    }
    memcpy(e.buf, c->hb + c->hsent, n);
    e.len = n;
  }
  c->hsent = c->hlen;
  c->heof_sent = c->heof;
  intro(c, &e);
  emit(r, c->gw, &e);
}

/* d[0] reads the client and writes the upstream, d[1] the other way. */
static void dirs_init(conn_t *c) {
  for (int i = 0; i < 2; i++) {
    c->d[i].in = c->fd[i];
    c->d[i].out = c->fd[1 - i];
    c->d[i].in_side = i;
  }
}

static void connected(relay_t *r, conn_t *c) {
  c->state = S_RELAY;
  c->d[0].buf = c->hb; /* everything read so far goes first, in order */
  c->d[0].off = 0;
  c->d[0].len = c->hlen;
  c->d[0].nread = c->hlen;
  c->hb = NULL;
  dirs_init(c);
  /* The upstream was registered (edge-triggered) before connect(2): anything it sends raises an edge, so reading
   * waits for one (no EAGAIN read now). */
  c->wr[1] = 1;
  c->last_ms = now_ms();
  ctr_bump(c->gw, &c->gw->rctr, &c->gw->nrctr, c->route_ctr);
  pump(r, c);
}

static socklen_t sa_len(const struct sockaddr_storage *ss) {
  return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* Dials the current endpoint, or the next ones after immediate failures; none left: connect-failed. */
static void connect_next(relay_t *r, conn_t *c) {
  static const int one = 1;
  while (c->iep < c->nep) {
    struct sockaddr_storage *sa = &c->eps[c->iep];
    int s = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s >= 0) {
      setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      int rc = connect(s, (struct sockaddr *)sa, sa_len(sa));
      if (rc == 0 || errno == EINPROGRESS) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = &c->ref[1]};
        if (epoll_ctl(r->ep, EPOLL_CTL_ADD, s, &ev) == 0) {
          c->fd[1] = s;
          c->rd[1] = c->wr[1] = 0;
          c->deadline = now_ms() + c->connect_ms;
          if (rc == 0) connected(r, c);
          return;
        }
      }
      close(s);
    }
    add_atomic(&c->gw->cfails, 1);
    c->iep++;
  }
  close_conn(r, c, R_CONNECT_FAILED);
}

static void connect_failed(relay_t *r, conn_t *c) {
  close(c->fd[1]);
  c->fd[1] = -1;
  add_atomic(&c->gw->cfails, 1);
  c->iep++;
  connect_next(r, c);
}

static void on_listen(relay_t *r, fdref_t *l) {
  gw_t *g = l->gw;
  for (int k = 0; k < ACCEPT_BATCH && l->fd >= 0; k++) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int fd = accept4(l->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        /* Out of descriptors: leave the rest in the backlog for a tick. */
        epoll_ctl(r->ep, EPOLL_CTL_DEL, l->fd, NULL);
        l->paused = 1;
        r->any_paused = 1;
      }
      return;
    }
    __atomic_add_fetch(&g->accepted, 1, __ATOMIC_RELAXED);
    double start = (double)wall_ms();
    char peer[64] = "";
    if (g->log_mode != LOG_OFF) {
      char a[INET6_ADDRSTRLEN] = "";
      unsigned port = 0;
      if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
        port = ntohs(s6->sin6_port);
      } else if (ss.ss_family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
        port = ntohs(s4->sin_port);
      }
      snprintf(peer, sizeof peer, "%s:%u", a, port);
    }
    int limit = -1;
    if (g->pending >= __atomic_load_n(&g->max_pending, __ATOMIC_RELAXED)) limit = R_LIMIT_PENDING;
    else if (g->live >= __atomic_load_n(&g->max_conns, __ATOMIC_RELAXED)) limit = R_LIMIT_CONNS;
    conn_t *c = limit < 0 ? calloc(1, sizeof *c) : NULL;
    if (c && slot_alloc(r, c) < 0) {
      free(c);
      c = NULL;
    }
    if (!c) {
      close(fd);
      int why = limit < 0 ? R_LIMIT_CONNS : limit;
      ctr_bump(g, &g->xctr, &g->nxctr, why);
      if (g->log_mode == LOG_NATIVE) {
        logrec_t lr = {.start = start,
                       .jlistener = l->idx < g->nljson ? g->ljson[l->idx] : "\"\"",
                       .client = peer,
                       .client_len = strlen(peer),
                       .duration_ms = wall_ms() - (int64_t)start,
                       .jreason = REASON_JSON[why]};
        log_rec(r, g, &lr);
      } else if (g->log_mode == LOG_JS) {
        event_t e = {.n = {EV_CLOSED, -1, why, 0, 0, -1, l->idx, start}};
        memcpy(e.peer, peer, sizeof peer);
        emit(r, g, &e);
      }
      continue;
    }
    c->gw = g;
    c->state = S_HELLO;
    c->listener = l->idx;
    c->start_wall = start;
    c->reason_ctr = c->route_ctr = -1;
    memcpy(c->peer, peer, sizeof peer);
    c->fd[0] = fd;
    c->fd[1] = -1;
    for (int i = 0; i < 2; i++) {
      c->ref[i].c = c;
      c->ref[i].side = i;
      c->d[i].pr = c->d[i].pw = -1;
    }
    c->rd[0] = c->wr[0] = 1;
    c->deadline = now_ms() + __atomic_load_n(&g->hello_ms, __ATOMIC_RELAXED);
    /* TCP_NODELAY is inherited from the listening socket (set in gwListen). */
    list_add(r, c);
    set_atomic(&g->live, g->live + 1);
    set_atomic(&g->pending, g->pending + 1);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = &c->ref[0]};
    if (epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
      close_conn(r, c, R_CLIENT_ERR);
      continue;
    }
    hello_read(r, c);
  }
}

static void on_conn_event(relay_t *r, fdref_t *f, uint32_t e) {
  conn_t *c = f->c;
  if (c->closed) return;
  if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c->rd[f->side] = 1;
  if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) c->wr[f->side] = 1;
  if (e & (EPOLLRDHUP | EPOLLHUP)) c->rdhup[f->side] = 1;
  int err = 0;
  if (e & EPOLLERR) {
    socklen_t len = sizeof err;
    getsockopt(c->fd[f->side], SOL_SOCKET, SO_ERROR, &err, &len);
  }
  if (c->state == S_HELLO) {
    if (err) close_conn(r, c, R_CLIENT_ERR);
    else if (c->rd[0]) hello_read(r, c);
    return;
  }
  if (c->state == S_CONNECTING) {
    if (f->side == 0) {
      if (err) close_conn(r, c, R_CLIENT_ERR);
      return; /* bytes after the hello stay in the kernel until the relay reads them */
    }
    if (err || (e & EPOLLHUP)) connect_failed(r, c);
    else if (e & EPOLLOUT) connected(r, c);
    return;
  }
  if (err) {
    close_conn(r, c, f->side == 0 ? R_CLIENT_ERR : R_UPSTREAM_ERR);
    return;
  }
  pump(r, c);
}

static void run_cmds(relay_t *r, cmd_t *cmds) {
  while (cmds) {
    cmd_t *next = cmds->next;
    conn_t *c = NULL;
    switch (cmds->kind) {
      case C_CLOSE:
        c = slot_get(r, cmds->id);
        if (c && c->gw == cmds->gw && c->state == S_HELLO) {
          c->jreason = cmds->jreason;
          cmds->jreason = NULL;
          c->reason_ctr = cmds->ctr;
          c->jsni = cmds->jsni;
          cmds->jsni = NULL;
          close_conn(r, c, R_CLIENT_CLOSED);
        }
        break;
      case C_CONNECT:
        c = slot_get(r, cmds->id);
        if (c && c->gw == cmds->gw && c->state == S_HELLO) {
          c->state = S_CONNECTING;
          set_atomic(&c->gw->pending, c->gw->pending - 1);
          c->eps = cmds->eps;
          cmds->eps = NULL;
          c->jsni = cmds->jsni;
          cmds->jsni = NULL;
          c->jroute = cmds->jroute;
          cmds->jroute = NULL;
          c->jeps = cmds->jeps;
          cmds->jeps = NULL;
          c->route_ctr = cmds->ctr;
          c->nep = cmds->nep;
          c->iep = 0;
          c->connect_ms = cmds->connect_ms;
          c->idle_ms = cmds->idle_ms;
          connect_next(r, c);
        }
        break;
      case C_STOP:
        pthread_mutex_lock(&r->mu);
        for (fdref_t *l = r->listeners; l; l = l->lnext) {
          if (l->gw != cmds->gw || l->fd < 0) continue;
          close(l->fd); /* also leaves the epoll set */
          l->fd = -1;
        }
        pthread_mutex_unlock(&r->mu);
        break;
      case C_TABLE: {
        gw_t *g = cmds->gw;
        ntable_t *old = g->table, *t = cmds->table;
        cmds->table = NULL;
        /* Round-robin cursors continue across reloads (by route key). */
        for (int i = 0; t && old && i < t->nroutes; i++)
          for (int k = 0; k < old->nroutes; k++)
            if (strcmp(t->routes[i].key, old->routes[k].key) == 0) t->routes[i].rr = old->routes[k].rr;
        if (t) t->refs++;
        g->table = t;
        if (old && --old->refs == 0) table_free(old);
        break;
      }
      case C_ABORT_ALL:
        for (conn_t *x = r->list; x;) {
          conn_t *xn = x->next;
          if (x->gw == cmds->gw) close_conn(r, x, x->state == S_RELAY ? R_ABORT : R_CLIENT_CLOSED);
          x = xn;
        }
        break;
    }
    free(cmds->eps);
    table_free(cmds->table);
    free(cmds->jreason);
    free(cmds->jsni);
    free(cmds->jroute);
    for (int i = 0; cmds->jeps && i < cmds->nep; i++) free(cmds->jeps[i]);
    free(cmds->jeps);
    free(cmds);
    cmds = next;
  }
}

static void on_wake(relay_t *r) {
  uint64_t v;
  while (read(r->evfd, &v, sizeof v) > 0) {
  }
  pthread_mutex_lock(&r->mu);
  r->wake_pending = 0;
  conn_t *in = r->incoming;
  r->incoming = NULL;
  cmd_t *cmds = r->cmds;
  r->cmds = r->cmds_tail = NULL;
  pthread_mutex_unlock(&r->mu);
  run_cmds(r, cmds);
  /* Oldest first (the queue is LIFO). */
  conn_t *rev = NULL;
  while (in) {
    conn_t *n = in->q_next;
    in->q_next = rev;
    rev = in;
    in = n;
  }
  for (conn_t *c = rev; c;) {
    conn_t *n = c->q_next;
    list_add(r, c);
    c->last_ms = now_ms();
    int ok = 1;
    for (int i = 0; i < 2; i++) {
      struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = &c->ref[i]};
      if (epoll_ctl(r->ep, EPOLL_CTL_ADD, c->fd[i], &ev) < 0) ok = 0;
    }
    c->live = 1;
    if (!ok) close_conn(r, c, R_CLIENT_ERR);
    else if (c->abort_pending) close_conn(r, c, R_ABORT);
    else pump(r, c);
    c = n;
  }
  pthread_mutex_lock(&r->mu);
  for (conn_t *c = r->aborts; c;) {
    conn_t *n = c->a_next;
    c->a_next = NULL;
    c->in_abort = 0;
    if (c->live) close_conn(r, c, R_ABORT);
    else c->abort_pending = 1;
    c = n;
  }
  r->aborts = NULL;
  pthread_mutex_unlock(&r->mu);
}

static void sweep(relay_t *r, int64_t t) {
  for (conn_t *c = r->list; c;) {
    conn_t *next = c->next;
    if (c->state == S_HELLO) {
      if (t >= c->deadline) close_conn(r, c, R_HELLO_TIMEOUT);
    } else if (c->state == S_CONNECTING) {
      if (t >= c->deadline) connect_failed(r, c);
    } else if (c->idle_ms && t - c->last_ms >= c->idle_ms) {
      close_conn(r, c, R_IDLE);
    }
    c = next;
  }
  if (r->any_paused) {
    r->any_paused = 0;
    pthread_mutex_lock(&r->mu);
    for (fdref_t *l = r->listeners; l; l = l->lnext) {
      if (!l->paused || l->fd < 0) continue;
      l->paused = 0;
      struct epoll_event ev = {.events = EPOLLIN, .data.ptr = l};
      if (epoll_ctl(r->ep, EPOLL_CTL_ADD, l->fd, &ev) < 0) {
        l->paused = 1;
        r->any_paused = 1;
      }
    }
    pthread_mutex_unlock(&r->mu);
  }
}

/* Writes every gateway's batched access-log lines that are due. */
static void flush_logs(relay_t *r, int64_t t) {
  r->log_due = 0;
  pthread_mutex_lock(&r->mu);
  gw_t *gs = r->gws;
  pthread_mutex_unlock(&r->mu);
  for (gw_t *g = gs; g; g = g->gnext) {
    if (!g->ldue) continue;
    if (t >= g->ldue) {
      pthread_mutex_lock(&g->lmu);
      log_write_locked(g);
      int left = g->llen > 0;
      pthread_mutex_unlock(&g->lmu);
      g->ldue = left ? t + LOG_FLUSH_MS : 0; /* a full pipe: try again later */
    }
    if (g->ldue && (!r->log_due || g->ldue < r->log_due)) r->log_due = g->ldue;
  }
}

static void *thread_main(void *arg) {
  relay_t *r = arg;
  struct epoll_event evs[256];
  int64_t last_sweep = now_ms();
  for (;;) {
    int timeout = TICK_MS;
    if (r->dirty || r->log_due) {
      int64_t due = r->dirty && r->log_due ? (r->flush_at < r->log_due ? r->flush_at : r->log_due)
                    : r->dirty         ? r->flush_at
                                       : r->log_due;
      int64_t wait = due - now_ms();
      timeout = wait <= 0 ? 0 : wait < TICK_MS ? (int)wait : TICK_MS;
    }
    int n = epoll_wait(r->ep, evs, 256, timeout);
    for (int i = 0; i < n; i++) {
      fdref_t *f = evs[i].data.ptr;
      if (f == NULL) on_wake(r);
      else if (f->c == NULL) on_listen(r, f);
      else on_conn_event(r, f, evs[i].events);
    }
    int64_t t = now_ms();
    if (t - last_sweep >= TICK_MS) {
      last_sweep = t;
      sweep(r, t);
    }
    free_grave(r);
    if (r->log_due && t >= r->log_due) flush_logs(r, t);
    if (r->dirty) flush_gws(r, t);
    if (r->done) flush_done(r);
  }
  return NULL;
}

/* JS thread: report one finished connection, then free it. */
static void call_js(napi_env env, napi_value cb, void *context, void *data) {
  relay_t *r = context;
  conn_t *c = data;
  if (env != NULL && cb != NULL) {
    napi_value args[4], undef;
    napi_create_double(env, c->id, &args[0]);
    napi_create_double(env, (double)c->d[0].nread, &args[1]);
    napi_create_double(env, (double)c->d[1].nwritten, &args[2]);
    napi_create_int32(env, c->reason, &args[3]);
    napi_get_undefined(env, &undef);
    napi_call_function(env, undef, cb, 4, args, NULL);
  }
  pthread_mutex_lock(&r->mu);
  if (c->in_abort) {
    conn_t **p = &r->aborts;
    while (*p && *p != c) p = &(*p)->a_next;
    if (*p) *p = c->a_next;
  }
  pthread_mutex_unlock(&r->mu);
  free(c);
  if (env != NULL && --r->active == 0) napi_unref_threadsafe_function(env, r->tsfn);
}

static napi_value throw_err(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static relay_t *get_relay(napi_env env) {
  void *p = NULL;
  napi_get_instance_data(env, &p);
  return p;
}

static void relay_finalize(napi_env env, void *data, void *hint) { /* the thread lives as long as the process */ }

static relay_t *ensure_relay(napi_env env) {
  relay_t *r = get_relay(env);
  if (r == NULL) {
    r = calloc(1, sizeof *r);
    if (!r) return NULL;
    pthread_mutex_init(&r->mu, NULL);
    r->ep = r->evfd = -1;
    napi_set_instance_data(env, r, relay_finalize, NULL);
  }
  return r;
}

static napi_value js_init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], name;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  relay_t *r = ensure_relay(env);
  if (!r) return throw_err(env, "out of memory");
  if (r->tsfn) return throw_err(env, "already initialised");
  napi_create_string_utf8(env, "meshcc-relay", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, NULL, NULL, r, call_js, &r->tsfn) != napi_ok)
    return throw_err(env, "napi_create_threadsafe_function failed");
  napi_unref_threadsafe_function(env, r->tsfn);
  return NULL;
}

static int start_thread(relay_t *r) {
  if (r->started) return 0;
  r->ep = epoll_create1(EPOLL_CLOEXEC);
  r->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  r->copy = malloc(COPY_SIZE);
  if (r->ep < 0 || r->evfd < 0 || !r->copy) return -1;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (epoll_ctl(r->ep, EPOLL_CTL_ADD, r->evfd, &ev) < 0) return -1;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  int e = pthread_create(&r->th, &attr, thread_main, r);
  pthread_attr_destroy(&attr);
  if (e) return -1;
  pthread_setname_np(r->th, "meshcc-relay");
  r->started = 1;
  return 0;
}

/* Wakes the thread (caller holds r->mu; unlocks it). */
static void wake(relay_t *r) {
  int w = !r->wake_pending;
  r->wake_pending = 1;
  pthread_mutex_unlock(&r->mu);
  uint64_t one = 1;
  if (w) (void)!write(r->evfd, &one, sizeof one);
}

static int copy_buffer(napi_env env, napi_value v, dir_t *d) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_undefined || t == napi_null) return 0;
  bool is_buf = false;
  napi_is_buffer(env, v, &is_buf);
  if (!is_buf) return -1;
  void *data;
  size_t len;
  napi_get_buffer_info(env, v, &data, &len);
  if (len == 0) return 0;
  d->buf = malloc(len);
  if (!d->buf) return -1;
  memcpy(d->buf, data, len);
  d->len = len;
  return 0;
}

static napi_value js_relay(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  relay_t *r = get_relay(env);
  if (!r || !r->tsfn) return throw_err(env, "init() first");
  if (argc < 6) return throw_err(env, "relay(clientFd, upstreamFd, toUpstream, toClient, idleMs, id)");
  int32_t cfd, ufd;
  uint32_t idle;
  double id;
  if (napi_get_value_int32(env, argv[0], &cfd) != napi_ok || napi_get_value_int32(env, argv[1], &ufd) != napi_ok ||
      napi_get_value_uint32(env, argv[4], &idle) != napi_ok || napi_get_value_double(env, argv[5], &id) != napi_ok)
    return throw_err(env, "bad arguments");
  if (start_thread(r) < 0) return throw_err(env, "cannot start the relay thread");
  conn_t *c = calloc(1, sizeof *c);
  if (!c) return throw_err(env, "out of memory");
  c->id = id;
  c->idle_ms = idle;
  for (int i = 0; i < 2; i++) {
    c->ref[i].c = c;
    c->ref[i].side = i;
    c->rd[i] = c->wr[i] = 1;
    c->d[i].pr = c->d[i].pw = -1;
  }
  c->fd[0] = fcntl(cfd, F_DUPFD_CLOEXEC, 0);
  c->fd[1] = c->fd[0] >= 0 ? fcntl(ufd, F_DUPFD_CLOEXEC, 0) : -1;
  if (c->fd[0] < 0 || c->fd[1] < 0 || copy_buffer(env, argv[2], &c->d[0]) < 0 ||
      copy_buffer(env, argv[3], &c->d[1]) < 0) {
    if (c->fd[0] >= 0) close(c->fd[0]);
    if (c->fd[1] >= 0) close(c->fd[1]);
    free(c->d[0].buf);
    free(c->d[1].buf);
    free(c);
    return throw_err(env, "cannot hand over the sockets");
  }
  for (int i = 0; i < 2; i++) {
    int fl = fcntl(c->fd[i], F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK)) fcntl(c->fd[i], F_SETFL, fl | O_NONBLOCK);
  }
  dirs_init(c);
  if (r->active++ == 0) napi_ref_threadsafe_function(env, r->tsfn);
  pthread_mutex_lock(&r->mu);
  c->q_next = r->incoming;
  r->incoming = c;
  wake(r); /* unlocks */
  napi_value ext;
  napi_create_external(env, c, NULL, NULL, &ext);
  return ext;
}

static napi_value js_abort(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  relay_t *r = get_relay(env);
  void *p = NULL;
  if (!r || argc < 1 || napi_get_value_external(env, argv[0], &p) != napi_ok || !p) return NULL;
  conn_t *c = p;
  pthread_mutex_lock(&r->mu);
  if (!c->in_abort) {
    c->in_abort = 1;
    c->a_next = r->aborts;
    r->aborts = c;
  }
  wake(r); /* unlocks */
  return NULL;
}

/* ---- native accept: JavaScript side ---- */

/* JS thread: delivers every event queued since the last call, in one call. */
static void gw_call_js(napi_env env, napi_value cb, void *context, void *data) {
  gw_t *g = context;
  pthread_mutex_lock(&g->mu);
  event_t *ev = g->out;
  size_t n = g->nout, cap = g->cap;
  g->out = g->spare;
  g->cap = g->spare_cap;
  g->nout = 0;
  g->signalled = 0;
  pthread_mutex_unlock(&g->mu);
  if (env != NULL && cb != NULL && n > 0) {
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value ab, nums, objs, bytes, undef, args[3];
    void *mem = NULL, *bmem = NULL;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += ev[i].len;
    /* All new bytes of the batch in one Buffer (one allocation, not one per connection). */
    napi_create_buffer(env, total, &bmem, &bytes);
    size_t off = 0;
    napi_create_arraybuffer(env, n * 8 * sizeof(double), &mem, &ab);
    napi_create_typedarray(env, napi_float64_array, n * 8, ab, 0, &nums);
    napi_create_array_with_length(env, n * 2, &objs);
    double *d = mem;
    for (size_t i = 0; i < n; i++) {
      memcpy(d + i * 8, ev[i].n, sizeof ev[i].n);
      if (ev[i].peer[0]) {
        napi_value s;
        napi_create_string_latin1(env, ev[i].peer, NAPI_AUTO_LENGTH, &s);
        napi_set_element(env, objs, (uint32_t)(i * 2), s);
      }
      if (ev[i].info) {
        napi_value s;
        napi_create_string_latin1(env, ev[i].info, NAPI_AUTO_LENGTH, &s);
        napi_set_element(env, objs, (uint32_t)(i * 2 + 1), s);
      }
      if (ev[i].buf && bmem) {
        memcpy((char *)bmem + off, ev[i].buf, ev[i].len);
        d[i * 8 + 5] = (double)off;
        d[i * 8 + 6] = (double)ev[i].len;
        off += ev[i].len;
      }
    }
    args[0] = nums;
    args[1] = objs;
    args[2] = bytes;
    napi_get_undefined(env, &undef);
    napi_call_function(env, undef, cb, 3, args, NULL);
    napi_close_handle_scope(env, scope);
  }
  for (size_t i = 0; i < n; i++) {
    free(ev[i].buf);
    free(ev[i].info);
  }
  g->spare = ev;
  g->spare_cap = cap;
}

static gw_t *get_gw(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}



static void push_cmd(relay_t *r, cmd_t *c) {
  pthread_mutex_lock(&r->mu);
  c->next = NULL;
  if (r->cmds_tail) r->cmds_tail->next = c;
  else r->cmds = c;
  r->cmds_tail = c;
  wake(r); /* unlocks */
}

static napi_value js_gw_create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], name, ext;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return throw_err(env, "gwCreate(onEvents, logMode)");
  relay_t *r = ensure_relay(env);
  if (!r || start_thread(r) < 0) return throw_err(env, "cannot start the relay thread");
  gw_t *g = calloc(1, sizeof *g);
  if (!g) return throw_err(env, "out of memory");
  g->r = r;
  pthread_mutex_init(&g->mu, NULL);
  pthread_mutex_init(&g->cmu, NULL);
  pthread_mutex_init(&g->lmu, NULL);
  g->lfd = -1;
  g->iso_sec = INT64_MIN;
  int32_t mode = LOG_JS;
  bool logp = true;
  if (napi_get_value_int32(env, argv[1], &mode) != napi_ok)
    mode = napi_get_value_bool(env, argv[1], &logp) == napi_ok && !logp ? LOG_OFF : LOG_JS;
  /* LOG_NATIVE starts with gwLog; until then nothing is logged. */
  g->log_mode = mode == LOG_JS ? LOG_JS : LOG_OFF;
  g->hello_ms = 5000;
  g->max_pending = 2000;
  g->max_conns = 20000;
  g->max_hello = 16384;
  g->connect_ms = 5000;
  g->idle_ms = 3600000;
  napi_create_string_utf8(env, "meshcc-accept", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, NULL, NULL, g, gw_call_js, &g->tsfn) != napi_ok) {
    free(g);
    return throw_err(env, "napi_create_threadsafe_function failed");
  }
  napi_unref_threadsafe_function(env, g->tsfn);
  pthread_mutex_lock(&r->mu);
  g->gnext = r->gws;
  r->gws = g;
  pthread_mutex_unlock(&r->mu);
  napi_create_external(env, g, NULL, NULL, &ext);
  return ext;
}

/* JSON string argument (already encoded by JavaScript's JSON.stringify) as a malloc'd C string; NULL if not a
 * string. */
static char *get_str_n(napi_env env, napi_value v, size_t *n) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (s) napi_get_value_string_utf8(env, v, s, len + 1, &len);
  if (n) *n = len;
  return s;
}

static char *get_str_v(napi_env env, napi_value v) { return get_str_n(env, v, NULL); }

/* gwLog(gw, path | null (stdout), listenerNamesJson: string[]): this thread writes the access log from now on. Call
 * before gwListen. Throws (with .code) if the file cannot be opened. */
static napi_value js_gw_log(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  gw_t *g = argc >= 3 ? get_gw(env, argv[0]) : NULL;
  uint32_t nl = 0;
  if (!g || napi_get_array_length(env, argv[2], &nl) != napi_ok)
    return throw_err(env, "gwLog(gw, path, listenerNames)");
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  int fd, own = 0;
  if (t == napi_string) {
    char *path = get_str_v(env, argv[1]);
    if (!path) return throw_err(env, "out of memory");
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
      int e = errno;
      char msg[512];
      snprintf(msg, sizeof msg, "cannot open the access log %s: %s", path, strerror(e));
      free(path);
      napi_throw_error(env, e == EACCES ? "EACCES" : e == ENOENT ? "ENOENT" : "EIO", msg);
      return NULL;
    }
    free(path);
    own = 1;
  } else {
    fd = 1; /* stdout, shared with the process */
  }
  char **names = calloc(nl ? nl : 1, sizeof *names);
  for (uint32_t i = 0; names && i < nl; i++) {
    napi_value v;
    napi_get_element(env, argv[2], i, &v);
    names[i] = get_str_v(env, v);
    if (!names[i]) names[i] = strdup("\"\"");
  }
  pthread_mutex_lock(&g->lmu);
  g->lfd = fd;
  g->lfd_own = own;
  g->ljson = names;
  g->nljson = names ? (int)nl : 0;
  pthread_mutex_unlock(&g->lmu);
  g->log_mode = LOG_NATIVE;
  return NULL;
}

/* gwLogClose(gw): writes every batched line (waiting for a full pipe up to 2 s) and stops logging. */
static napi_value js_gw_log_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  gw_t *g = argc >= 1 ? get_gw(env, argv[0]) : NULL;
  if (!g) return throw_err(env, "bad gateway handle");
  pthread_mutex_lock(&g->lmu);
  for (int i = 0; i < 200 && g->llen > 0 && g->lfd >= 0; i++) {
    log_write_locked(g);
    if (g->llen > 0) {
      struct timespec ts = {0, 10 * 1000000};
      nanosleep(&ts, NULL);
    }
  }
  g->llen = 0;
  if (g->lfd >= 0 && g->lfd_own) close(g->lfd);
  g->lfd = -1;
  pthread_mutex_unlock(&g->lmu);
  return NULL;
}

/* gwStats(gw) -> [accepted, live, pending, bytesIn, bytesOut, connectFailures, nRoutes, ...route counts by index,
 * nReasons, ...close counts by index]. */
static napi_value js_gw_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], arr, v;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  gw_t *g = argc >= 1 ? get_gw(env, argv[0]) : NULL;
  if (!g) return throw_err(env, "bad gateway handle");
  napi_create_array(env, &arr);
  uint32_t k = 0;
#define PUSH(x)                                                                                                        \
  do {                                                                                                                 \
    napi_create_double(env, (double)(x), &v);                                                                          \
    napi_set_element(env, arr, k++, v);                                                                                \
  } while (0)
  pthread_mutex_lock(&g->cmu);
  PUSH(__atomic_load_n(&g->accepted, __ATOMIC_RELAXED));
  PUSH(__atomic_load_n(&g->live, __ATOMIC_RELAXED));
  PUSH(__atomic_load_n(&g->pending, __ATOMIC_RELAXED));
  PUSH(__atomic_load_n(&g->bytes_in, __ATOMIC_RELAXED));
  PUSH(__atomic_load_n(&g->bytes_out, __ATOMIC_RELAXED));
  PUSH(__atomic_load_n(&g->cfails, __ATOMIC_RELAXED));
  PUSH(g->nrctr);
  for (uint32_t i = 0; i < g->nrctr; i++) PUSH(__atomic_load_n(&g->rctr[i], __ATOMIC_RELAXED));
  PUSH(g->nxctr);
  for (uint32_t i = 0; i < g->nxctr; i++) PUSH(__atomic_load_n(&g->xctr[i], __ATOMIC_RELAXED));
  pthread_mutex_unlock(&g->cmu);
#undef PUSH
  return arr;
}

/* Test hook: formatAccess(start, listenerJson, client, sni | null, sniJson | null, routeJson | null,
 * upstreamJson | null, bytesIn, bytesOut, durationMs, reasonJson) -> the line the native log writes. */
static napi_value js_format_access(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11], out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 11) return throw_err(env, "formatAccess(...11 arguments)");
  double start = 0, bin = 0, bout = 0, dur = 0;
  napi_get_value_double(env, argv[0], &start);
  napi_get_value_double(env, argv[7], &bin);
  napi_get_value_double(env, argv[8], &bout);
  napi_get_value_double(env, argv[9], &dur);
  char *s[6];
  size_t sl[6] = {0};
  for (int i = 0; i < 6; i++) s[i] = get_str_n(env, argv[i + 1], &sl[i]);
  char *reason = get_str_v(env, argv[10]);
  logrec_t l = {.start = start,
                .jlistener = s[0] ? s[0] : "\"\"",
                .client = s[1] ? s[1] : "",
                .client_len = sl[1],
                .sni = s[2],
                .sni_len = sl[2],
                .jsni = s[3],
                .jroute = s[4],
                .jup = s[5],
                .bytes_in = (uint64_t)bin,
                .bytes_out = (uint64_t)bout,
                .duration_ms = (int64_t)dur,
                .jreason = reason ? reason : "\"\""};
  char *buf = malloc(logrec_max(&l));
  int64_t sec = INT64_MIN;
  char iso[48];
  size_t n = buf ? (size_t)(logrec_format(buf, &l, &sec, iso) - buf) : 0;
  napi_create_string_utf8(env, buf ? buf : "", n, &out);
  free(buf);
  for (int i = 0; i < 6; i++) free(s[i]);
  free(reason);
  return out;
}

/* An IP address and port as a socket address; 0 if `ip` is not an IP address. */
static int parse_ip(const char *ip, uint16_t port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    return 1;
  }
  if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    return 1;
  }
  return 0;
}

static napi_value js_gw_listen(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  gw_t *g = argc >= 5 ? get_gw(env, argv[0]) : NULL;
  if (!g) return throw_err(env, "gwListen(gw, ip, port, index, reusePort)");
  char ip[64];
  size_t iplen = 0;
  uint32_t port = 0;
  int32_t idx = 0;
  bool reuse = false;
  if (napi_get_value_string_utf8(env, argv[1], ip, sizeof ip, &iplen) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &port) != napi_ok || napi_get_value_int32(env, argv[3], &idx) != napi_ok ||
      napi_get_value_bool(env, argv[4], &reuse) != napi_ok || port > 65535)
    return throw_err(env, "bad arguments");
  struct sockaddr_storage ss;
  if (!parse_ip(ip, (uint16_t)port, &ss)) return throw_err(env, "not an IP address");
  static const int one = 1, zero = 0;
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const char *what = "socket";
  if (fd >= 0) {
    what = "bind";
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* accepted sockets inherit it */
    if (reuse) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    if (bind(fd, (struct sockaddr *)&ss, sa_len(&ss)) == 0) {
      what = "listen";
      if (listen(fd, 4096) == 0) what = NULL;
    }
  }
  if (what) {
    int e = errno;
    if (fd >= 0) close(fd);
    char code[32], msg[160];
    snprintf(code, sizeof code, "%s", e == EADDRINUSE ? "EADDRINUSE" : e == EACCES ? "EACCES" : e == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : "EIO");
    snprintf(msg, sizeof msg, "%s %s %s:%u: %s", what, code, ip, port, strerror(e));
    napi_throw_error(env, code, msg);
    return NULL;
  }
  struct sockaddr_storage b;
  socklen_t bl = sizeof b;
  getsockname(fd, (struct sockaddr *)&b, &bl);
  uint32_t bound = ntohs(b.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&b)->sin6_port
                                                 : ((struct sockaddr_in *)&b)->sin_port);
  fdref_t *l = calloc(1, sizeof *l);
  if (!l) {
    close(fd);
    return throw_err(env, "out of memory");
  }
  l->gw = g;
  l->fd = fd;
  l->idx = idx;
  relay_t *r = g->r;
  pthread_mutex_lock(&r->mu);
  l->lnext = r->listeners;
  r->listeners = l;
  pthread_mutex_unlock(&r->mu);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = l};
  epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev);
  napi_create_uint32(env, bound, &out);
  return out;
}

static napi_value js_gw_configure(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  gw_t *g = argc >= 7 ? get_gw(env, argv[0]) : NULL;
  int32_t v[6];
  for (int i = 0; g && i < 6; i++)
    if (napi_get_value_int32(env, argv[i + 1], &v[i]) != napi_ok) g = NULL;
  if (!g) return throw_err(env, "gwConfigure(gw, helloMs, maxPending, maxConnections, maxHello, connectMs, idleMs)");
  set_atomic(&g->hello_ms, v[0]);
  set_atomic(&g->max_pending, v[1]);
  set_atomic(&g->max_conns, v[2]);
  set_atomic(&g->max_hello, v[3]);
  set_atomic(&g->connect_ms, v[4]);
  set_atomic(&g->idle_ms, v[5]);
  return NULL;
}

static double num_at(napi_env env, napi_value arr, uint32_t i) {
  napi_value v;
  double d = -1;
  if (napi_get_element(env, arr, i, &v) == napi_ok) napi_get_value_double(env, v, &d);
  return d;
}

static napi_value js_gw_commit(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  gw_t *g = argc >= 2 ? get_gw(env, argv[0]) : NULL;
  uint32_t len = 0;
  if (!g || napi_get_array_length(env, argv[1], &len) != napi_ok) return throw_err(env, "gwCommit(gw, cmds)");
  cmd_t *head = NULL, *tail = NULL;
  uint32_t i = 0;
  while (i + 1 < len) {
    int kind = (int)num_at(env, argv[1], i);
    cmd_t *c = calloc(1, sizeof *c);
    if (!c) break;
    c->gw = g;
    c->kind = kind;
    c->id = num_at(env, argv[1], i + 1);
    i += 2;
    if (kind == C_CLOSE) {
      /* [1, id, reason counter, reason JSON, SNI JSON | ""] */
      if (i + 3 > len) {
        free(c);
        break;
      }
      napi_value v;
      c->ctr = (int)num_at(env, argv[1], i);
      napi_get_element(env, argv[1], i + 1, &v);
      c->jreason = get_str_v(env, v);
      napi_get_element(env, argv[1], i + 2, &v);
      c->jsni = get_str_v(env, v);
      if (c->jsni && !c->jsni[0]) {
        free(c->jsni);
        c->jsni = NULL;
      }
      i += 3;
    } else if (kind == C_CONNECT) {
      /* [2, id, connectMs, idleMs, SNI JSON, route counter, route JSON, n, (ip, port, upstream JSON) * n] */
      if (i + 6 > len) {
        free(c);
        break;
      }
      c->connect_ms = (uint32_t)num_at(env, argv[1], i);
      c->idle_ms = (uint32_t)num_at(env, argv[1], i + 1);
      napi_value v;
      napi_get_element(env, argv[1], i + 2, &v);
      c->jsni = get_str_v(env, v);
      c->ctr = (int)num_at(env, argv[1], i + 3);
      napi_get_element(env, argv[1], i + 4, &v);
      c->jroute = get_str_v(env, v);
      int n = (int)num_at(env, argv[1], i + 5);
      i += 6;
      if (n < 0 || i + 3 * (uint32_t)n > len) {
        free(c->jsni);
        free(c->jroute);
        free(c);
        break;
      }
      c->eps = calloc(n > 0 ? (size_t)n : 1, sizeof *c->eps);
      c->jeps = calloc(n > 0 ? (size_t)n : 1, sizeof *c->jeps);
      for (int k = 0; k < n && c->eps && c->jeps; k++, i += 3) {
        napi_value v;
        char ip[64] = "";
        size_t l = 0;
        napi_get_element(env, argv[1], i, &v);
        napi_get_value_string_utf8(env, v, ip, sizeof ip, &l);
        uint16_t port = (uint16_t)num_at(env, argv[1], i + 1);
        if (parse_ip(ip, port, &c->eps[c->nep])) {
          napi_get_element(env, argv[1], i + 2, &v);
          c->jeps[c->nep++] = get_str_v(env, v);
        }
      }
    } else {
      free(c);
      break;
    }
    if (tail) tail->next = c;
    else head = c;
    tail = c;
  }
  if (!head) return NULL;
  relay_t *r = g->r;
  pthread_mutex_lock(&r->mu);
  if (r->cmds_tail) r->cmds_tail->next = head;
  else r->cmds = head;
  r->cmds_tail = tail;
  wake(r); /* unlocks */
  return NULL;
}

static napi_value gw_simple_cmd(napi_env env, napi_callback_info info, int kind) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  gw_t *g = argc >= 1 ? get_gw(env, argv[0]) : NULL;
  if (!g) return throw_err(env, "bad gateway handle");
  cmd_t *c = calloc(1, sizeof *c);
  if (!c) return throw_err(env, "out of memory");
  c->kind = kind;
  c->gw = g;
  push_cmd(g->r, c);
  return NULL;
}

/* Stops accepting at once, as net.Server#close does on the JS path: shutdown(2) here turns the listening sockets away
 * from new connections (refused) before this call returns; the relay thread closes them when it runs C_STOP. */
static napi_value js_gw_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  gw_t *g = argc >= 1 ? get_gw(env, argv[0]) : NULL;
  if (g) {
    pthread_mutex_lock(&g->r->mu);
    for (fdref_t *l = g->r->listeners; l; l = l->lnext)
      if (l->gw == g && l->fd >= 0) shutdown(l->fd, SHUT_RDWR);
    pthread_mutex_unlock(&g->r->mu);
  }
  return gw_simple_cmd(env, info, C_STOP);
}
static napi_value js_gw_abort_all(napi_env env, napi_callback_info info) {
  return gw_simple_cmd(env, info, C_ABORT_ALL);
}

static napi_value js_gw_counts(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], arr, v;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  gw_t *g = argc >= 1 ? get_gw(env, argv[0]) : NULL;
  if (!g) return throw_err(env, "bad gateway handle");
  napi_create_array_with_length(env, 3, &arr);
  napi_create_double(env, (double)__atomic_load_n(&g->accepted, __ATOMIC_RELAXED), &v);
  napi_set_element(env, arr, 0, v);
  napi_create_int32(env, __atomic_load_n(&g->live, __ATOMIC_RELAXED), &v);
  napi_set_element(env, arr, 1, v);
  napi_create_int32(env, __atomic_load_n(&g->pending, __ATOMIC_RELAXED), &v);
  napi_set_element(env, arr, 2, v);
  return arr;
}

static napi_value js_gw_ref(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  gw_t *g = argc >= 2 ? get_gw(env, argv[0]) : NULL;
  bool on = false;
  if (!g || napi_get_value_bool(env, argv[1], &on) != napi_ok) return throw_err(env, "gwRef(gw, on)");
  if (on) napi_ref_threadsafe_function(env, g->tsfn);
  else napi_unref_threadsafe_function(env, g->tsfn);
  return NULL;
}

/* Element i of an array as a malloc'd C string; NULL if not a string. */
static char *get_str(napi_env env, napi_value arr, uint32_t i) {
  napi_value v;
  return napi_get_element(env, arr, i, &v) == napi_ok ? get_str_v(env, v) : NULL;
}


/* gwRoutes(gw, trustDomain, datacenter, routes: [key, n, address, port, ...], local: [sni, route, ...],
 *          remote: [dc, route, ...], wild?: [suffix, route, ...]) -- all names lower-case, as RouteTable holds them. */
static napi_value js_gw_routes(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  gw_t *g = argc >= 6 ? get_gw(env, argv[0]) : NULL;
  uint32_t rl = 0, ll = 0, ml = 0, wl = 0;
  if (!g || napi_get_array_length(env, argv[3], &rl) != napi_ok || napi_get_array_length(env, argv[4], &ll) != napi_ok ||
      napi_get_array_length(env, argv[5], &ml) != napi_ok ||
      (argc >= 7 && napi_get_array_length(env, argv[6], &wl) != napi_ok))
    return throw_err(env, "gwRoutes(gw, trustDomain, datacenter, routes, local, remote, wild)");
  ntable_t *t = calloc(1, sizeof *t);
  if (!t) return throw_err(env, "out of memory");
  t->td = get_str_v(env, argv[1]);
  t->dc = get_str_v(env, argv[2]);
  /* routes */
  int cap = 8;
  t->routes = calloc((size_t)cap, sizeof *t->routes);
  int bad = !t->td || !t->dc || !t->routes;
  for (uint32_t i = 0; !bad && i + 1 < rl;) {
    if (t->nroutes == cap) {
      nroute_t *nr = realloc(t->routes, (size_t)cap * 2 * sizeof *nr);
      if (!nr) {
        bad = 1;
        break;
      }
      memset(nr + cap, 0, (size_t)cap * sizeof *nr);
      t->routes = nr;
      cap *= 2;
    }
    nroute_t *rt = &t->routes[t->nroutes++];
    rt->key = get_str(env, argv[3], i);
    rt->ctr = (int)num_at(env, argv[3], i + 1);
    int n = (int)num_at(env, argv[3], i + 2);
    i += 3;
    if (!rt->key || n < 0 || i + 3 * (uint32_t)n > rl) {
      bad = 1;
      break;
    }
    rt->eps = calloc(n > 0 ? (size_t)n : 1, sizeof *rt->eps);
    rt->epstr = calloc(n > 0 ? (size_t)n : 1, sizeof *rt->epstr);
    if (!rt->eps || !rt->epstr) {
      bad = 1;
      break;
    }
    rt->nep = n;
    for (int k = 0; k < n; k++, i += 3) {
      char *addr = get_str(env, argv[3], i);
      uint16_t port = (uint16_t)num_at(env, argv[3], i + 1);
      if (!addr) {
        bad = 1;
        break;
      }
      if (!parse_ip(addr, port, &rt->eps[k])) rt->js_only = 1;
      rt->epstr[k] = get_str(env, argv[3], i + 2);
      if (!rt->epstr[k]) bad = 1;
      free(addr);
    }
  }
  /* local names: open addressing */
  size_t lcap = 8;
  while (lcap < (size_t)ll) lcap *= 2; /* ll = 2 entries per name: load <= 1/2 */
  t->local = calloc(lcap, sizeof *t->local);
  t->local_cap = t->local ? lcap : 0;
  if (!t->local) bad = 1;
  for (uint32_t i = 0; !bad && i + 1 < ll; i += 2) {
    char *name = get_str(env, argv[4], i);
    int ri = (int)num_at(env, argv[4], i + 1);
    if (!name || ri < 0 || ri >= t->nroutes) {
      free(name);
      bad = 1;
      break;
    }
    size_t n = strlen(name);
    size_t k = fnv(name, n) & (lcap - 1);
    while (t->local[k].name && strcmp(t->local[k].name, name) != 0) k = (k + 1) & (lcap - 1);
    free(t->local[k].name);
    t->local[k].name = name;
    t->local[k].route = ri;
  }
  t->remote = calloc(ml / 2 + 1, sizeof *t->remote);
  if (!t->remote) bad = 1;
  for (uint32_t i = 0; !bad && i + 1 < ml; i += 2) {
    char *name = get_str(env, argv[5], i);
    int ri = (int)num_at(env, argv[5], i + 1);
    if (!name || ri < 0 || ri >= t->nroutes) {
      free(name);
      bad = 1;
      break;
    }
    t->remote[t->nremote].name = name;
    t->remote[t->nremote].route = ri;
    t->nremote++;
  }
  t->wild = calloc(wl / 2 + 1, sizeof *t->wild);
  if (!t->wild) bad = 1;
  for (uint32_t i = 0; !bad && i + 1 < wl; i += 2) {
    char *name = get_str(env, argv[6], i);
    int ri = (int)num_at(env, argv[6], i + 1);
    if (!name || ri < 0 || ri >= t->nroutes) {
      free(name);
      bad = 1;
      break;
    }
    t->wild[t->nwild].name = name;
    t->wild[t->nwild].route = ri;
    t->nwild++;
  }
  if (bad) {
    table_free(t);
    return throw_err(env, "cannot build the native route table");
  }
  cmd_t *c = calloc(1, sizeof *c);
  if (!c) {
    table_free(t);
    return throw_err(env, "out of memory");
  }
  c->kind = C_TABLE;
  c->gw = g;
  c->table = t;
  push_cmd(g->r, c);
  return NULL;
}

/* Test hook: the native decision on a buffer (the hello prefix as received): [code, sni|undefined, route|undefined]
 * with code 1 routed/parsed, -1 need more, 0 JavaScript decides. Uses the gateway's current table when given. */
static napi_value js_parse_hello(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], arr, v;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *data = NULL;
  size_t len = 0;
  uint32_t max = 16384;
  if (argc < 2 || napi_get_buffer_info(env, argv[0], &data, &len) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &max) != napi_ok)
    return throw_err(env, "parseHello(buffer, maxHelloBytes)");
  char sni[256];
  size_t sl = 0;
  int code = hello_sni(data, len, max, sni, &sl);
  napi_create_array_with_length(env, 2, &arr);
  napi_create_int32(env, code, &v);
  napi_set_element(env, arr, 0, v);
  if (code == 1) {
    napi_create_string_latin1(env, sni, sl, &v);
    napi_set_element(env, arr, 1, v);
  }
  return arr;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"init", NULL, js_init, NULL, NULL, NULL, napi_default, NULL},
      {"relay", NULL, js_relay, NULL, NULL, NULL, napi_default, NULL},
      {"abort", NULL, js_abort, NULL, NULL, NULL, napi_default, NULL},
      {"gwCreate", NULL, js_gw_create, NULL, NULL, NULL, napi_default, NULL},
      {"gwListen", NULL, js_gw_listen, NULL, NULL, NULL, napi_default, NULL},
      {"gwConfigure", NULL, js_gw_configure, NULL, NULL, NULL, napi_default, NULL},
      {"gwCommit", NULL, js_gw_commit, NULL, NULL, NULL, napi_default, NULL},
      {"gwStop", NULL, js_gw_stop, NULL, NULL, NULL, napi_default, NULL},
      {"gwAbortAll", NULL, js_gw_abort_all, NULL, NULL, NULL, napi_default, NULL},
      {"gwCounts", NULL, js_gw_counts, NULL, NULL, NULL, napi_default, NULL},
      {"gwRef", NULL, js_gw_ref, NULL, NULL, NULL, napi_default, NULL},
      {"gwRoutes", NULL, js_gw_routes, NULL, NULL, NULL, napi_default, NULL},
      {"parseHello", NULL, js_parse_hello, NULL, NULL, NULL, napi_default, NULL},
      {"gwLog", NULL, js_gw_log, NULL, NULL, NULL, napi_default, NULL},
      {"gwLogClose", NULL, js_gw_log_close, NULL, NULL, NULL, napi_default, NULL},
      {"gwStats", NULL, js_gw_stats, NULL, NULL, NULL, napi_default, NULL},
      {"formatAccess", NULL, js_format_access, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
