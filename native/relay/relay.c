/*
 * meshcc-gateway native relay (Linux, Node-API).
 *
 * Once JavaScript has routed a connection and dialed the upstream, it hands both socket file descriptors (dup'ed
 * here, so JavaScript can close its own handles) plus any bytes it already read from either side to this addon.
 * One epoll thread per process relays both directions with splice(2) through pipes (zero-copy socket -> pipe ->
 * socket, pipes pooled and only held while they contain data), edge-triggered, with backpressure (a full pipe stops
 * reading until the other socket is writable again), half-close (end of stream on one side -> shutdown(SHUT_WR) of
 * the other once everything before it was written) and an idle timeout. When both directions have ended, or on an
 * error, idle timeout or abort from JavaScript, both sockets are closed and JavaScript is called back (through a
 * thread-safe function) with the byte counts and the reason.
 *
 * JS API:  init(onClose(id, bytesFromClient, bytesToClient, code))
 *          relay(clientFd, upstreamFd, toUpstream: Buffer|null, toClient: Buffer|null, idleMs, id) -> handle
 *          abort(handle)     (only before onClose for that id was called)
 * codes: 0 done, 1 client-error, 2 upstream-error, 3 idle, 4 aborted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
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

enum { R_DONE = 0, R_CLIENT_ERR = 1, R_UPSTREAM_ERR = 2, R_IDLE = 3, R_ABORT = 4 };

typedef struct conn conn_t;
typedef struct relay relay_t;

typedef struct {
  conn_t *c;
  int side; /* 0 client, 1 upstream */
} fdref_t;

typedef struct {
  int in, out;         /* read from in, write to out */
  int in_side;         /* side of `in` (0 client, 1 upstream) */
  int pr, pw;          /* pipe, -1 when none held */
  size_t in_pipe;      /* bytes currently in the pipe */
  char *buf;           /* user-space bytes to write first (initial bytes, or copy fallback) */
  size_t off, len;
  int eof, shut;
  uint64_t nread, nwritten;
} dir_t;

struct conn {
  conn_t *next, *prev;  /* thread's list of live connections */
  conn_t *q_next;       /* incoming queue */
  conn_t *a_next;       /* abort queue */
  conn_t *d_next;       /* finished, to report */
  int in_abort;
  int live, abort_pending; /* thread only: in the list / aborted before it got there */
  relay_t *r;
  fdref_t ref[2];
  int fd[2];
  dir_t d[2]; /* d[0] client -> upstream, d[1] upstream -> client */
  int rd[2], wr[2]; /* edge-triggered readiness per side: may read / may write without EAGAIN */
  int64_t last_ms;
  uint32_t idle_ms;
  int closed, reason;
  double id;
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
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno == EAGAIN) {
        *wr = 0;
        return 0;
      } else {
        return err_out(d);
      }
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
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno == EAGAIN) {
        *wr = 0;
        return 0; /* wait for EPOLLOUT on out */
      } else {
        return err_out(d);
      }
    }
    if (d->eof) {
      pipe_put(r, d);
      if (!d->shut) {
        d->shut = 1;
        if (shutdown(d->out, SHUT_WR) < 0 && errno != ENOTCONN) return err_out(d);
      }
      return 0;
    }
    if (!*rd) return 0;
    if (pipe_get(r, d) == 0) {
      ssize_t n = splice(d->in, NULL, d->pw, NULL, PIPE_SIZE, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        d->in_pipe = (size_t)n;
        d->nread += (uint64_t)n;
        *progress = 1;
        continue;
      }
      if (n == 0) {
        d->eof = 1;
        *progress = 1;
        continue;
      }
      if (errno == EINTR) continue;
      int e = errno;
      pipe_put(r, d); /* empty: back to the pool */
      if (e == EAGAIN) {
        *rd = 0;
        return 0;
      }
      return err_in(d);
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
    if (n == 0) {
      d->eof = 1;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      *rd = 0;
      return 0;
    }
    return err_in(d);
  }
}

static void close_conn(relay_t *r, conn_t *c, int reason) {
  if (c->closed) return;
  c->closed = 1;
  c->reason = reason;
  for (int i = 0; i < 2; i++) {
    epoll_ctl(r->ep, EPOLL_CTL_DEL, c->fd[i], NULL);
    pipe_put(r, &c->d[i]);
    free(c->d[i].buf);
    c->d[i].buf = NULL;
  }
  close(c->fd[0]);
  close(c->fd[1]);
  if (c->prev) c->prev->next = c->next;
  else r->list = c->next;
  if (c->next) c->next->prev = c->prev;
  c->next = c->prev = NULL;
  c->d_next = r->done;
  r->done = c;
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

static void on_wake(relay_t *r) {
  uint64_t v;
  while (read(r->evfd, &v, sizeof v) > 0) {
  }
  pthread_mutex_lock(&r->mu);
  r->wake_pending = 0;
  conn_t *in = r->incoming;
  r->incoming = NULL;
  pthread_mutex_unlock(&r->mu);
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
    c->next = r->list;
    if (r->list) r->list->prev = c;
    r->list = c;
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

static void *thread_main(void *arg) {
  relay_t *r = arg;
  struct epoll_event evs[256];
  int64_t last_sweep = now_ms();
  for (;;) {
    int n = epoll_wait(r->ep, evs, 256, TICK_MS);
    for (int i = 0; i < n; i++) {
      if (evs[i].data.ptr == NULL) {
        on_wake(r);
        continue;
      }
      fdref_t *f = evs[i].data.ptr;
      conn_t *c = f->c;
      if (c->closed) continue;
      uint32_t e = evs[i].events;
      if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c->rd[f->side] = 1;
      if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) c->wr[f->side] = 1;
      if (evs[i].events & EPOLLERR) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd[f->side], SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
          close_conn(r, c, f->side == 0 ? R_CLIENT_ERR : R_UPSTREAM_ERR);
          continue;
        }
      }
      pump(r, c);
    }
    int64_t t = now_ms();
    if (t - last_sweep >= TICK_MS) {
      last_sweep = t;
      for (conn_t *c = r->list; c;) {
        conn_t *next = c->next;
        if (c->idle_ms && t - c->last_ms >= c->idle_ms) close_conn(r, c, R_IDLE);
        c = next;
      }
    }
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

static napi_value js_init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], name;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  relay_t *r = get_relay(env);
  if (r == NULL) {
    r = calloc(1, sizeof *r);
    if (!r) return throw_err(env, "out of memory");
    pthread_mutex_init(&r->mu, NULL);
    r->ep = r->evfd = -1;
    napi_set_instance_data(env, r, relay_finalize, NULL);
  }
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
  r->started = 1;
  return 0;
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
  c->r = r;
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
  c->d[0].in = c->fd[0];
  c->d[0].out = c->fd[1];
  c->d[0].in_side = 0;
  c->d[1].in = c->fd[1];
  c->d[1].out = c->fd[0];
  c->d[1].in_side = 1;
  if (r->active++ == 0) napi_ref_threadsafe_function(env, r->tsfn);
  pthread_mutex_lock(&r->mu);
  c->q_next = r->incoming;
  r->incoming = c;
  int wake = !r->wake_pending;
  r->wake_pending = 1;
  pthread_mutex_unlock(&r->mu);
  uint64_t one = 1;
  if (wake) (void)!write(r->evfd, &one, sizeof one);
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
  int wake = !r->wake_pending;
  r->wake_pending = 1;
  pthread_mutex_unlock(&r->mu);
  uint64_t one = 1;
  if (wake) (void)!write(r->evfd, &one, sizeof one);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"init", NULL, js_init, NULL, NULL, NULL, napi_default, NULL},
      {"relay", NULL, js_relay, NULL, NULL, NULL, napi_default, NULL},
      {"abort", NULL, js_abort, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
