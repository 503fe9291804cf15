/* test-pow.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Proof-of-work stamps: Postern's own Argon2id stamps, and hashcash v1
 * stamps checked against the real hashcash tool in both directions.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "postern-core.h"

#define RCPT "bob@pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"

static gint64
now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static PosternPowPolicy
policy_with_bits (guint bits)
{
  PosternPowPolicy p;
  postern_pow_policy_init_default (&p);
  p.argon2_bits = bits;
  p.hashcash_base_bits = bits;
  p.hashcash_step_days = 0;
  return p;
}

static PosternPowStamp *
mint (PosternPowAlgorithm alg, guint bits, const char *resource, gint64 when)
{
  g_autoptr (GError) error = NULL;
  PosternPowStamp *s = postern_pow_mint (alg, bits, resource, 0, 0, when, NULL, &error);
  g_assert_no_error (error);
  return s;
}

static void
test_argon2_round_trip (void)
{
  g_autoptr (PosternPowStamp) s = mint (POSTERN_POW_ARGON2ID, 6, RCPT, now ());
  g_autofree char *header = postern_pow_stamp_to_header (s);
  g_autoptr (PosternPowStamp) parsed = NULL;
  g_autoptr (GError) error = NULL;
  PosternPowPolicy policy = policy_with_bits (6);

  g_assert_true (g_str_has_prefix (header, "X-Smtorp-Pow: v=1; a=argon2id; m=64; t=1; b=6; r=" RCPT "; d="));
  parsed = postern_pow_stamp_parse (header, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (parsed->canonical, ==, s->canonical);
  g_assert_true (postern_pow_verify (parsed, RCPT, &policy, now (), &error));
  g_assert_no_error (error);
  /* Recipients compare without case; the bare stamp parses too. */
  g_assert_true (postern_pow_verify (parsed, "BOB@" "PG6MMJIYJMCRSSLVYKFWNNTLARU7P5SVN6Y2YMMJU6NUBXNDF4PSCRYD.ONION", &policy, now (), NULL));
  {
    g_autoptr (PosternPowStamp) bare = postern_pow_stamp_parse (header + strlen ("X-Smtorp-Pow: "), &error);
    g_assert_no_error (error);
    g_assert_cmpstr (bare->canonical, ==, s->canonical);
  }
  /* A folded header line is the same stamp. */
  {
    g_autofree char *folded = g_strdup (header);
    char *semi = strstr (folded, "; r=");
    g_autoptr (PosternPowStamp) f = NULL;
    g_autofree char *text = NULL;
    semi[1] = '\n';
    text = g_strdup_printf ("%.*s\n\t%s", (int) (semi - folded + 1), folded, semi + 2);
    f = postern_pow_stamp_parse (text, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (f->canonical, ==, s->canonical);
  }
}

static void
assert_refused (const PosternPowStamp *s, const char *resource, const PosternPowPolicy *p,
                gint64 when, const char *why)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (postern_pow_verify (s, resource, p, when, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY);
  if (strstr (error->message, why) == NULL)
    g_error ("expected \"%s\" in \"%s\"", why, error->message);
}

static void
test_argon2_refusals (void)
{
  gint64 t = now ();
  g_autoptr (PosternPowStamp) s = mint (POSTERN_POW_ARGON2ID, 6, RCPT, t);
  PosternPowPolicy six = policy_with_bits (6);
  PosternPowPolicy twelve = policy_with_bits (12);
  PosternPowPolicy big_m = policy_with_bits (6);
  g_autoptr (GError) error = NULL;

  assert_refused (s, "carol@example.onion", &six, t, "it is for " RCPT);
  assert_refused (s, RCPT, &twelve, t, "6 bits of work, 12 required");
  assert_refused (s, RCPT, &six, t + 49 * 3600, "expired");
  assert_refused (s, RCPT, &six, t - 2 * 3600, "dated in the future");
  big_m.argon2_min_m = 128;
  assert_refused (s, RCPT, &big_m, t, "Argon2 memory 64 KiB is outside");

  /* Claiming more work than was done: the text changes, the hash does not
   * have the zero bits any more (with overwhelming likelihood). */
  {
    g_autofree char *forged_text = NULL;
    g_autoptr (PosternPowStamp) forged = NULL;
    g_autofree char *header = postern_pow_stamp_to_header (s);
    g_autoptr (GString) g = g_string_new (header);
    g_string_replace (g, "; b=6;", "; b=20;", 1);
    forged = postern_pow_stamp_parse (g->str, &error);
    g_assert_no_error (error);
    assert_refused (forged, RCPT, &six, t, "not the 20 it claims");
  }
}

static void
test_malformed (void)
{
  const char *bad[] = {
    "",
    "X-Smtorp-Pow:",
    "X-Smtorp-Pow: v=2; a=argon2id; m=64; t=1; b=6; r=a@b; d=20261125120000; n=x",
    "X-Smtorp-Pow: v=1; a=scrypt; m=64; t=1; b=6; r=a@b; d=20261125120000; n=x",
    "X-Smtorp-Pow: v=1; a=argon2id; t=1; m=64; b=6; r=a@b; d=20261125120000; n=x",
    "X-Smtorp-Pow: v=1; a=argon2id; m=4; t=1; b=6; r=a@b; d=20261125120000; n=x",
    "X-Smtorp-Pow: v=1; a=argon2id; m=64; t=1; b=65; r=a@b; d=20261125120000; n=x",
    "X-Smtorp-Pow: v=1; a=argon2id; m=64; t=1; b=6; r=nobody; d=20261125120000; n=x",
    "X-Smtorp-Pow: v=1; a=argon2id; m=64; t=1; b=6; r=a@b; d=20261325120000; n=x",
    "X-Smtorp-Pow: v=1; a=argon2id; m=64; t=1; b=6; r=a@b; d=00261125120000; n=x",
    "X-Smtorp-Pow: v=1; a=argon2id; m=64; t=1; b=6; r=a@b; d=20261125120000; n=bad nonce",
    "X-Smtorp-Pow: v=1; a=argon2id; m=64; t=1; b=6; r=a@b; d=20261125120000; n=x; extra=1",
    "X-Hashcash: 1:20:261125:a@b::rand",
    "X-Hashcash: 0:20:261125:a@b::rand:1",
    "X-Hashcash: 1:200:261125:a@b::rand:1",
    "X-Hashcash: 1:20:2611:a@b::rand:1",
    "X-Hashcash: 1:20:261125:a@b:::",
    "Subject: not a stamp",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      PosternPowStamp *s = postern_pow_stamp_parse (bad[i], &error);
      if (s != NULL)
        g_error ("parsed: %s", bad[i]);
      g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
    }
}

static void
test_hashcash_rising_bits (void)
{
  PosternPowPolicy p;
  g_autoptr (GDateTime) before = g_date_time_new_utc (2025, 12, 1, 0, 0, 0);
  g_autoptr (GDateTime) nov = g_date_time_new_utc (2026, 11, 25, 0, 0, 0);
  g_autoptr (GDateTime) later = g_date_time_new_utc (2028, 1, 1, 0, 0, 0);

  postern_pow_policy_init_default (&p);
  g_assert_cmpuint (postern_pow_policy_required_bits (&p, POSTERN_POW_HASHCASH, g_date_time_to_unix (before)), ==, 20);
  /* The example in docs/protocols/smtorp.md §3.2. */
  g_assert_cmpuint (postern_pow_policy_required_bits (&p, POSTERN_POW_HASHCASH, g_date_time_to_unix (nov)), ==, 25);
  g_assert_cmpuint (postern_pow_policy_required_bits (&p, POSTERN_POW_HASHCASH, g_date_time_to_unix (later)), ==, 32);
  g_assert_cmpuint (postern_pow_policy_required_bits (&p, POSTERN_POW_ARGON2ID, g_date_time_to_unix (later)), ==, 12);
}

static char *
run (const char *const *argv, const char *stdin_text, int *out_status)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE
                                                    | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                    | G_SUBPROCESS_FLAGS_STDERR_MERGE, &error);
  char *out = NULL;

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, stdin_text ? stdin_text : "", NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait (proc, NULL, NULL);
  *out_status = g_subprocess_get_exit_status (proc);
  return out;
}

/* The Debian hashcash tool mints, Postern verifies; Postern mints, the
 * tool verifies. */
static void
test_hashcash_interop (void)
{
  g_autofree char *tool = g_find_program_in_path ("hashcash");
  const char *mint_argv[] = { "hashcash", "-mq", "-b16", "carol@example.test", NULL };
  g_autofree char *minted = NULL;
  g_autoptr (PosternPowStamp) theirs = NULL;
  g_autoptr (PosternPowStamp) ours = NULL;
  g_autoptr (GError) error = NULL;
  PosternPowPolicy p16 = policy_with_bits (16);
  PosternPowPolicy p20 = policy_with_bits (20);
  int status;

  if (tool == NULL)
    {
      g_test_skip ("the hashcash tool is not installed (Debian package hashcash)");
      return;
    }
  minted = run (mint_argv, NULL, &status);
  g_assert_cmpint (status, ==, 0);
  theirs = postern_pow_stamp_parse (g_strstrip (minted), &error);
  g_assert_no_error (error);
  g_assert_cmpint (theirs->alg, ==, POSTERN_POW_HASHCASH);
  g_assert_true (postern_pow_verify (theirs, "carol@example.test", &p16, now (), &error));
  g_assert_no_error (error);
  assert_refused (theirs, "carol@example.test", &p20, now (), "16 bits of work, 20 required");
  assert_refused (theirs, "dave@example.test", &p16, now (), "it is for carol@example.test");

  ours = mint (POSTERN_POW_HASHCASH, 16, "dave@example.test", now ());
  /* -y: without a double-spend database the tool only says "not fully
   * checked"; the work and the resource are what we test here. */
  {
    const char *check_argv[] = { "hashcash", "-cqy", "-b16", "-r", "dave@example.test", ours->canonical, NULL };
    g_autofree char *out = run (check_argv, NULL, &status);
    if (status != 0)
      g_error ("hashcash refused %s: %s", ours->canonical, out);
  }
}

typedef struct
{
  guint64 progress;
  GAsyncResult *result;
} AsyncState;

static void
on_progress (guint64 attempts, gpointer data)
{
  ((AsyncState *) data)->progress = attempts;
}

static void
on_minted (GObject *source, GAsyncResult *result, gpointer data)
{
  ((AsyncState *) data)->result = g_object_ref (result);
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_mint_async (void)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  AsyncState state = { 0, NULL };
  PosternPowStamp *stamp;

  postern_pow_mint_async (POSTERN_POW_ARGON2ID, 40, RCPT, cancellable, on_progress, &state,
                          on_minted, &state);
  g_timeout_add (700, cancel_later, cancellable);
  while (state.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  stamp = postern_pow_mint_finish (state.result, &error);
  g_assert_null (stamp);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (state.progress, >, 0);
  g_object_unref (state.result);
  g_clear_error (&error);

  /* And one that finishes. */
  state = (AsyncState){ 0, NULL };
  postern_pow_mint_async (POSTERN_POW_HASHCASH, 8, "erin@example.test", NULL, NULL, NULL,
                          on_minted, &state);
  while (state.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  stamp = postern_pow_mint_finish (state.result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stamp->bits, ==, 8);
  postern_pow_stamp_free (stamp);
  g_object_unref (state.result);
}

static void
test_leading_zero_bits (void)
{
  const guint8 a[] = { 0x00, 0x00, 0x1f, 0xff };
  const guint8 b[] = { 0x80 };
  const guint8 c[] = { 0x00, 0x00 };

  g_assert_cmpuint (postern_pow_leading_zero_bits (a, sizeof a), ==, 19);
  g_assert_cmpuint (postern_pow_leading_zero_bits (b, sizeof b), ==, 0);
  g_assert_cmpuint (postern_pow_leading_zero_bits (c, sizeof c), ==, 16);
}

static void
test_spent_key (void)
{
  g_autoptr (PosternPowStamp) s = mint (POSTERN_POW_ARGON2ID, 4, RCPT, now ());
  g_autofree char *header = postern_pow_stamp_to_header (s);
  g_autoptr (PosternPowStamp) again = postern_pow_stamp_parse (header, NULL);
  g_autofree char *k1 = postern_pow_stamp_spent_key (s);
  g_autofree char *k2 = postern_pow_stamp_spent_key (again);

  g_assert_cmpstr (k1, ==, k2);
  g_assert_cmpuint (strlen (k1), ==, 64);
  g_assert_cmpint (postern_pow_stamp_expires (s), ==, s->date + 48 * 3600);
}

static void
test_spent_record (void)
{
  g_autofree char *dir = g_dir_make_tmp ("postern-spent-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "spent.sqlite", NULL);
  g_autoptr (GError) error = NULL;
  gint64 t = now ();
  g_autoptr (PosternPowStamp) a = mint (POSTERN_POW_ARGON2ID, 2, RCPT, t);
  g_autoptr (PosternPowStamp) b = mint (POSTERN_POW_HASHCASH, 2, "x@example.test", t);
  PosternPowSpent *spent = postern_pow_spent_open (path, &error);

  g_assert_no_error (error);
  g_assert_true (postern_pow_spent_claim (spent, a, t, &error));
  g_assert_true (postern_pow_spent_claim (spent, b, t, &error));
  g_assert_false (postern_pow_spent_claim (spent, a, t, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY);
  g_assert_nonnull (strstr (error->message, "already spent"));
  g_clear_error (&error);

  /* The record survives a restart of the server. */
  g_assert_finalize_object (spent);
  spent = postern_pow_spent_open (path, &error);
  g_assert_false (postern_pow_spent_claim (spent, b, t + 60, &error));
  g_clear_error (&error);
  g_assert_cmpuint (postern_pow_spent_count (spent), ==, 2);
  /* Once the Argon2id stamp has expired (48 hours) it is forgotten; the
   * hashcash one lives 28 days. */
  {
    g_autoptr (PosternPowStamp) later = mint (POSTERN_POW_ARGON2ID, 2, RCPT, t + 49 * 3600);
    g_assert_true (postern_pow_spent_claim (spent, later, t + 49 * 3600, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (postern_pow_spent_count (spent), ==, 2);
  }
  g_assert_finalize_object (spent);
  for (const char *const *suffix = (const char *const[]){ "", "-wal", "-shm", NULL }; *suffix; suffix++)
    {
      g_autofree char *file = g_strconcat (path, *suffix, NULL);
      g_remove (file);
    }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Postern/Transport/Pow/argon2-round-trip", test_argon2_round_trip);
  g_test_add_func ("/Postern/Transport/Pow/argon2-refusals", test_argon2_refusals);
  g_test_add_func ("/Postern/Transport/Pow/malformed", test_malformed);
  g_test_add_func ("/Postern/Transport/Pow/hashcash-rising-bits", test_hashcash_rising_bits);
  g_test_add_func ("/Postern/Transport/Pow/hashcash-interop", test_hashcash_interop);
  g_test_add_func ("/Postern/Transport/Pow/mint-async", test_mint_async);
  g_test_add_func ("/Postern/Transport/Pow/leading-zero-bits", test_leading_zero_bits);
  g_test_add_func ("/Postern/Transport/Pow/spent-key", test_spent_key);
  g_test_add_func ("/Postern/Transport/Pow/spent-record", test_spent_record);
  return g_test_run ();
}
