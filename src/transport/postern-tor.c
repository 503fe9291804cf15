/* postern-tor.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "postern-error.h"
#include "postern-tor-control.h"
#include "postern-tor.h"

#define TOR_DIR "tor"
#define SOCKET_NAME "control.sock"
#define SOCKS_NAME "socks.sock"
#define LOG_NAME "tor.log"
/* Seconds tor may take to open its control socket after it starts. */
#define SOCKET_TIMEOUT 30
/* Seconds tor may take to exit before it is killed. */
#define STOP_TIMEOUT 5
/* sun_path is 108 bytes on Linux, NUL included. */
#define MAX_SOCKET_PATH 100

struct _PosternTor
{
  GObject parent_instance;
  char *profile_path;
  gboolean managed;
  char *control_text; /* attach: tor.control */
  char *extra_config; /* managed: tor.extra-config */
  char *data_dir;
  char *socket_dir; /* nullable: a runtime folder when the profile's path is too long */
  GMainContext *context;

  GMutex start_lock; /* held through a start or a stop */
  GSubprocess *process;
  gboolean owns_process;
  PosternTorControl *control;

  GMutex state_lock; /* guards what follows */
  gboolean ready;
  guint progress;
  char *summary;
  GSocketAddress *socks;
};

G_DEFINE_FINAL_TYPE (PosternTor, postern_tor, G_TYPE_OBJECT)

enum
{
  SIGNAL_PROGRESS,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void
postern_tor_finalize (GObject *object)
{
  PosternTor *self = POSTERN_TOR (object);

  postern_tor_stop (self);
  g_free (self->profile_path);
  g_free (self->control_text);
  g_free (self->extra_config);
  g_free (self->data_dir);
  g_free (self->socket_dir);
  g_free (self->summary);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->start_lock);
  g_mutex_clear (&self->state_lock);
  G_OBJECT_CLASS (postern_tor_parent_class)->finalize (object);
}

static void
postern_tor_class_init (PosternTorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_tor_finalize;

  /**
   * PosternTor::progress:
   * @percent: tor's bootstrap progress, 0 to 100
   * @summary: what tor is doing, in its own words
   */
  signals[SIGNAL_PROGRESS]
    = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
}

static void
postern_tor_init (PosternTor *self)
{
  g_mutex_init (&self->start_lock);
  g_mutex_init (&self->state_lock);
  self->context = g_main_context_ref_thread_default ();
}

/**
 * postern_tor_new:
 * @profile_path: the profile whose tor/ folder a managed tor uses
 * @mode: "managed" or "attach"
 * @control: (nullable): attach: the control socket's path or the port
 * @extra_config: (nullable): managed: torrc lines added to Postern's own
 *
 * Returns: (transfer full) (nullable): the tor, not started yet.
 */
PosternTor *
postern_tor_new (const char *profile_path, const char *mode, const char *control,
                 const char *extra_config, GError **error)
{
  PosternTor *self;

  g_return_val_if_fail (profile_path != NULL, NULL);
  if (mode != NULL && *mode != '\0' && !g_str_equal (mode, "managed")
      && !g_str_equal (mode, "attach"))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "tor.mode: \"%s\" is neither managed nor attach", mode);
      return NULL;
    }
  if (g_strcmp0 (mode, "attach") == 0)
    {
      g_autoptr (GSocketAddress) address = postern_tor_control_parse_address (control, error);
      if (address == NULL)
        return NULL;
    }
  self = g_object_new (POSTERN_TYPE_TOR, NULL);
  self->profile_path = g_strdup (profile_path);
  self->managed = g_strcmp0 (mode, "attach") != 0;
  self->control_text = g_strdup (control);
  self->extra_config = g_strdup (extra_config);
  self->data_dir = g_build_filename (profile_path, TOR_DIR, NULL);
  return self;
}

/**
 * postern_tor_new_for_profile:
 *
 * A tor as the profile's tor.mode, tor.control and tor.extra-config
 * settings say.
 */
PosternTor *
postern_tor_new_for_profile (PosternProfile *profile, GError **error)
{
  g_autofree char *mode = postern_profile_get_setting (profile, "tor.mode", error);
  g_autofree char *control = NULL;
  g_autofree char *extra = NULL;

  if (mode == NULL)
    return NULL;
  control = postern_profile_get_setting (profile, "tor.control", error);
  if (control == NULL)
    return NULL;
  extra = postern_profile_get_setting (profile, "tor.extra-config", error);
  if (extra == NULL)
    return NULL;
  return postern_tor_new (postern_profile_get_path (profile), mode, control, extra, error);
}

static GMutex shared_lock;
static GHashTable *shared; /* profile path → PosternTor */

/**
 * postern_tor_get_shared:
 *
 * The one tor of @profile in this process, made on first use, so that the
 * server, every send and the UI share it. It lives until
 * postern_tor_forget_shared() or the end of the process.
 *
 * Returns: (transfer full) (nullable): a reference to it.
 */
PosternTor *
postern_tor_get_shared (PosternProfile *profile, GError **error)
{
  const char *path = postern_profile_get_path (profile);
  PosternTor *tor;

  g_mutex_lock (&shared_lock);
  if (shared == NULL)
    shared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  tor = g_hash_table_lookup (shared, path);
  if (tor == NULL)
    {
      tor = postern_tor_new_for_profile (profile, error);
      if (tor != NULL)
        g_hash_table_insert (shared, g_strdup (path), tor);
    }
  if (tor != NULL)
    g_object_ref (tor);
  g_mutex_unlock (&shared_lock);
  return tor;
}

/* Stops this process's shared tors (a managed one exits; an attached one
 * loses this connection) and forgets them: what a process does before it
 * ends, so that tor is gone when it has. */
void
postern_tor_forget_shared (void)
{
  g_autoptr (GHashTable) table = NULL;
  GHashTableIter iter;
  gpointer tor;

  g_mutex_lock (&shared_lock);
  table = g_steal_pointer (&shared);
  g_mutex_unlock (&shared_lock);
  if (table == NULL)
    return;
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, NULL, &tor))
    postern_tor_stop (tor);
}

typedef struct
{
  PosternTor *tor;
  guint percent;
  char *summary;
} Progress;

static gboolean
emit_progress (gpointer data)
{
  Progress *p = data;

  g_signal_emit (p->tor, signals[SIGNAL_PROGRESS], 0, p->percent, p->summary);
  return G_SOURCE_REMOVE;
}

static void
progress_free (gpointer data)
{
  Progress *p = data;

  g_object_unref (p->tor);
  g_free (p->summary);
  g_free (p);
}

static void
set_progress (PosternTor *self, guint percent, const char *summary)
{
  Progress *p;

  g_mutex_lock (&self->state_lock);
  if (self->progress == percent && g_strcmp0 (self->summary, summary) == 0)
    {
      g_mutex_unlock (&self->state_lock);
      return;
    }
  self->progress = percent;
  g_free (self->summary);
  self->summary = g_strdup (summary);
  g_mutex_unlock (&self->state_lock);

  p = g_new0 (Progress, 1);
  p->tor = g_object_ref (self);
  p->percent = percent;
  p->summary = g_strdup (summary);
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_progress, p, progress_free);
}

/* A torrc value: as it is, or quoted when it has spaces or quotes. */
static char *
torrc_value (const char *text)
{
  if (strpbrk (text, " \t\"\\#") == NULL)
    return g_strdup (text);
  return postern_tor_quote (text);
}

static char *
socket_path (PosternTor *self)
{
  return g_build_filename (self->socket_dir ? self->socket_dir : self->data_dir, SOCKET_NAME, NULL);
}

static gboolean
prepare_dirs (PosternTor *self, GError **error)
{
  g_autofree char *path = NULL;

  if (g_mkdir_with_parents (self->data_dir, 0700) != 0 || g_chmod (self->data_dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot make %s: %s", self->data_dir,
                   g_strerror (saved));
      return FALSE;
    }
  path = socket_path (self);
  if (strlen (path) > MAX_SOCKET_PATH && self->socket_dir == NULL)
    {
      g_autofree char *tmpl
        = g_build_filename (g_get_user_runtime_dir (), "postern-tor-XXXXXX", NULL);
      self->socket_dir = g_mkdtemp_full (tmpl, 0700);
      if (self->socket_dir == NULL)
        {
          int saved = errno;
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO,
                       "cannot make a folder for tor's control socket: %s", g_strerror (saved));
          return FALSE;
        }
      g_steal_pointer (&tmpl);
    }
  return TRUE;
}

static gboolean
write_torrc (PosternTor *self, const char *torrc, GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *data_dir = torrc_value (self->data_dir);
  g_autofree char *sock = socket_path (self);
  g_autofree char *sock_value = torrc_value (sock);
  g_autofree char *socks
    = g_build_filename (self->socket_dir ? self->socket_dir : self->data_dir, SOCKS_NAME, NULL);
  g_autofree char *socks_value = torrc_value (socks);
  g_autoptr (GError) local_error = NULL;

  g_string_append (text, "# Written by Postern on every start; add lines with\n"
                         "# postern-cli config set tor.extra-config.\n");
  g_string_append_printf (text, "DataDirectory %s\n", data_dir);
  g_string_append_printf (text, "ControlPort unix:%s\n", sock_value);
  g_string_append (text, "CookieAuthentication 1\n");
  /* A unix socket, not a TCP port: no other user of this machine can
   * use it, and the onion names Postern asks for never cross even the
   * loopback interface in the clear. */
  g_string_append_printf (text, "SocksPort unix:%s ExtendedErrors\n", socks_value);
  g_string_append (text, "ClientOnly 1\n");
  /* Until TAKEOWNERSHIP: if Postern dies while tor starts, tor follows. */
  g_string_append_printf (text, "__OwningControllerProcess %d\n", (int) getpid ());
  if (self->extra_config != NULL && *self->extra_config != '\0')
    {
      g_string_append (text, "# tor.extra-config\n");
      g_string_append (text, self->extra_config);
      g_string_append_c (text, '\n');
    }
  if (!g_file_set_contents_full (torrc, text->str, (gssize) text->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local_error))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot write %s: %s", torrc,
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* Only from the main thread: the kernel sends PDEATHSIG when the thread
 * that forked ends, and a worker thread may end long before Postern. */
static void
child_setup (gpointer data)
{
  if (GPOINTER_TO_INT (data))
    prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* What tor said before it gave up: its [err] lines, else its last
 * [warn], from the log it writes to its standard output. */
static char *
tor_complaint (PosternTor *self)
{
  g_autofree char *log_path = g_build_filename (self->data_dir, LOG_NAME, NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  const char *warn = NULL;

  if (!g_file_get_contents (log_path, &text, NULL, NULL))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *err = strstr (lines[i], "[err] ");
      if (err != NULL && out->len < 1000)
        g_string_append_printf (out, "%s%s", out->len ? " " : "", err + 6);
      if (strstr (lines[i], "[warn] ") != NULL)
        warn = strstr (lines[i], "[warn] ") + 7;
    }
  if (out->len == 0 && warn != NULL)
    g_string_append (out, warn);
  if (out->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
process_gone (PosternTor *self, GError **error)
{
  g_autofree char *complaint = NULL;
  g_autofree char *log_path = NULL;

  if (self->process == NULL || g_subprocess_get_identifier (self->process) != NULL)
    return FALSE;
  complaint = tor_complaint (self);
  log_path = g_build_filename (self->data_dir, LOG_NAME, NULL);
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "tor exited: %s (see %s)",
               complaint ? complaint : "it gave no reason", log_path);
  return TRUE;
}

static PosternTorControl *
try_control (GSocketAddress *address, GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternTorControl) control = postern_tor_control_connect (address, cancellable, error);

  if (control == NULL || !postern_tor_control_authenticate (control, cancellable, error))
    return NULL;
  return g_steal_pointer (&control);
}

static gboolean
spawn (PosternTor *self, GCancellable *cancellable, GError **error)
{
  g_autofree char *torrc = g_build_filename (self->data_dir, "torrc", NULL);
  g_autofree char *defaults = g_build_filename (self->data_dir, "torrc-defaults", NULL);
  g_autofree char *log_path = g_build_filename (self->data_dir, LOG_NAME, NULL);
  g_autofree char *sock = NULL;
  g_autofree char *tor_path = g_find_program_in_path ("tor");
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GError) local_error = NULL;
  gboolean main_thread = getpid () == (pid_t) syscall (SYS_gettid);
  gint64 deadline;

  if (tor_path == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_SUPPORTED,
                   "tor is not installed (Debian: apt install tor), and tor.mode is managed");
      return FALSE;
    }
  if (!prepare_dirs (self, error))
    return FALSE;
  sock = socket_path (self);
  address = g_unix_socket_address_new (sock);

  /* Another Postern process of this profile (the app, a `smtorp serve`)
   * may run this tor already: share it rather than fight over the
   * DataDirectory's lock. */
  if (g_file_test (sock, G_FILE_TEST_EXISTS))
    {
      self->control = try_control (address, cancellable, NULL);
      if (self->control != NULL)
        {
          self->owns_process = FALSE;
          return TRUE;
        }
      g_unlink (sock);
    }

  if (!g_file_set_contents (defaults, "", 0, NULL) || !write_torrc (self, torrc, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot write %s", defaults);
      return FALSE;
    }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT
                                        | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, GINT_TO_POINTER (main_thread),
                                         NULL);
  /* --defaults-torrc: never /etc/tor's settings, only Postern's. */
  self->process = g_subprocess_launcher_spawn (launcher, &local_error, tor_path, "--defaults-torrc",
                                               defaults, "-f", torrc, NULL);
  if (self->process == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "cannot start tor: %s",
                   local_error->message);
      return FALSE;
    }
  self->owns_process = TRUE;

  deadline = g_get_monotonic_time () + SOCKET_TIMEOUT * G_USEC_PER_SEC;
  while (self->control == NULL)
    {
      g_clear_error (&local_error);
      if (process_gone (self, error))
        return FALSE;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (g_file_test (sock, G_FILE_TEST_EXISTS))
        self->control = try_control (address, cancellable, &local_error);
      if (self->control != NULL)
        break;
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                       "tor did not open its control socket %s within %d seconds%s%s", sock,
                       SOCKET_TIMEOUT, local_error ? ": " : "",
                       local_error ? local_error->message : "");
          return FALSE;
        }
      g_usleep (50 * 1000);
    }
  /* From now on tor exits when this connection closes. */
  {
    g_autoptr (PosternTorReply) reply
      = postern_tor_control_command (self->control, "TAKEOWNERSHIP", NULL, cancellable, error);
    if (reply == NULL)
      return FALSE;
  }
  return TRUE;
}

static gboolean
parse_bootstrap (const char *text, guint *out_percent, char **out_summary)
{
  g_autoptr (PosternTorArgs) args = postern_tor_args_parse (text, NULL);
  const char *progress, *summary, *warning;
  guint64 percent;

  if (args == NULL || args->words->len < 2
      || !g_str_equal (args->words->pdata[args->words->len - 1], "BOOTSTRAP"))
    return FALSE;
  progress = postern_tor_args_get (args, "PROGRESS");
  if (progress == NULL || !g_ascii_string_to_unsigned (progress, 10, 0, 100, &percent, NULL))
    return FALSE;
  summary = postern_tor_args_get (args, "SUMMARY");
  warning = postern_tor_args_get (args, "WARNING");
  *out_percent = (guint) percent;
  if (warning != NULL && g_str_equal (args->words->pdata[0], "WARN"))
    *out_summary = g_strdup_printf ("%s (%s)", summary ? summary : "", warning);
  else
    *out_summary = g_strdup (summary ? summary : "");
  return TRUE;
}

/* "127.0.0.1:9050", "[::1]:9050" or "unix:/path", as GETINFO
 * net/listeners/socks lists them. */
static GSocketAddress *
parse_listener (const char *text)
{
  g_autoptr (GInetAddress) host = NULL;
  g_autofree char *host_text = NULL;
  const char *colon;
  guint64 port;

  if (g_str_has_prefix (text, "unix:"))
    return strlen (text + 5) < 108 ? g_unix_socket_address_new (text + 5) : NULL;
  colon = strrchr (text, ':');
  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
    return NULL;
  host_text = g_strndup (text, (gsize) (colon - text));
  if (host_text[0] == '[' && strlen (host_text) > 2)
    {
      memmove (host_text, host_text + 1, strlen (host_text));
      host_text[strlen (host_text) - 1] = '\0';
    }
  host = g_inet_address_new_from_string (host_text);
  if (host == NULL)
    return NULL;
  return g_inet_socket_address_new (host, (guint16) port);
}

static GSocketAddress *
read_socks (PosternTor *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternTorReply) reply = NULL;
  g_autoptr (PosternTorArgs) args = NULL;
  const char *value;

  reply = postern_tor_control_command (self->control, "GETINFO net/listeners/socks", NULL,
                                       cancellable, error);
  if (reply == NULL)
    return NULL;
  value = postern_tor_reply_get_value (reply, "net/listeners/socks");
  args = value ? postern_tor_args_parse (value, error) : NULL;
  if (value != NULL && args == NULL)
    return NULL;
  for (guint i = 0; args != NULL && i < args->words->len; i++)
    {
      GSocketAddress *address = parse_listener (args->words->pdata[i]);
      if (address != NULL)
        return address;
    }
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
               "tor has no SOCKS port, so Postern cannot reach onion services through it "
               "(SocksPort in its torrc)");
  return NULL;
}

static gboolean
bootstrap (PosternTor *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternTorReply) reply = NULL;
  gint64 deadline = g_get_monotonic_time () + POSTERN_TOR_BOOTSTRAP_TIMEOUT * G_USEC_PER_SEC;
  g_autofree char *summary = NULL;
  guint percent = 0;
  const char *value;

  reply = postern_tor_control_command (self->control, "SETEVENTS STATUS_CLIENT", NULL, cancellable,
                                       error);
  if (reply == NULL)
    return FALSE;
  g_clear_pointer (&reply, postern_tor_reply_free);
  reply = postern_tor_control_command (self->control, "GETINFO status/bootstrap-phase", NULL,
                                       cancellable, error);
  if (reply == NULL)
    return FALSE;
  value = postern_tor_reply_get_value (reply, "status/bootstrap-phase");
  if (value == NULL || !parse_bootstrap (value, &percent, &summary))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                   "tor did not say how far it has bootstrapped");
      return FALSE;
    }
  set_progress (self, percent, summary);
  while (percent < 100)
    {
      g_autoptr (PosternTorReply) event = NULL;
      g_autoptr (GError) local_error = NULL;
      g_autofree char *event_summary = NULL;
      guint event_percent;

      /* A second at a time, to notice a managed tor that died. */
      event = postern_tor_control_next_event (
        self->control, MIN (deadline, g_get_monotonic_time () + G_USEC_PER_SEC), cancellable,
        &local_error);
      if (event == NULL)
        {
          if (process_gone (self, error))
            return FALSE;
          if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          if (g_get_monotonic_time () >= deadline)
            {
              g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO,
                           "tor has not bootstrapped after %d seconds; it is at %u%%: %s",
                           POSTERN_TOR_BOOTSTRAP_TIMEOUT, percent, summary);
              return FALSE;
            }
          continue;
        }
      if (g_str_has_prefix (event->lines->pdata[0], "STATUS_CLIENT ")
          && parse_bootstrap ((const char *) event->lines->pdata[0] + 14, &event_percent,
                              &event_summary))
        {
          /* A warning repeats the last progress: keep the number. */
          percent = MAX (percent, event_percent);
          g_free (summary);
          summary = g_steal_pointer (&event_summary);
          set_progress (self, percent, summary);
        }
    }
  g_clear_pointer (&reply, postern_tor_reply_free);
  /* No more events: unread, they would pile up in tor's buffers. */
  reply = postern_tor_control_command (self->control, "SETEVENTS", NULL, cancellable, error);
  return reply != NULL;
}

static gboolean
start_locked (PosternTor *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (GSocketAddress) socks = NULL;

  if (self->managed)
    {
      if (!spawn (self, cancellable, error))
        return FALSE;
    }
  else
    {
      g_autoptr (GSocketAddress) address
        = postern_tor_control_parse_address (self->control_text, error);
      g_autoptr (GError) local_error = NULL;
      if (address == NULL)
        return FALSE;
      self->control = try_control (address, cancellable, &local_error);
      if (self->control == NULL)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                       "cannot use the tor at %s (tor.mode attach): %s", self->control_text,
                       local_error->message);
          return FALSE;
        }
    }
  if (!bootstrap (self, cancellable, error))
    return FALSE;
  socks = read_socks (self, cancellable, error);
  if (socks == NULL)
    return FALSE;
  g_mutex_lock (&self->state_lock);
  g_set_object (&self->socks, socks);
  self->ready = TRUE;
  g_mutex_unlock (&self->state_lock);
  return TRUE;
}

static void
stop_locked (PosternTor *self)
{
  g_mutex_lock (&self->state_lock);
  self->ready = FALSE;
  g_clear_object (&self->socks);
  g_mutex_unlock (&self->state_lock);

  /* Closing the connection ends a tor that took ownership, and with it
   * every onion service this connection added. */
  if (self->control != NULL)
    postern_tor_control_close (self->control);
  g_clear_object (&self->control);
  if (self->process != NULL && self->owns_process)
    {
      gint64 deadline = g_get_monotonic_time () + STOP_TIMEOUT * G_USEC_PER_SEC;

      g_subprocess_send_signal (self->process, SIGTERM);
      while (g_subprocess_get_identifier (self->process) != NULL
             && g_get_monotonic_time () < deadline)
        g_usleep (20 * 1000);
      g_subprocess_force_exit (self->process);
      g_subprocess_wait (self->process, NULL, NULL);
    }
  g_clear_object (&self->process);
  if (self->socket_dir != NULL)
    {
      g_autofree char *sock = socket_path (self);
      g_autofree char *socks = g_build_filename (self->socket_dir, SOCKS_NAME, NULL);
      g_unlink (sock);
      g_unlink (socks);
      g_rmdir (self->socket_dir);
      g_clear_pointer (&self->socket_dir, g_free);
    }
}

/**
 * postern_tor_start_sync:
 *
 * Starts tor (or attaches to it) and waits until it has bootstrapped,
 * emitting #PosternTor::progress on the way. Returns at once when it runs
 * already; several threads may call it at once.
 */
gboolean
postern_tor_start_sync (PosternTor *self, GCancellable *cancellable, GError **error)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (POSTERN_IS_TOR (self), FALSE);
  g_mutex_lock (&self->start_lock);
  if (!postern_tor_is_ready (self))
    {
      ok = start_locked (self, cancellable, error);
      if (!ok)
        stop_locked (self);
    }
  g_mutex_unlock (&self->start_lock);
  return ok;
}

static void
start_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (postern_tor_start_sync (source, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
postern_tor_start_async (PosternTor *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, postern_tor_start_async);
  g_task_run_in_thread (task, start_thread);
}

gboolean
postern_tor_start_finish (PosternTor *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
postern_tor_stop (PosternTor *self)
{
  g_return_if_fail (POSTERN_IS_TOR (self));
  g_mutex_lock (&self->start_lock);
  stop_locked (self);
  g_mutex_unlock (&self->start_lock);
}

gboolean
postern_tor_is_ready (PosternTor *self)
{
  gboolean ready;

  g_mutex_lock (&self->state_lock);
  ready = self->ready;
  g_mutex_unlock (&self->state_lock);
  return ready;
}

gboolean
postern_tor_is_managed (PosternTor *self)
{
  return self->managed;
}

/**
 * postern_tor_get_progress:
 * @out_summary: (out) (optional) (transfer full): what tor is doing
 *
 * Returns: the last bootstrap progress, 0 to 100.
 */
guint
postern_tor_get_progress (PosternTor *self, char **out_summary)
{
  guint progress;

  g_mutex_lock (&self->state_lock);
  progress = self->progress;
  if (out_summary != NULL)
    *out_summary = g_strdup (self->summary);
  g_mutex_unlock (&self->state_lock);
  return progress;
}

/**
 * postern_tor_get_socks_address:
 *
 * Returns: (transfer full) (nullable): tor's SOCKS port, once started.
 */
GSocketAddress *
postern_tor_get_socks_address (PosternTor *self)
{
  GSocketAddress *socks;

  g_mutex_lock (&self->state_lock);
  socks = self->socks ? g_object_ref (self->socks) : NULL;
  g_mutex_unlock (&self->state_lock);
  return socks;
}

/* Waits for tor to tell that one HSDir took the new service's
 * descriptor: before that, clients get "descriptor not found". */
static void
wait_uploaded (PosternTorControl *control, const char *service_id, GCancellable *cancellable)
{
  gint64 deadline = g_get_monotonic_time () + POSTERN_TOR_PUBLISH_TIMEOUT * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PosternTorReply) event
        = postern_tor_control_next_event (control, deadline, cancellable, &error);
      g_autoptr (PosternTorArgs) args = NULL;

      if (event == NULL)
        {
          g_message ("tor: the descriptor of the new onion service is not uploaded yet (%s); "
                     "tor keeps trying",
                     error->message);
          return;
        }
      args = postern_tor_args_parse (event->lines->pdata[0], NULL);
      if (args != NULL && args->words->len >= 3 && g_str_equal (args->words->pdata[0], "HS_DESC")
          && g_str_equal (args->words->pdata[1], "UPLOADED")
          && g_str_equal (args->words->pdata[2], service_id))
        return;
    }
}

/**
 * postern_tor_add_onion:
 * @key: (nullable): the service's private key as ADD_ONION takes it
 *   ("ED25519-V3:…"), or %NULL for a new one
 * @out_new_key: (out) (optional): a new service's key, to keep
 *
 * Publishes an onion service whose @virtual_port leads to 127.0.0.1:
 * @local_port, for as long as this tor runs (and, attached, as long as
 * Postern stays connected). Waits until its descriptor is uploaded. The
 * key never appears in an error or the log.
 *
 * Returns: (transfer full) (nullable): the service's name, without
 *   ".onion".
 */
char *
postern_tor_add_onion (PosternTor *self, const char *key, guint16 virtual_port, guint16 local_port,
                       char **out_new_key, GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternTorControl) control = NULL;
  g_autoptr (PosternTorReply) reply = NULL;
  g_autofree char *command = NULL;
  const char *service_id, *new_key;

  g_return_val_if_fail (POSTERN_IS_TOR (self), NULL);
  g_mutex_lock (&self->start_lock);
  control = self->control ? g_object_ref (self->control) : NULL;
  g_mutex_unlock (&self->start_lock);
  if (control == NULL || !postern_tor_is_ready (self))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "tor is not running");
      return NULL;
    }
  reply = postern_tor_control_command (control, "SETEVENTS HS_DESC", NULL, cancellable, error);
  if (reply == NULL)
    return NULL;
  g_clear_pointer (&reply, postern_tor_reply_free);
  command = g_strdup_printf ("ADD_ONION %s Port=%u,127.0.0.1:%u", key ? key : "NEW:ED25519-V3",
                             virtual_port, local_port);
  reply = postern_tor_control_command (control, command, "ADD_ONION", cancellable, error);
  memset (command, 0, strlen (command));
  if (reply == NULL)
    return NULL;
  service_id = postern_tor_reply_get_value (reply, "ServiceID");
  new_key = postern_tor_reply_get_value (reply, "PrivateKey");
  if (service_id == NULL || (key == NULL && new_key == NULL))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                   "tor's ADD_ONION reply lacks the service's name or key");
      return NULL;
    }
  wait_uploaded (control, service_id, cancellable);
  {
    g_autoptr (PosternTorReply) off
      = postern_tor_control_command (control, "SETEVENTS", NULL, cancellable, NULL);
  }
  if (out_new_key != NULL)
    *out_new_key = g_strdup (new_key);
  return g_strdup (service_id);
}
