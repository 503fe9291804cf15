/* test-cli.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * postern-cli against the contract in docs/cli.md: commands, output and
 * exit codes, run as a real process on real profiles.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/mount.h>

#include "postern-core.h"
#include "postern-test-util.h"

#define ONION "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd"

typedef struct
{
  char *dir;
  char *profile;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = postern_test_make_tmpdir ("cli");
  f->profile = g_build_filename (f->dir, "profile", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  postern_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->profile);
}

static char *
out_text (GBytes *out)
{
  return g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
}

static void
assert_one_line (const char *err, const char *needle)
{
  g_assert_nonnull (strstr (err, needle));
  g_assert_true (g_str_has_prefix (err, "postern-cli: "));
  /* Exactly one line: the only newline is the last character. */
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
}

static void
test_usage (Fixture *f, gconstpointer data)
{
  g_autofree char *err = NULL;

  g_assert_cmpint (postern_test_run_cli (NULL, NULL, NULL, &err, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "Usage: postern-cli"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "frobnicate", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "unknown command \"frobnicate\""));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "list", "--bogus", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "unknown option --bogus"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "import", "tar", "x", NULL), ==, 2);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "show", NULL), ==, 2);
  /* Nothing was created by commands that failed on usage. */
  g_assert_false (g_file_test (f->profile, G_FILE_TEST_EXISTS));
}

static void
test_missing_profile (Fixture *f, gconstpointer data)
{
  const char *cmds[][3] = { { "list", NULL }, { "show", "0123456789ab" }, { "search", "x" },
                            { "account", "list" }, { "config", "get" } };

  for (guint i = 0; i < G_N_ELEMENTS (cmds); i++)
    {
      g_autofree char *err = NULL;
      int rc;
      if (g_str_equal (cmds[i][0], "config"))
        rc = postern_test_run_cli (f->profile, NULL, NULL, &err, "config", "get", "tor.mode", NULL);
      else
        rc = postern_test_run_cli (f->profile, NULL, NULL, &err, cmds[i][0], cmds[i][1], NULL);
      g_assert_cmpint (rc, ==, 1);
      assert_one_line (err, "no Postern profile at");
    }
  g_assert_false (g_file_test (f->profile, G_FILE_TEST_EXISTS));
}

static JsonArray *
parse_json_array (GBytes *out, JsonParser **parser)
{
  g_autoptr (GError) error = NULL;

  *parser = json_parser_new ();
  json_parser_load_from_data (*parser, g_bytes_get_data (out, NULL), (gssize) g_bytes_get_size (out), &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (*parser)));
  return json_node_get_array (json_parser_get_root (*parser));
}

static void
test_import_mbox_list_show (Fixture *f, gconstpointer data)
{
  g_autofree char *mbox = postern_test_data_path ("sample.mbox");
  g_autoptr (GBytes) out = NULL;
  g_autoptr (JsonParser) parser = NULL;
  g_autofree char *err = NULL;
  g_autofree char *text = NULL;
  JsonArray *rows;

  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, &err, "import", "mbox", mbox, NULL), ==, 0);
  text = out_text (out);
  g_assert_cmpstr (text, ==, "imported 3 new messages into INBOX (0 already stored)\n");
  g_clear_pointer (&out, g_bytes_unref);
  g_clear_pointer (&text, g_free);

  /* A second import stores nothing twice. */
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, NULL, "import", "mbox", mbox, NULL), ==, 0);
  text = out_text (out);
  g_assert_cmpstr (text, ==, "imported 0 new messages into INBOX (3 already stored)\n");
  g_clear_pointer (&out, g_bytes_unref);

  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, NULL, "list", "--json", NULL), ==, 0);
  rows = parse_json_array (out, &parser);
  g_assert_cmpuint (json_array_get_length (rows), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *o = json_array_get_object_element (rows, i);
      const char *fields[] = { "id", "from", "to", "subject", "date", "lock" };
      g_autoptr (GBytes) shown = NULL;
      for (guint k = 0; k < G_N_ELEMENTS (fields); k++)
        g_assert_true (json_object_has_member (o, fields[k]));
      g_assert_cmpstr (json_object_get_string_member (o, "lock"), ==, "UNKNOWN");
      g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &shown, NULL, "show",
                                             json_object_get_string_member (o, "id"), NULL), ==, 0);
      if (g_str_equal (json_object_get_string_member (o, "subject"), "first in mbox"))
        {
          g_autofree char *body = out_text (shown);
          g_assert_true (g_str_has_prefix (body, "From: Alice <alice@example.test>\n"));
          g_assert_nonnull (strstr (body, "\nFrom the archive: quoted once.\n"));
        }
    }
  /* Newest first. */
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 0), "subject"),
                   ==, "second in mbox");
}

static void
test_bad_input_keeps_store (Fixture *f, gconstpointer data)
{
  g_autofree char *mbox = postern_test_data_path ("sample.mbox");
  g_autofree char *notmbox = postern_test_data_path ("latin1.eml");
  g_autofree char *missing = g_build_filename (f->dir, "no-such-file", NULL);
  g_autofree char *unreadable = g_build_filename (f->dir, "dir.mbox", NULL);
  g_autofree char *err = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (JsonParser) parser = NULL;

  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, NULL, "import", "mbox", mbox, NULL), ==, 0);

  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "import", "mbox", notmbox, NULL), ==, 1);
  assert_one_line (err, "not an mbox file");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "import", "mbox", missing, NULL), ==, 1);
  assert_one_line (err, "No such file");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (g_mkdir (unreadable, 0700), ==, 0);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "import", "mbox", unreadable, NULL), ==, 1);
  g_assert_true (g_str_has_prefix (err, "postern-cli: "));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "import", "maildir", mbox, NULL), ==, 1);
  assert_one_line (err, "is not a Maildir");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "show", "ffffffffffffffffffffffff", NULL), ==, 1);
  assert_one_line (err, "no message with id");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "list", "NoSuchFolder", NULL), ==, 1);
  assert_one_line (err, "no folder named");

  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, NULL, "list", "--json", NULL), ==, 0);
  g_assert_cmpuint (json_array_get_length (parse_json_array (out, &parser)), ==, 3);
}

static void
import_data_maildir (Fixture *f)
{
  const char *names[] = { "latin1.eml", "koi8r.eml", "utf8-qp.eml", "shift-jis.eml",
                          "html-only.eml", "multipart-attachment.eml", "crlf.eml",
                          "malformed-garbage.eml", "malformed-headers.eml",
                          "malformed-unterminated.eml" };
  g_autofree char *md = g_build_filename (f->dir, "md", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *sub = g_build_filename (md, i % 2 ? "cur" : "new", NULL);
      g_autofree char *name = g_strdup_printf ("%u.M%uP1.host%s", 1700000000 + i, i, i % 2 ? ":2,S" : "");
      g_autofree char *dest = g_build_filename (sub, name, NULL);
      g_autoptr (GBytes) bytes = postern_test_data_bytes (names[i]);
      g_mkdir_with_parents (sub, 0700);
      g_assert_true (g_file_set_contents (dest, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL));
    }
  {
    g_autofree char *tmp = g_build_filename (md, "tmp", NULL);
    g_mkdir_with_parents (tmp, 0700);
  }
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, NULL, "import", "maildir", md, "--folder", "Archive", NULL), ==, 0);
}

static guint
search_hits (Fixture *f, const char *query)
{
  g_autoptr (GBytes) out = NULL;
  g_autoptr (JsonParser) parser = NULL;

  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, NULL, "search", query, "--json", NULL), ==, 0);
  return json_array_get_length (parse_json_array (out, &parser));
}

static void
test_search_charsets (Fixture *f, gconstpointer data)
{
  g_autofree char *err = NULL;

  import_data_maildir (f);
  g_assert_cmpuint (search_hits (f, "Résumé"), ==, 1);
  g_assert_cmpuint (search_hits (f, "Москве"), ==, 1);
  g_assert_cmpuint (search_hits (f, "pünktlich"), ==, 1);
  g_assert_cmpuint (search_hits (f, "会議"), ==, 1);
  g_assert_cmpuint (search_hits (f, "pineapples"), ==, 1);
  g_assert_cmpuint (search_hits (f, "subject:walrus"), ==, 1);
  g_assert_cmpuint (search_hits (f, "nosuchwordanywhere"), ==, 0);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "search", "!!!", NULL), ==, 1);
  assert_one_line (err, "no words");
  /* Flags of the imported Maildir are kept: odd files came from cur/ with S. */
  {
    g_autoptr (GBytes) out = NULL;
    g_autoptr (JsonParser) parser = NULL;
    g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, NULL, "list", "Archive", "--json", NULL), ==, 0);
    g_assert_cmpuint (json_array_get_length (parse_json_array (out, &parser)), ==, 10);
  }
}

static void
test_route (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) out = NULL;
  g_autoptr (JsonParser) parser = NULL;
  g_autofree char *err = NULL;
  JsonArray *rows;

  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, NULL, "route", "a@example.test", "Bob <b@example.org>", NULL), ==, 0);
  rows = parse_json_array (out, &parser);
  g_assert_cmpuint (json_array_get_length (rows), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 1), "address"), ==, "b@example.org");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 1), "transport"), ==, "smtp");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 1), "lock"), ==, "TLS");
  g_clear_pointer (&out, g_bytes_unref);
  g_clear_object (&parser);

  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, &err, "route", "a@example.test", "x@" ONION ".onion", "c@example.test", NULL), ==, 3);
  rows = parse_json_array (out, &parser);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 1), "transport"), ==, "smtorp");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 1), "lock"), ==, "ONION");
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (rows, 1), "conflict"));
  g_assert_false (json_object_get_boolean_member (json_array_get_object_element (rows, 0), "conflict"));
  assert_one_line (err, "different transports");
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "route", "not-an-address", NULL), ==, 1);
  assert_one_line (err, "invalid address");
}

static void
test_config_and_accounts (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) out = NULL;
  g_autoptr (JsonParser) parser = NULL;
  g_autofree char *err = NULL;
  g_autofree char *text = NULL;
  JsonArray *rows;

  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, NULL, "config", "set", "dns.upstream", "127.0.0.1@5300", NULL), ==, 0);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, NULL, "config", "get", "dns.upstream", NULL), ==, 0);
  text = out_text (out);
  g_assert_cmpstr (text, ==, "127.0.0.1@5300\n");
  g_clear_pointer (&out, g_bytes_unref);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "config", "set", "tor.mode", "maybe", NULL), ==, 1);
  assert_one_line (err, "tor.mode");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "config", "get", "bogus", NULL), ==, 1);
  assert_one_line (err, "unknown setting");
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, NULL, "account", "add", "work", "--address", "me@example.test",
                                         "--imap", "imaps://127.0.0.1:9993", "--smtp", "smtps://127.0.0.1:9465", NULL), ==, 0);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "account", "add", "bad", "--address", "me@example.test",
                                         "--imap", "ftp://x", NULL), ==, 1);
  assert_one_line (err, "invalid IMAP URL");
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, NULL, "account", "list", "--json", NULL), ==, 0);
  rows = parse_json_array (out, &parser);
  g_assert_cmpuint (json_array_get_length (rows), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 0), "smtp"), ==, "smtps://127.0.0.1:9465");
}

static void
test_send_local (Fixture *f, gconstpointer data)
{
  g_autofree char *bob = g_build_filename (f->dir, "bob", NULL);
  g_autofree char *url = g_strconcat ("local:", bob, NULL);
  const char *msg = "From: me@example.test\nTo: Bob <bob@example.test>\nSubject: via the outbox\n\nhello bob\n";
  const char *mixed = "From: me@example.test\nTo: bob@example.test, x@" ONION ".onion\nSubject: mixed\n\nx\n";
  g_autoptr (GBytes) in = g_bytes_new_static (msg, strlen (msg));
  g_autoptr (GBytes) in_mixed = g_bytes_new_static (mixed, strlen (mixed));
  g_autoptr (GBytes) out = NULL;
  g_autoptr (JsonParser) parser = NULL;
  g_autofree char *err = NULL;
  g_autofree char *text = NULL;

  g_assert_cmpint (postern_test_run_cli (bob, NULL, NULL, NULL, "config", "set", "tor.mode", "managed", NULL), ==, 0);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, NULL, "account", "add", "me", "--address", "me@example.test", "--smtp", url, NULL), ==, 0);
  g_assert_cmpint (postern_test_run_cli (f->profile, in, &out, &err, "send", NULL), ==, 0);
  text = out_text (out);
  g_assert_cmpstr (text, ==, "bob@example.test local TLS\n");
  g_clear_pointer (&out, g_bytes_unref);

  g_assert_cmpint (postern_test_run_cli (bob, NULL, &out, NULL, "search", "subject:outbox", "--json", NULL), ==, 0);
  g_assert_cmpuint (json_array_get_length (parse_json_array (out, &parser)), ==, 1);
  g_clear_pointer (&out, g_bytes_unref);
  g_clear_object (&parser);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, NULL, "list", "Sent", "--json", NULL), ==, 0);
  g_assert_cmpuint (json_array_get_length (parse_json_array (out, &parser)), ==, 1);
  g_clear_pointer (&out, g_bytes_unref);
  g_clear_object (&parser);

  /* Mixed transports: refused with exit 3, nothing queued. */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_run_cli (f->profile, in_mixed, NULL, &err, "send", NULL), ==, 3);
  assert_one_line (err, "different transports");
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, NULL, "list", "Outbox", "--json", NULL), ==, 0);
  g_assert_cmpuint (json_array_get_length (parse_json_array (out, &parser)), ==, 0);
}

/* A file system too small for the import: one clear error, exit 1, and
 * everything stored before is intact. Needs root to mount a tmpfs. */
static void
test_full_disk (Fixture *f, gconstpointer data)
{
  g_autofree char *mnt = g_build_filename (f->dir, "small", NULL);
  g_autofree char *profile = g_build_filename (mnt, "p", NULL);
  g_autofree char *small = postern_test_data_path ("sample.mbox");
  g_autofree char *big = g_build_filename (f->dir, "big.mbox", NULL);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GBytes) out = NULL;
  g_autoptr (JsonParser) parser = NULL;
  g_autofree char *err = NULL;
  JsonArray *rows;

  g_mkdir (mnt, 0700);
  if (mount ("tmpfs", mnt, "tmpfs", 0, "size=1m") != 0)
    {
      g_autofree char *why = g_strdup_printf ("cannot mount a small tmpfs: %s", g_strerror (errno));
      g_test_skip (why);
      return;
    }
  for (guint i = 0; i < 400; i++)
    {
      g_string_append_printf (text, "From x@y Mon Feb  9 10:00:00 2026\nSubject: filler %u\nMessage-ID: <f%u@x>\n\n", i, i);
      for (guint k = 0; k < 40; k++)
        g_string_append (text, "filler text to take up space on the small file system\n");
      g_string_append_c (text, '\n');
    }
  g_assert_true (g_file_set_contents (big, text->str, text->len, NULL));

  g_assert_cmpint (postern_test_run_cli (profile, NULL, NULL, NULL, "import", "mbox", small, NULL), ==, 0);
  g_assert_cmpint (postern_test_run_cli (profile, NULL, NULL, &err, "import", "mbox", big, NULL), ==, 1);
  assert_one_line (err, "No space left on device");

  g_assert_cmpint (postern_test_run_cli (profile, NULL, &out, NULL, "list", "--json", NULL), ==, 0);
  rows = parse_json_array (out, &parser);
  g_assert_cmpuint (json_array_get_length (rows), >=, 3);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      const char *id = json_object_get_string_member (json_array_get_object_element (rows, i), "id");
      g_autoptr (GBytes) shown = NULL;
      g_assert_cmpint (postern_test_run_cli (profile, NULL, &shown, NULL, "show", id, NULL), ==, 0);
      {
        g_autofree char *hash = postern_message_compute_id (g_bytes_get_data (shown, NULL), g_bytes_get_size (shown));
        g_assert_cmpstr (hash, ==, id);
      }
    }
  umount2 (mnt, MNT_DETACH);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/Postern/Cli/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("usage", test_usage);
  ADD ("missing-profile", test_missing_profile);
  ADD ("import-mbox-list-show", test_import_mbox_list_show);
  ADD ("bad-input-keeps-store", test_bad_input_keeps_store);
  ADD ("search-charsets", test_search_charsets);
  ADD ("route", test_route);
  ADD ("config-and-accounts", test_config_and_accounts);
  ADD ("send-local", test_send_local);
  ADD ("full-disk", test_full_disk);
#undef ADD
  return g_test_run ();
}
