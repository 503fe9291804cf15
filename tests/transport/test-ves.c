/* test-ves.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VES encryption: every message of the real-world corpus (or, without it,
 * of tests/data) encrypts to a message that shows none of its subject and
 * decrypts to the original byte for byte; a message of several megabytes
 * goes through the chunked path; a changed byte anywhere, a part removed, a
 * Message-ID changed or a wrong key gives an error and not one byte of
 * plaintext.
 */
#include "config.h"

#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "postern-core.h"
#include "postern-gmime.h"
#include "postern-test-util.h"

static char *tmpdir;

static int
file_with (GBytes *bytes, const char *name)
{
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr (GError) error = NULL;
  int fd;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes),
                       &error);
  g_assert_no_error (error);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  return fd;
}

static GBytes *
encrypt (GBytes *message, const guint8 *key, char **message_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (PosternVesPlan) plan = NULL;
  int fd = file_with (message, "plain.eml");

  plan = postern_ves_plan_new (fd, &error);
  close (fd);
  g_assert_no_error (error);
  if (message_id)
    *message_id = g_strdup (postern_ves_plan_get_message_id (plan));
  g_assert_true (postern_ves_plan_write (plan, key, NULL, out, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, NULL);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

/* The plaintext, or NULL with @error set; @out_written tells how much
 * reached the output before the error. */
static GBytes *
decrypt (GBytes *sealed_bytes, const guint8 *key, gsize *out_written, GError **error)
{
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (PosternVesSealed) sealed = NULL;
  int fd = file_with (sealed_bytes, "sealed.eml");
  gboolean ok;

  sealed = postern_ves_sealed_open (fd, error);
  close (fd);
  if (out_written)
    *out_written = 0;
  if (sealed == NULL)
    return NULL;
  ok = postern_ves_sealed_decrypt (sealed, key, out, NULL, error);
  g_output_stream_close (out, NULL, NULL);
  if (out_written)
    *out_written = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));
  if (!ok)
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static GBytes *
read_file (const char *path)
{
  char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

static char *
subject_of (GBytes *message)
{
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (
    g_bytes_get_data (message, NULL), g_bytes_get_size (message));
  g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  g_autoptr (GMimeMessage) parsed = g_mime_parser_construct_message (parser, NULL);
  const char *raw = parsed ? g_mime_object_get_header (GMIME_OBJECT (parsed), "Subject") : NULL;

  return raw ? g_strstrip (g_strdup (raw)) : NULL;
}

static gboolean
contains (GBytes *haystack, const char *needle)
{
  return g_strstr_len (g_bytes_get_data (haystack, NULL), (gssize) g_bytes_get_size (haystack),
                       needle)
         != NULL;
}

static void
round_trip_files (GPtrArray *files)
{
  guint8 key[POSTERN_VES_KEY_BYTES];
  guint hidden = 0;

  randombytes_buf (key, sizeof key);
  for (guint i = 0; i < files->len; i++)
    {
      g_autoptr (GBytes) original = read_file (files->pdata[i]);
      g_autoptr (GBytes) sealed = encrypt (original, key, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) back = decrypt (sealed, key, NULL, &error);
      g_autofree char *subject = subject_of (original);

      if (error != NULL)
        g_test_message ("%s: %s", (char *) files->pdata[i], error->message);
      g_assert_no_error (error);
      if (!g_bytes_equal (original, back))
        g_error ("%s does not come back byte for byte", (char *) files->pdata[i]);
      /* A subject long enough not to appear by chance must not be seen
       * (one about encryption may match the banner's own words). */
      if (subject != NULL && strlen (subject) >= 12 && !strstr (subject, "ncrypted"))
        {
          if (contains (sealed, subject))
            g_error ("%s: the subject shows in the encrypted message", (char *) files->pdata[i]);
          hidden++;
        }
    }
  g_test_message ("%u messages came back byte for byte; %u subjects checked hidden", files->len,
                  hidden);
  g_assert_cmpuint (files->len, >, 0);
}

static void
test_corpus (void)
{
  g_autoptr (GPtrArray) files = postern_test_corpus_files (".eml");

  if (postern_test_corpus_dir () == NULL)
    g_test_message ("corpus not found (../shared/corpus or $POSTERN_CORPUS): tests/data only");
  round_trip_files (files);
}

static void
test_own_data (void)
{
  const char *names[] = { "crlf.eml",
                          "html-only.eml",
                          "koi8r.eml",
                          "latin1.eml",
                          "malformed-garbage.eml",
                          "malformed-headers.eml",
                          "malformed-unterminated.eml",
                          "multipart-attachment.eml",
                          "shift-jis.eml",
                          "utf8-qp.eml",
                          NULL };
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; names[i] != NULL; i++)
    g_ptr_array_add (files, postern_test_data_path (names[i]));
  round_trip_files (files);
}

static GBytes *
big_message (gsize attachment_size)
{
  GString *text = g_string_new ("From: Ada <ada@example.org>\r\nTo: bob@example.org\r\n"
                                "Subject: the big file\r\nMIME-Version: 1.0\r\n"
                                "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
                                "--b\r\nContent-Type: text/plain\r\n\r\nHere it is.\r\n"
                                "--b\r\nContent-Type: application/octet-stream\r\n"
                                "Content-Transfer-Encoding: base64\r\n\r\n");
  g_autofree guint8 *raw = g_malloc (57);

  for (gsize done = 0; done < attachment_size; done += 57)
    {
      g_autofree char *line = NULL;
      randombytes_buf (raw, 57);
      line = g_base64_encode (raw, 57);
      g_string_append (text, line);
      g_string_append (text, "\r\n");
    }
  g_string_append (text, "--b--\r\n");
  return g_string_free_to_bytes (text);
}

static void
test_big (void)
{
  guint8 key[POSTERN_VES_KEY_BYTES];
  g_autoptr (GBytes) original = big_message (4 * 1024 * 1024);
  g_autoptr (GBytes) sealed = NULL;
  g_autoptr (GBytes) back = NULL;
  g_autoptr (GError) error = NULL;

  randombytes_buf (key, sizeof key);
  sealed = encrypt (original, key, NULL);
  back = decrypt (sealed, key, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (original, back));
}

/* @sealed with the byte at @offset changed (a base64 letter for another). */
static GBytes *
with_byte_changed (GBytes *sealed, gsize offset)
{
  gsize len = g_bytes_get_size (sealed);
  guint8 *copy = g_memdup2 (g_bytes_get_data (sealed, NULL), len);

  copy[offset] = copy[offset] == 'A' ? 'B' : 'A';
  return g_bytes_new_take (copy, len);
}

static void
assert_refused (GBytes *sealed, const guint8 *key, const char *what)
{
  g_autoptr (GError) error = NULL;
  gsize written = 0;
  g_autoptr (GBytes) back = decrypt (sealed, key, &written, &error);

  g_test_message ("%s: %s", what, error ? error->message : "(decrypted!)");
  g_assert_null (back);
  g_assert_nonnull (error);
  g_assert_cmpuint (written, ==, 0);
}

static gsize
offset_of (GBytes *bytes, const char *needle)
{
  const char *data = g_bytes_get_data (bytes, NULL);
  const char *at = g_strstr_len (data, (gssize) g_bytes_get_size (bytes), needle);

  g_assert_nonnull (at);
  return (gsize) (at - data);
}

static void
test_tampered (void)
{
  guint8 key[POSTERN_VES_KEY_BYTES];
  guint8 wrong[POSTERN_VES_KEY_BYTES];
  g_autoptr (GBytes) original = big_message (300 * 1024);
  g_autoptr (GBytes) sealed = NULL;
  g_autofree char *id = NULL;
  gsize size;

  randombytes_buf (key, sizeof key);
  randombytes_buf (wrong, sizeof wrong);
  sealed = encrypt (original, key, &id);
  size = g_bytes_get_size (sealed);

  assert_refused (sealed, wrong, "wrong key");
  {
    /* In the encrypted headers, in the first part, deep in the big part. */
    gsize header = offset_of (sealed, "X-Ves-Header: ") + 20;
    gsize part0 = offset_of (sealed, "x-ves-part=0") + 200;
    gsize part1 = offset_of (sealed, "x-ves-part=1") + 200000;
    g_autoptr (GBytes) a = with_byte_changed (sealed, header);
    g_autoptr (GBytes) b = with_byte_changed (sealed, part0);
    g_autoptr (GBytes) c = with_byte_changed (sealed, part1);

    g_assert_cmpuint (part1, <, size);
    assert_refused (a, key, "a changed header byte");
    assert_refused (b, key, "a changed byte in the first part");
    assert_refused (c, key, "a changed byte deep in the big part");
  }
  {
    /* Another Message-ID: the keys no longer derive. */
    gsize at = offset_of (sealed, id);
    g_autoptr (GBytes) d = with_byte_changed (sealed, at);
    assert_refused (d, key, "another Message-ID");
  }
  {
    /* The big part cut short: its last chunk and final tag are gone. */
    gsize cut = offset_of (sealed, "x-ves-part=1") + 250000;
    const char *data = g_bytes_get_data (sealed, NULL);
    gsize tail = offset_of (sealed, "x-ves-part=1");
    g_autoptr (GString) shorter = g_string_new_len (data, (gssize) cut);
    const char *end = strstr (data + tail, "\r\n--ves-");

    g_assert_nonnull (end);
    g_string_append (shorter, end);
    {
      g_autoptr (GBytes) e = g_string_free_to_bytes (g_steal_pointer (&shorter));
      assert_refused (e, key, "a part cut short");
    }
  }
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  postern_core_init ();
  if (sodium_init () < 0)
    return 1;
  tmpdir = postern_test_make_tmpdir ("ves");
  g_test_add_func ("/ves/corpus", test_corpus);
  g_test_add_func ("/ves/own-data", test_own_data);
  g_test_add_func ("/ves/big", test_big);
  g_test_add_func ("/ves/tampered", test_tampered);
  rc = g_test_run ();
  postern_test_rm_rf (tmpdir);
  g_free (tmpdir);
  return rc;
}
