/* test-imap.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The IMAP sync against a real Dovecot, started by
 * tests/harness/with-servers, with the password in a real gnome-keyring.
 * Mail is put on the server, and the server's side is read back, with curl:
 * a client that is not ours. Syncs run as `postern-cli sync`, or in this
 * process where a test needs the numbers a sync reports. Faults come from a
 * small TCP proxy between Postern and Dovecot that cuts the connection or
 * strips STARTTLS, never from a fake server.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "postern-core.h"
#include "postern-test-util.h"

typedef struct
{
  char *dir;
  char *profile;
} Fixture;

static const char *
env (const char *name)
{
  const char *value = g_getenv (name);
  if (value == NULL)
    g_error ("%s is not set: run this test through tests/harness/with-servers", name);
  return value;
}

static guint16
env_port (const char *name)
{
  return (guint16) g_ascii_strtoull (env (name), NULL, 10);
}

/* Each case starts from an empty server: alice's mail is removed (Dovecot
 * makes it again, with a new UIDVALIDITY, on the next login). */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *mail = g_build_filename (env ("POSTERN_MAIL_ROOT"), "alice", NULL);

  postern_test_rm_rf (mail);
  f->dir = postern_test_make_tmpdir ("imap");
  f->profile = g_build_filename (f->dir, "alice", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  postern_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->profile);
}

static char *
url_for (const char *scheme, const char *host, guint16 port)
{
  return g_strdup_printf ("%s://%s:%u", scheme, host, port);
}

static char *
imaps_url (void)
{
  return url_for ("imaps", "127.0.0.1", env_port ("POSTERN_IMAPS_PORT"));
}

/* Adds (or changes) the account alice. @password NULL keeps the one in
 * the keyring: changing an account's server needs no new password. */
static void
add_account_full (Fixture *f, const char *url, const char *password, gboolean plaintext)
{
  g_autoptr (GBytes) pw = password ? g_bytes_new (password, strlen (password)) : NULL;
  const char *option = plaintext ? "--allow-plaintext" : NULL;
  g_autofree char *err = NULL;
  int rc;

  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, NULL, "config", "set",
                                         "tls.ca-file", env ("POSTERN_TEST_CA"), NULL),
                   ==, 0);
  if (password != NULL)
    rc = postern_test_run_cli (f->profile, pw, NULL, &err, "account", "add", "alice",
                               "--address", "alice@example.test", "--imap", url,
                               "--password-stdin", option, NULL);
  else
    rc = postern_test_run_cli (f->profile, NULL, NULL, &err, "account", "add", "alice",
                               "--address", "alice@example.test", "--imap", url, option, NULL);
  if (rc != 0)
    g_error ("account add: %s", err);
}

/* Points alice at another server, with the password already kept. */
static void
move_account (Fixture *f, const char *url, gboolean plaintext)
{
  add_account_full (f, url, NULL, plaintext);
}

static void
add_account (Fixture *f, const char *url)
{
  add_account_full (f, url, "alicepw", FALSE);
}

/* curl as alice on MAILBOX, with extra arguments; its output. */
static char *
curl (const char *mailbox, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  va_list ap;
  const char *arg;

  g_ptr_array_add (argv, g_strdup ("curl"));
  g_ptr_array_add (argv, g_strdup ("-sS"));
  g_ptr_array_add (argv, g_strdup ("--cacert"));
  g_ptr_array_add (argv, g_strdup (env ("POSTERN_TEST_CA")));
  g_ptr_array_add (argv, g_strdup ("--user"));
  g_ptr_array_add (argv, g_strdup ("alice:alicepw"));
  g_ptr_array_add (argv, g_strdup_printf ("imaps://127.0.0.1:%u/%s",
                                          env_port ("POSTERN_IMAPS_PORT"), mailbox));
  va_start (ap, mailbox);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char *const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (proc))
    g_error ("curl %s failed: %s", mailbox, err);
  return g_steal_pointer (&out);
}

/* A message as a server hands it out: CRLF line ends. Its body is @size
 * bytes of text, with a line of 8-bit UTF-8 among them. */
static GBytes *
make_message (const char *subject, gsize size)
{
  GString *m = g_string_new (NULL);
  gsize start;

  g_string_append_printf (m,
                          "From: Bob <bob@example.test>\r\n"
                          "To: Alice <alice@example.test>\r\n"
                          "Subject: %s\r\n"
                          "Date: Wed, 25 Nov 2026 12:00:00 +0000\r\n"
                          "Message-ID: <%s@example.test>\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: text/plain; charset=utf-8\r\n"
                          "Content-Transfer-Encoding: 8bit\r\n"
                          "\r\n"
                          "Grüße aus dem Test: %s\r\n",
                          subject, subject, subject);
  start = m->len;
  while (m->len - start < size)
    g_string_append_printf (m, "line %" G_GSIZE_FORMAT " of %s, to fill the body.\r\n",
                            m->len - start, subject);
  return g_string_free_to_bytes (m);
}

static void
put_on_server (const char *mailbox, GBytes *message)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  int fd = g_file_open_tmp ("postern-imap-XXXXXX.eml", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, g_bytes_get_data (message, NULL),
                       (gssize) g_bytes_get_size (message), &error);
  g_assert_no_error (error);
  out = curl (mailbox, "-T", path, NULL);
  g_unlink (path);
}

/* The FLAGS of one UID as the server has them, such as "\Seen \Flagged";
 * NULL when the server has no such UID. */
static char *
server_flags (const char *mailbox, guint32 uid)
{
  g_autofree char *command = g_strdup_printf ("UID FETCH %u (UID FLAGS)", uid);
  g_autofree char *out = curl (mailbox, "-X", command, NULL);
  g_autofree char *space = g_strdup_printf ("UID %u ", uid);
  g_autofree char *paren = g_strdup_printf ("UID %u)", uid);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);

  /* Items come in the server's order: "(UID 2 FLAGS (…))" or
   * "(FLAGS (…) UID 2)". */
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *flags = strstr (lines[i], "FLAGS (");
      const char *end;

      if (strstr (lines[i], " FETCH (") == NULL || flags == NULL
          || (strstr (lines[i], space) == NULL && strstr (lines[i], paren) == NULL))
        continue;
      flags += strlen ("FLAGS (");
      end = strchr (flags, ')');
      return g_strndup (flags, (gsize) (end - flags));
    }
  return NULL;
}

static guint
server_count (const char *mailbox)
{
  g_autofree char *out = curl (mailbox, "-X", "UID SEARCH ALL", NULL);
  g_auto (GStrv) words = g_strsplit_set (out, " \r\n", -1);
  guint n = 0;

  for (guint i = 0; words[i] != NULL; i++)
    if (g_ascii_isdigit (words[i][0]))
      n++;
  return n;
}

static int
run_sync (Fixture *f, char **out_text, char **out_err)
{
  g_autoptr (GBytes) out = NULL;
  int rc = postern_test_run_cli (f->profile, NULL, &out, out_err, "sync", NULL);

  if (out_text != NULL)
    *out_text = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  return rc;
}

/* The numbers of the "synced alice: …" line. */
static void
parse_summary (const char *text, guint *out_new, guint *out_removed, guint *out_flags,
               guint *out_sent, guint *out_uploaded)
{
  const char *line = strstr (text, "synced alice: ");
  guint folders = 0;

  g_assert_nonnull (line);
  g_assert_cmpint (sscanf (line,
                           "synced alice: %u new messages, %u removed, %u flags updated, %u "
                           "changes sent to the server, %u uploaded (%u folders)",
                           out_new, out_removed, out_flags, out_sent, out_uploaded, &folders),
                   ==, 6);
  g_assert_cmpuint (folders, >=, 3); /* INBOX, Sent and Drafts */
}

static void
sync_ok (Fixture *f, guint expect_new, guint expect_removed, guint expect_flags,
         guint expect_sent, guint expect_uploaded)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  guint n, removed, flags, sent, uploaded;
  int rc = run_sync (f, &out, &err);

  if (rc != 0)
    g_error ("sync failed (%d): %s", rc, err);
  parse_summary (out, &n, &removed, &flags, &sent, &uploaded);
  g_assert_cmpuint (n, ==, expect_new);
  g_assert_cmpuint (removed, ==, expect_removed);
  g_assert_cmpuint (flags, ==, expect_flags);
  g_assert_cmpuint (sent, ==, expect_sent);
  g_assert_cmpuint (uploaded, ==, expect_uploaded);
  g_assert_true (err == NULL || *err == '\0');
}

/* A failed sync: exit 1 and exactly one line, which says @needle. */
static void
sync_fails (Fixture *f, const char *needle)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int rc = run_sync (f, &out, &err);

  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (err);
  g_test_message ("%s", err);
  if (strstr (err, needle) == NULL)
    g_error ("expected \"%s\" in: %s", needle, err);
  g_assert_true (g_str_has_prefix (err, "postern-cli: alice: "));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
  /* The password never shows. */
  g_assert_null (strstr (err, "alicepw"));
  g_assert_true (out == NULL || strstr (out, "alicepw") == NULL);
}

static PosternStore *
open_store (Fixture *f, PosternProfile **out_profile)
{
  g_autoptr (GError) error = NULL;
  PosternProfile *profile = postern_profile_open (f->profile, FALSE, &error);
  PosternStore *store;

  g_assert_no_error (error);
  store = postern_profile_get_store (profile, &error);
  g_assert_no_error (error);
  *out_profile = profile;
  return store;
}

static guint
local_count (Fixture *f, const char *folder)
{
  g_autoptr (PosternProfile) profile = NULL;
  PosternStore *store = open_store (f, &profile);
  return postern_store_count (store, folder);
}

/* The stored bytes of the message whose Message-ID is @message_id. */
static GBytes *
local_message (Fixture *f, const char *folder, const char *message_id, char **out_file)
{
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  PosternStore *store = open_store (f, &profile);

  rows = postern_store_list (store, folder, 0, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < rows->len; i++)
    {
      PosternMessageRow *row = rows->pdata[i];
      if (g_strcmp0 (row->message_id, message_id) == 0)
        {
          GBytes *bytes = postern_store_load (store, row->id, folder, NULL, &error);
          g_assert_no_error (error);
          if (out_file != NULL)
            *out_file = g_build_filename (f->profile, "store", folder, row->file, NULL);
          return bytes;
        }
    }
  return NULL;
}

static char *
local_file (Fixture *f, const char *folder, const char *message_id)
{
  char *file = NULL;
  g_autoptr (GBytes) bytes = local_message (f, folder, message_id, &file);

  g_assert_nonnull (bytes);
  return file;
}

/* Renames a message's file as another Maildir client would to change its
 * flags. The pause keeps the rename from sharing the folder's last
 * recorded modification time. */
static void
set_local_flags_by_hand (Fixture *f, const char *folder, const char *message_id,
                         const char *flags)
{
  g_autofree char *file = local_file (f, folder, message_id);
  g_autofree char *dir = g_path_get_dirname (file);
  g_autofree char *base = g_path_get_basename (file);
  g_autofree char *folder_dir = g_path_get_dirname (dir);
  char *colon = strchr (base, ':');
  g_autofree char *to = NULL;

  if (colon != NULL)
    *colon = '\0';
  to = g_strdup_printf ("%s/cur/%s:2,%s", folder_dir, base, flags);
  g_usleep (20 * 1000);
  g_assert_cmpint (g_rename (file, to), ==, 0);
}

static PosternTransportImap *
make_transport (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = postern_profile_open (f->profile, FALSE, &error);
  g_autoptr (PosternAccount) account = NULL;
  g_autofree char *ca = NULL;

  g_assert_no_error (error);
  account = postern_profile_find_account (profile, "alice", &error);
  g_assert_no_error (error);
  ca = postern_profile_get_setting (profile, "tls.ca-file", &error);
  return postern_transport_imap_new (account, postern_profile_get_path (profile), ca);
}

static PosternImapSyncStats *
sync_here (Fixture *f, GError **error)
{
  g_autoptr (PosternTransportImap) imap = make_transport (f);
  return postern_transport_imap_sync (imap, NULL, error);
}

static void
assert_same_bytes (GBytes *a, GBytes *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpmem (g_bytes_get_data (a, NULL), g_bytes_get_size (a), g_bytes_get_data (b, NULL),
                   g_bytes_get_size (b));
}

/* A TCP proxy on 127.0.0.1 to Dovecot. It counts what the server sends,
 * can cut the connection after that many bytes (as a dropped link does),
 * and can hide STARTTLS from the capabilities, as a man in the middle
 * would to keep a session in the clear. One connection at a time. */
typedef struct
{
  int listen_fd;
  guint16 port;
  guint16 upstream;
  gsize cut_after;          /* server bytes; 0: never */
  gboolean strip_starttls;
  gint server_bytes;        /* atomic */
  gint cut;                 /* atomic */
  GThread *thread;
} Proxy;

static void
strip_starttls (char *buf, gsize len)
{
  for (gsize i = 0; i + 8 <= len; i++)
    if (g_ascii_strncasecmp (buf + i, "STARTTLS", 8) == 0)
      memcpy (buf + i, "XNOTLSXX", 8);
}

static void
pump (Proxy *proxy, int client, int server)
{
  struct pollfd fds[2] = { { client, POLLIN, 0 }, { server, POLLIN, 0 } };
  char buf[8192];

  for (;;)
    {
      if (poll (fds, 2, 30000) <= 0)
        return;
      for (guint i = 0; i < 2; i++)
        {
          gboolean from_server = i == 1;
          gssize n;
          gsize allowed;

          if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
          n = read (fds[i].fd, buf, sizeof buf);
          if (n <= 0)
            return;
          allowed = (gsize) n;
          if (from_server)
            {
              gint before = g_atomic_int_add (&proxy->server_bytes, (gint) n);
              if (proxy->strip_starttls)
                strip_starttls (buf, (gsize) n);
              if (proxy->cut_after > 0 && (gsize) before + (gsize) n >= proxy->cut_after)
                {
                  allowed = proxy->cut_after > (gsize) before ? proxy->cut_after - (gsize) before
                                                              : 0;
                  g_atomic_int_set (&proxy->cut, 1);
                }
            }
          if (allowed > 0 && write (fds[1 - i].fd, buf, allowed) != (gssize) allowed)
            return;
          if (g_atomic_int_get (&proxy->cut))
            return;
        }
    }
}

static gpointer
proxy_thread (gpointer data)
{
  Proxy *proxy = data;

  for (;;)
    {
      struct sockaddr_in addr = { 0 };
      int client = accept (proxy->listen_fd, NULL, NULL);
      int server;

      if (client < 0)
        return NULL;
      server = socket (AF_INET, SOCK_STREAM, 0);
      addr.sin_family = AF_INET;
      addr.sin_port = g_htons (proxy->upstream);
      addr.sin_addr.s_addr = g_htonl (0x7f000001);
      if (connect (server, (struct sockaddr *) &addr, sizeof addr) == 0)
        pump (proxy, client, server);
      /* Both ways at once, as a dropped link. */
      shutdown (client, SHUT_RDWR);
      close (client);
      close (server);
    }
}

static Proxy *
proxy_new (guint16 upstream, gsize cut_after, gboolean strip)
{
  Proxy *proxy = g_new0 (Proxy, 1);
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;

  proxy->upstream = upstream;
  proxy->cut_after = cut_after;
  proxy->strip_starttls = strip;
  proxy->listen_fd = socket (AF_INET, SOCK_STREAM, 0);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = g_htonl (0x7f000001);
  g_assert_cmpint (bind (proxy->listen_fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (proxy->listen_fd, 4), ==, 0);
  g_assert_cmpint (getsockname (proxy->listen_fd, (struct sockaddr *) &addr, &len), ==, 0);
  proxy->port = g_ntohs (addr.sin_port);
  proxy->thread = g_thread_new ("imap-proxy", proxy_thread, proxy);
  return proxy;
}

static void
proxy_free (Proxy *proxy)
{
  /* Wakes the accept () with an error. */
  shutdown (proxy->listen_fd, SHUT_RDWR);
  g_thread_join (proxy->thread);
  close (proxy->listen_fd);
  g_free (proxy);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Proxy, proxy_free)

/* A port nothing listens on: bound, then closed. */
static guint16
closed_port (void)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = g_htonl (0x7f000001);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  close (fd);
  return g_ntohs (addr.sin_port);
}

/* Mail on the server arrives here byte for byte, with the TLS lock, and
 * the sync state lives beside the index, not in it. */
static void
test_initial_sync_imaps (Fixture *f, gconstpointer data)
{
  g_autofree char *url = imaps_url ();
  g_autoptr (GBytes) a = make_message ("first", 200);
  g_autoptr (GBytes) b = make_message ("second", 5000);
  g_autoptr (GBytes) c = make_message ("third", 3 * 1024 * 1024);
  g_autoptr (GBytes) out = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *state = g_build_filename (f->profile, "sync", "alice.sqlite", NULL);
  JsonArray *rows;

  put_on_server ("INBOX", a);
  put_on_server ("INBOX", b);
  put_on_server ("INBOX", c);
  add_account (f, url);
  sync_ok (f, 3, 0, 0, 0, 0);

  {
    g_autoptr (GBytes) got_a = local_message (f, "INBOX", "first@example.test", NULL);
    g_autoptr (GBytes) got_b = local_message (f, "INBOX", "second@example.test", NULL);
    g_autoptr (GBytes) got_c = local_message (f, "INBOX", "third@example.test", NULL);
    assert_same_bytes (got_a, a);
    assert_same_bytes (got_b, b);
    assert_same_bytes (got_c, c);
  }

  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, NULL, "list", "--json", NULL),
                   ==, 0);
  json_parser_load_from_data (parser, g_bytes_get_data (out, NULL),
                              (gssize) g_bytes_get_size (out), &error);
  g_assert_no_error (error);
  rows = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (rows), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, i),
                                                    "lock"),
                     ==, "TLS");
  /* curl appended them as seen; so they are here. */
  {
    g_autofree char *file = local_file (f, "INBOX", "first@example.test");
    g_assert_true (g_str_has_suffix (file, ":2,S"));
  }
  g_assert_true (g_file_test (state, G_FILE_TEST_IS_REGULAR));

  /* Nothing more to do the second time. */
  sync_ok (f, 0, 0, 0, 0, 0);
  g_assert_cmpuint (local_count (f, "INBOX"), ==, 3);
}

static void
test_starttls (Fixture *f, gconstpointer data)
{
  g_autofree char *url = url_for ("imap", "127.0.0.1", env_port ("POSTERN_IMAP_PORT"));
  g_autoptr (GBytes) a = make_message ("over-starttls", 1000);
  g_autoptr (GBytes) got = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autofree char *text = NULL;

  put_on_server ("INBOX", a);
  add_account (f, url);
  sync_ok (f, 1, 0, 0, 0, 0);
  got = local_message (f, "INBOX", "over-starttls@example.test", NULL);
  assert_same_bytes (got, a);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, NULL, "list", NULL), ==, 0);
  text = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  g_assert_nonnull (strstr (text, "[TLS]"));
}

/* A second sync fetches only what is new, and the sync state survives
 * the index being thrown away. */
static void
test_incremental (Fixture *f, gconstpointer data)
{
  g_autofree char *url = imaps_url ();
  g_autoptr (GBytes) a = make_message ("inc-1", 2000);
  g_autoptr (GBytes) b = make_message ("inc-2", 2000);
  g_autoptr (GBytes) c = make_message ("inc-3", 3000);
  g_autoptr (GBytes) d = make_message ("inc-4", 4000);
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternTransportImap) imap = NULL;
  g_autofree char *index = g_build_filename (f->profile, "index.sqlite", NULL);

  put_on_server ("INBOX", a);
  put_on_server ("INBOX", b);
  add_account (f, url);
  imap = make_transport (f);
  {
    g_autoptr (PosternImapSyncStats) stats = postern_transport_imap_sync (imap, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (stats->fetched, ==, 2);
    g_assert_cmpuint (stats->fetched_bytes, ==, g_bytes_get_size (a) + g_bytes_get_size (b));
  }

  put_on_server ("INBOX", c);
  put_on_server ("INBOX", d);
  {
    g_autoptr (PosternImapSyncStats) stats = postern_transport_imap_sync (imap, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (stats->fetched, ==, 2);
    g_assert_cmpuint (stats->fetched_bytes, ==, g_bytes_get_size (c) + g_bytes_get_size (d));
  }

  /* The index is a cache: rebuilt from the Maildir, it changes nothing
   * for the sync, which downloads nothing again. */
  g_assert_cmpint (g_unlink (index), ==, 0);
  {
    g_autoptr (PosternImapSyncStats) stats = postern_transport_imap_sync (imap, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (stats->fetched, ==, 0);
    g_assert_cmpuint (stats->fetched_bytes, ==, 0);
    g_assert_cmpuint (stats->removed, ==, 0);
    g_assert_cmpuint (stats->flags_pulled + stats->flags_pushed + stats->deleted, ==, 0);
  }
  g_assert_cmpuint (local_count (f, "INBOX"), ==, 4);
  g_assert_finalize_object (g_steal_pointer (&imap));
}

/* A flag set on the server comes here; one changed here (by renaming the
 * Maildir file, as any Maildir client does) goes there. */
static void
test_flags_both_ways (Fixture *f, gconstpointer data)
{
  g_autofree char *url = imaps_url ();
  g_autoptr (GBytes) a = make_message ("flag-1", 100);
  g_autoptr (GBytes) b = make_message ("flag-2", 100);
  g_autofree char *out = NULL;
  g_autofree char *flags_1 = NULL;
  g_autofree char *flags_2 = NULL;
  g_autofree char *file = NULL;

  put_on_server ("INBOX", a);
  put_on_server ("INBOX", b);
  add_account (f, url);
  sync_ok (f, 2, 0, 0, 0, 0);

  out = curl ("INBOX", "-X", "UID STORE 1 +FLAGS (\\Flagged)", NULL);
  /* Here \Seen is dropped and \Answered added: unread, but replied to. */
  set_local_flags_by_hand (f, "INBOX", "flag-2@example.test", "R");
  sync_ok (f, 0, 0, 1, 1, 0);

  file = local_file (f, "INBOX", "flag-1@example.test");
  g_assert_true (g_str_has_suffix (file, ":2,FS"));
  flags_1 = server_flags ("INBOX", 1);
  g_assert_nonnull (strstr (flags_1, "\\Flagged"));
  flags_2 = server_flags ("INBOX", 2);
  g_assert_nonnull (strstr (flags_2, "\\Answered"));
  g_assert_null (strstr (flags_2, "\\Seen"));
  g_assert_null (strstr (flags_2, "\\Deleted"));

  /* Both sides agree now. */
  sync_ok (f, 0, 0, 0, 0, 0);

  /* Changed on both sides at once, on different flags: both kept. */
  g_clear_pointer (&out, g_free);
  out = curl ("INBOX", "-X", "UID STORE 2 +FLAGS (\\Flagged)", NULL);
  set_local_flags_by_hand (f, "INBOX", "flag-2@example.test", "RS");
  sync_ok (f, 0, 0, 1, 1, 0);
  g_clear_pointer (&file, g_free);
  file = local_file (f, "INBOX", "flag-2@example.test");
  g_assert_true (g_str_has_suffix (file, ":2,FRS"));
  g_clear_pointer (&flags_2, g_free);
  flags_2 = server_flags ("INBOX", 2);
  g_assert_nonnull (strstr (flags_2, "\\Flagged"));
  g_assert_nonnull (strstr (flags_2, "\\Seen"));
  g_assert_nonnull (strstr (flags_2, "\\Answered"));
}

/* Expunged on the server: removed here. */
static void
test_server_expunge (Fixture *f, gconstpointer data)
{
  g_autofree char *url = imaps_url ();
  g_autoptr (GBytes) a = make_message ("exp-1", 100);
  g_autoptr (GBytes) b = make_message ("exp-2", 100);
  g_autoptr (GBytes) c = make_message ("exp-3", 100);
  g_autoptr (GBytes) gone = NULL;
  g_autofree char *out = NULL;

  put_on_server ("INBOX", a);
  put_on_server ("INBOX", b);
  put_on_server ("INBOX", c);
  add_account (f, url);
  sync_ok (f, 3, 0, 0, 0, 0);

  out = curl ("INBOX", "-X", "UID STORE 2 +FLAGS.SILENT (\\Deleted)", NULL);
  g_clear_pointer (&out, g_free);
  out = curl ("INBOX", "-X", "EXPUNGE", NULL);
  g_assert_cmpuint (server_count ("INBOX"), ==, 2);

  sync_ok (f, 0, 1, 0, 0, 0);
  g_assert_cmpuint (local_count (f, "INBOX"), ==, 2);
  gone = local_message (f, "INBOX", "exp-2@example.test", NULL);
  g_assert_null (gone);
  sync_ok (f, 0, 0, 0, 0, 0);
}

/* Deleted here: expunged on the server (UID EXPUNGE, Dovecot has
 * UIDPLUS), and nothing else there is touched. */
static void
test_local_delete (Fixture *f, gconstpointer data)
{
  g_autofree char *url = imaps_url ();
  g_autoptr (GBytes) a = make_message ("del-1", 100);
  g_autoptr (GBytes) b = make_message ("del-2", 100);
  g_autoptr (GError) error = NULL;
  g_autofree char *flags = NULL;

  put_on_server ("INBOX", a);
  put_on_server ("INBOX", b);
  add_account (f, url);
  sync_ok (f, 2, 0, 0, 0, 0);

  {
    g_autoptr (PosternProfile) profile = NULL;
    PosternStore *store = open_store (f, &profile);
    g_autofree char *id = postern_message_compute_id (g_bytes_get_data (a, NULL),
                                                      g_bytes_get_size (a));
    postern_store_remove (store, id, "INBOX", &error);
    g_assert_no_error (error);
  }
  sync_ok (f, 0, 0, 0, 1, 0);
  g_assert_cmpuint (server_count ("INBOX"), ==, 1);
  g_assert_null (server_flags ("INBOX", 1));
  flags = server_flags ("INBOX", 2);
  g_assert_nonnull (flags);
  g_assert_null (strstr (flags, "\\Deleted"));
  sync_ok (f, 0, 0, 0, 0, 0);
  g_assert_cmpuint (local_count (f, "INBOX"), ==, 1);
}

/* A message sent from this account and kept in Sent is copied to the
 * server's \Sent mailbox, once. */
static void
test_sent_append (Fixture *f, gconstpointer data)
{
  g_autofree char *url = imaps_url ();
  g_autoptr (GBytes) other = make_message ("not-mine", 100);
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *flags = NULL;
  const char *mine_text = "From: Alice <alice@example.test>\n"
                          "To: Bob <bob@example.test>\n"
                          "Subject: sent by alice\n"
                          "Message-ID: <sent-1@example.test>\n"
                          "\n"
                          "Stored with bare LF line ends, as Postern's Outbox keeps mail.\n";
  g_autoptr (GBytes) mine = g_bytes_new_static (mine_text, strlen (mine_text));

  add_account (f, url);
  {
    g_autoptr (PosternProfile) profile = NULL;
    PosternStore *store = open_store (f, &profile);
    postern_store_add (store, POSTERN_STORE_SENT, mine, "S", POSTERN_LOCK_TLS, NULL, &error);
    g_assert_no_error (error);
    /* Someone else's mail in Sent (an import, say) is not uploaded. */
    postern_store_add (store, POSTERN_STORE_SENT, other, "S", POSTERN_LOCK_UNKNOWN, NULL,
                       &error);
    g_assert_no_error (error);
  }
  sync_ok (f, 0, 0, 0, 0, 1);
  g_assert_cmpuint (server_count ("Sent"), ==, 1);
  /* Sent with CRLF line ends, as IMAP wants, and as seen. */
  out = curl ("Sent;UID=1", NULL);
  g_assert_nonnull (strstr (out, "Subject: sent by alice\r\n"));
  flags = server_flags ("Sent", 1);
  g_assert_nonnull (strstr (flags, "\\Seen"));

  /* Known by its APPENDUID: neither uploaded again nor fetched back. */
  sync_ok (f, 0, 0, 0, 0, 0);
  g_assert_cmpuint (local_count (f, "Sent"), ==, 2);
  g_assert_cmpuint (server_count ("Sent"), ==, 1);
}

/* Moved here from INBOX to another folder the server has: moved there
 * too (APPEND to the one, expunge from the other). */
static void
test_local_move (Fixture *f, gconstpointer data)
{
  g_autofree char *url = imaps_url ();
  g_autoptr (GBytes) a = make_message ("move-1", 100);
  g_autoptr (GBytes) b = make_message ("move-2", 100);
  g_autoptr (GBytes) archived = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;

  put_on_server ("INBOX", a);
  put_on_server ("INBOX", b);
  out = curl ("", "-X", "CREATE Archive", NULL);
  add_account (f, url);
  sync_ok (f, 2, 0, 0, 0, 0);

  {
    g_autoptr (PosternProfile) profile = NULL;
    PosternStore *store = open_store (f, &profile);
    g_autofree char *id = postern_message_compute_id (g_bytes_get_data (a, NULL),
                                                      g_bytes_get_size (a));
    postern_store_move (store, id, "INBOX", "Archive", "FS", &error);
    g_assert_no_error (error);
  }
  sync_ok (f, 0, 0, 0, 1, 1);
  g_assert_cmpuint (server_count ("INBOX"), ==, 1);
  g_assert_cmpuint (server_count ("Archive"), ==, 1);
  g_clear_pointer (&out, g_free);
  out = curl ("Archive;UID=1", NULL);
  g_assert_nonnull (strstr (out, "Message-ID: <move-1@example.test>"));
  archived = local_message (f, "Archive", "move-1@example.test", NULL);
  assert_same_bytes (archived, a);

  sync_ok (f, 0, 0, 0, 0, 0);
  g_assert_cmpuint (local_count (f, "INBOX"), ==, 1);
  g_assert_cmpuint (local_count (f, "Archive"), ==, 1);
}

static void
test_wrong_password (Fixture *f, gconstpointer data)
{
  g_autofree char *url = imaps_url ();

  add_account_full (f, url, "not-the-password", FALSE);
  sync_fails (f, "authentication failed");
  g_assert_cmpuint (local_count (f, "INBOX"), ==, 0);
}

/* 127.0.0.2 reaches the same Dovecot, but its certificate names
 * 127.0.0.1 and localhost only. */
static void
test_certificate_mismatch (Fixture *f, gconstpointer data)
{
  g_autofree char *url = url_for ("imaps", "127.0.0.2", env_port ("POSTERN_IMAPS_PORT"));
  g_autofree char *starttls = url_for ("imap", "127.0.0.2", env_port ("POSTERN_IMAP_PORT"));

  add_account (f, url);
  sync_fails (f, "does not match the host name");
  move_account (f, starttls, FALSE);
  sync_fails (f, "does not match the host name");
}

static void
test_server_down (Fixture *f, gconstpointer data)
{
  g_autofree char *url = url_for ("imaps", "127.0.0.1", closed_port ());

  add_account (f, url);
  sync_fails (f, "cannot connect");
}

/* A man in the middle hides STARTTLS: Postern does not log in in the
 * clear, unless the account allows it, and then its mail shows OPEN. */
static void
test_starttls_stripped (Fixture *f, gconstpointer data)
{
  g_autoptr (Proxy) proxy = proxy_new (env_port ("POSTERN_IMAP_PORT"), 0, TRUE);
  g_autofree char *url = url_for ("imap", "127.0.0.1", proxy->port);
  g_autoptr (GBytes) a = make_message ("in-the-clear", 100);
  g_autoptr (GBytes) out = NULL;
  g_autofree char *text = NULL;

  put_on_server ("INBOX", a);
  add_account (f, url);
  sync_fails (f, "offers no STARTTLS");
  g_assert_cmpuint (local_count (f, "INBOX"), ==, 0);

  move_account (f, url, TRUE);
  sync_ok (f, 1, 0, 0, 0, 0);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, NULL, "list", NULL), ==, 0);
  text = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  g_assert_nonnull (strstr (text, "[OPEN]"));
}

/* The connection drops in the middle of the FETCH: what arrived whole is
 * stored, and the next sync fetches only the rest. */
static void
test_cut_during_fetch (Fixture *f, gconstpointer data)
{
  const guint n = 12;
  const gsize size = 40 * 1024;
  g_autoptr (Proxy) cutting = proxy_new (env_port ("POSTERN_IMAPS_PORT"), 6 * size, FALSE);
  g_autoptr (Proxy) clean = NULL;
  g_autofree char *url = url_for ("imaps", "127.0.0.1", cutting->port);
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternImapSyncStats) first = NULL;
  g_autoptr (PosternImapSyncStats) second = NULL;
  gsize total = 0;
  guint stored;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *subject = g_strdup_printf ("cut-%02u", i);
      g_autoptr (GBytes) m = make_message (subject, size);
      put_on_server ("INBOX", m);
      total += g_bytes_get_size (m);
    }
  add_account (f, url);

  first = sync_here (f, &error);
  g_assert_null (first);
  g_assert_nonnull (error);
  g_assert_true (g_atomic_int_get (&cutting->cut));
  g_test_message ("cut: %s", error->message);
  g_clear_error (&error);
  stored = local_count (f, "INBOX");
  g_assert_cmpuint (stored, >, 0);
  g_assert_cmpuint (stored, <, n);
  /* The CLI says so in one line and exits 1. */
  sync_fails (f, "127.0.0.1");
  g_assert_cmpuint (local_count (f, "INBOX"), ==, stored);

  clean = proxy_new (env_port ("POSTERN_IMAPS_PORT"), 0, FALSE);
  {
    g_autofree char *clean_url = url_for ("imaps", "127.0.0.1", clean->port);
    move_account (f, clean_url, FALSE);
  }
  second = sync_here (f, &error);
  g_assert_no_error (error);
  g_test_message ("the cut sync stored %u of %u; the next one fetched %u (%" G_GUINT64_FORMAT
                  " bytes)", stored, n, second->fetched, second->fetched_bytes);
  g_assert_cmpuint (second->fetched, ==, n - stored);
  g_assert_cmpuint (local_count (f, "INBOX"), ==, n);
  /* Only the rest came over the wire, give or take the protocol around
   * it: less than all of it by at least what was already stored. */
  g_assert_cmpuint (second->fetched_bytes, <=, total - stored * size);
  g_assert_cmpuint ((gsize) g_atomic_int_get (&clean->server_bytes), <,
                    total - (stored - 1) * size);
}

typedef struct
{
  GMainLoop *loop;
  guint id;
} Timer;

static gboolean
timer_fired (gpointer data)
{
  Timer *t = data;

  t->id = 0;
  g_main_loop_quit (t->loop);
  return G_SOURCE_REMOVE;
}

/* Runs @loop until something quits it or @ms pass, and leaves no source
 * behind for later cases to trip over. */
static void
run_for (GMainLoop *loop, guint ms)
{
  Timer t = { loop, 0 };

  t.id = g_timeout_add (ms, timer_fired, &t);
  g_main_loop_run (loop);
  if (t.id != 0)
    g_source_remove (t.id);
}

typedef struct
{
  GMainLoop *loop;
  gboolean done;
  gboolean result;
  GError *error;
  gint64 finished;
} Wait;

static void
wait_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;

  w->result = postern_transport_imap_wait_finish (POSTERN_TRANSPORT_IMAP (source), result,
                                                  &w->error);
  w->done = TRUE;
  w->finished = g_get_monotonic_time ();
  g_main_loop_quit (w->loop);
}

static void
run_until_done (Wait *w, guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!w->done && g_get_monotonic_time () < deadline)
    run_for (w->loop, (guint) ((deadline - g_get_monotonic_time ()) / 1000) + 1);
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

/* IDLE wakes the app when mail arrives. */
static void
test_idle_new_mail (Fixture *f, gconstpointer data)
{
  g_autofree char *url = imaps_url ();
  g_autoptr (GBytes) a = make_message ("idle-1", 100);
  g_autoptr (GBytes) b = make_message ("idle-2", 100);
  g_autoptr (PosternTransportImap) imap = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GError) error = NULL;
  Wait w = { loop, FALSE, FALSE, NULL, 0 };
  gint64 start;

  put_on_server ("INBOX", a);
  add_account (f, url);
  sync_ok (f, 1, 0, 0, 0, 0);

  imap = make_transport (f);
  start = g_get_monotonic_time ();
  postern_transport_imap_wait_async (imap, 120, NULL, wait_done, &w);
  /* Give it time to settle in IDLE; it must not wake for nothing. */
  run_for (loop, 1500);
  g_assert_false (w.done);

  put_on_server ("INBOX", b);
  run_until_done (&w, 30);
  g_assert_true (w.done);
  g_assert_cmpint (w.finished - start, <, 25 * G_USEC_PER_SEC);
  g_assert_no_error (w.error);
  g_assert_true (w.result);

  {
    g_autoptr (PosternImapSyncStats) stats = sync_here (f, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (stats->fetched, ==, 1);
  }
  /* The task and its thread let go of it once they are done. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_finalize_object (g_steal_pointer (&imap));
}

/* Cancelling ends the wait at once; a quiet server ends it after the
 * time asked for. */
static void
test_idle_cancel_and_timeout (Fixture *f, gconstpointer data)
{
  g_autofree char *url = imaps_url ();
  g_autoptr (PosternTransportImap) imap = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Wait w = { loop, FALSE, FALSE, NULL, 0 };
  gint64 start;

  add_account (f, url);
  sync_ok (f, 0, 0, 0, 0, 0);
  imap = make_transport (f);

  postern_transport_imap_wait_async (imap, 600, cancellable, wait_done, &w);
  start = g_get_monotonic_time ();
  g_timeout_add_full (G_PRIORITY_DEFAULT, 1000, cancel_later, g_object_ref (cancellable),
                      g_object_unref);
  run_until_done (&w, 20);
  g_assert_true (w.done);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (w.result);
  g_assert_cmpint (w.finished - start, <, 5 * G_USEC_PER_SEC);
  g_clear_error (&w.error);

  w = (Wait) { loop, FALSE, FALSE, NULL, 0 };
  start = g_get_monotonic_time ();
  postern_transport_imap_wait_async (imap, 2, NULL, wait_done, &w);
  run_until_done (&w, 20);
  g_assert_true (w.done);
  g_assert_no_error (w.error);
  g_assert_true (w.result);
  g_assert_cmpint (w.finished - start, >=, 2 * G_USEC_PER_SEC);
}

/* The server's mailbox is recreated (a new UIDVALIDITY) with the same
 * mail: nothing is stored twice. */
static void
test_uidvalidity_change (Fixture *f, gconstpointer data)
{
  g_autofree char *url = imaps_url ();
  g_autofree char *mail = g_build_filename (env ("POSTERN_MAIL_ROOT"), "alice", NULL);
  g_autoptr (GBytes) a = make_message ("uv-1", 100);
  g_autoptr (GBytes) b = make_message ("uv-2", 100);

  put_on_server ("INBOX", a);
  add_account (f, url);
  sync_ok (f, 1, 0, 0, 0, 0);

  postern_test_rm_rf (mail);
  put_on_server ("INBOX", a);
  put_on_server ("INBOX", b);
  sync_ok (f, 1, 0, 0, 0, 0);
  g_assert_cmpuint (local_count (f, "INBOX"), ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn)                                                                             \
  g_test_add ("/Postern/Transport/Imap/" path, Fixture, NULL, fixture_set_up, fn,                 \
              fixture_tear_down)
  ADD ("initial-sync-imaps", test_initial_sync_imaps);
  ADD ("starttls", test_starttls);
  ADD ("incremental", test_incremental);
  ADD ("flags-both-ways", test_flags_both_ways);
  ADD ("server-expunge", test_server_expunge);
  ADD ("local-delete", test_local_delete);
  ADD ("sent-append", test_sent_append);
  ADD ("local-move", test_local_move);
  ADD ("wrong-password", test_wrong_password);
  ADD ("certificate-mismatch", test_certificate_mismatch);
  ADD ("server-down", test_server_down);
  ADD ("starttls-stripped", test_starttls_stripped);
  ADD ("cut-during-fetch", test_cut_during_fetch);
  ADD ("idle-new-mail", test_idle_new_mail);
  ADD ("idle-cancel-and-timeout", test_idle_cancel_and_timeout);
  ADD ("uidvalidity-change", test_uidvalidity_change);
#undef ADD
  return g_test_run ();
}
