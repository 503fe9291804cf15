/* test-trust.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Trust on first use: pins, conflicts and their resolution, verification
 * by card, durability; then the same policy applied by the keyring to keys
 * made by the real gpg.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "postern-core.h"
#include "postern-keyring.h"
#include "postern-keys-test.h"
#include "postern-test-util.h"
#include "postern-trust.h"

#define FPR_A "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define FPR_B "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
#define FPR_C "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"

typedef struct
{
  char *dir;
  char *path;
  PosternTrust *trust;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = postern_test_make_tmpdir ("trust");
  f->path = g_build_filename (f->dir, "trust.sqlite", NULL);
  f->trust = postern_trust_new (f->path);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_finalize_object (f->trust);
  postern_test_rm_rf (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static PosternTrustVerdict
observe (PosternTrust *trust, const char *address, const char *fpr, const char *source,
         GBytes *keydata)
{
  g_autoptr (GError) error = NULL;
  PosternTrustVerdict verdict = -1;

  g_assert_true (postern_trust_observe (trust, address, fpr, source, keydata, &verdict, &error));
  g_assert_no_error (error);
  return verdict;
}

static GPtrArray *
conflicts (PosternTrust *trust, const char *address)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *list = postern_trust_list_conflicts (trust, address, &error);

  g_assert_no_error (error);
  return list;
}

static PosternPin *
pin (PosternTrust *trust, const char *address)
{
  g_autoptr (GError) error = NULL;
  PosternPin *p = postern_trust_get_pin (trust, address, &error);

  g_assert_no_error (error);
  return p;
}

static void
test_pin_and_conflict (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) keydata = g_bytes_new_static ("\x99key-b", 6);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (PosternPin) p = NULL;
  g_autoptr (GError) error = NULL;
  PosternKeyConflict *c;
  PosternTrustVerdict verdict;

  g_assert_null (pin (f->trust, "bob@example.test"));
  g_assert_cmpint (observe (f->trust, "Bob <bob@example.test>", FPR_A, "import of a.asc", NULL), ==,
                   POSTERN_TRUST_VERDICT_NEW_PIN);
  /* Addresses compare without case; fingerprints are normalized. */
  g_assert_cmpint (observe (f->trust, "BOB@Example.Test",
                            "aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa "
                            "aaaa aaaa",
                            "Autocrypt header of <1@example.test>", NULL),
                   ==, POSTERN_TRUST_VERDICT_PINNED);
  p = pin (f->trust, "bob@example.test");
  g_assert_cmpstr (p->address, ==, "bob@example.test");
  g_assert_cmpstr (p->fingerprint, ==, FPR_A);
  g_assert_cmpint (p->level, ==, POSTERN_TRUST_PINNED);
  g_assert_cmpstr (p->source, ==, "import of a.asc");

  /* A second key is never taken: it is a conflict, with where it came
   * from and its key data. */
  g_assert_cmpint (
    observe (f->trust, "bob@example.test", FPR_B, "Autocrypt header of <2@example.test>", keydata),
    ==, POSTERN_TRUST_VERDICT_CONFLICT);
  g_clear_pointer (&p, postern_pin_free);
  p = pin (f->trust, "bob@example.test");
  g_assert_cmpstr (p->fingerprint, ==, FPR_A);
  list = conflicts (f->trust, NULL);
  g_assert_cmpuint (list->len, ==, 1);
  c = list->pdata[0];
  g_assert_cmpstr (c->address, ==, "bob@example.test");
  g_assert_cmpstr (c->pinned_fingerprint, ==, FPR_A);
  g_assert_cmpstr (c->fingerprint, ==, FPR_B);
  g_assert_cmpstr (c->source, ==, "Autocrypt header of <2@example.test>");
  g_assert_nonnull (c->keydata);
  g_assert_true (g_bytes_equal (c->keydata, keydata));
  g_clear_pointer (&list, g_ptr_array_unref);

  /* Seen again without key data: still one conflict, the data kept. */
  g_assert_cmpint (observe (f->trust, "bob@example.test", FPR_B, "import of b.asc", NULL), ==,
                   POSTERN_TRUST_VERDICT_CONFLICT);
  list = conflicts (f->trust, "bob@example.test");
  g_assert_cmpuint (list->len, ==, 1);
  c = list->pdata[0];
  g_assert_cmpstr (c->source, ==, "import of b.asc");
  g_assert_true (g_bytes_equal (c->keydata, keydata));
  g_clear_pointer (&list, g_ptr_array_unref);

  /* check () only asks. */
  g_assert_true (postern_trust_check (f->trust, "bob@example.test", FPR_C, &verdict, &error));
  g_assert_no_error (error);
  g_assert_cmpint (verdict, ==, POSTERN_TRUST_VERDICT_CONFLICT);
  g_assert_true (postern_trust_check (f->trust, "carol@example.test", FPR_C, &verdict, &error));
  g_assert_cmpint (verdict, ==, POSTERN_TRUST_VERDICT_NEW_PIN);
  list = conflicts (f->trust, NULL);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_null (pin (f->trust, "carol@example.test"));
  g_clear_pointer (&list, g_ptr_array_unref);
  list = conflicts (f->trust, "carol@example.test");
  g_assert_cmpuint (list->len, ==, 0);
}

static void
test_keep (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (PosternPin) p = NULL;
  g_autoptr (GError) error = NULL;

  observe (f->trust, "bob@example.test", FPR_A, "first", NULL);
  observe (f->trust, "bob@example.test", FPR_B, "second", NULL);
  observe (f->trust, "bob@example.test", FPR_C, "third", NULL);
  g_assert_true (postern_trust_keep (f->trust, "bob@example.test", FPR_B, &error));
  g_assert_no_error (error);
  list = conflicts (f->trust, NULL);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((PosternKeyConflict *) list->pdata[0])->fingerprint, ==, FPR_C);
  g_clear_pointer (&list, g_ptr_array_unref);
  g_assert_true (postern_trust_keep (f->trust, "bob@example.test", NULL, &error));
  g_assert_no_error (error);
  list = conflicts (f->trust, NULL);
  g_assert_cmpuint (list->len, ==, 0);

  /* A rejected key seen again is not a new conflict. */
  g_assert_cmpint (observe (f->trust, "bob@example.test", FPR_B, "again", NULL), ==,
                   POSTERN_TRUST_VERDICT_REJECTED);
  g_assert_cmpint (observe (f->trust, "bob@example.test", FPR_C, "again", NULL), ==,
                   POSTERN_TRUST_VERDICT_REJECTED);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = conflicts (f->trust, NULL);
  g_assert_cmpuint (list->len, ==, 0);
  p = pin (f->trust, "bob@example.test");
  g_assert_cmpstr (p->fingerprint, ==, FPR_A);

  g_assert_false (postern_trust_keep (f->trust, "bob@example.test", NULL, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);
}

static void
test_replace (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (PosternPin) p = NULL;
  g_autoptr (GError) error = NULL;

  observe (f->trust, "bob@example.test", FPR_A, "first", NULL);
  observe (f->trust, "bob@example.test", FPR_B, "new phone", NULL);
  observe (f->trust, "bob@example.test", FPR_C, "someone else", NULL);
  g_assert_true (postern_trust_replace (f->trust, "bob@example.test", FPR_B, &error));
  g_assert_no_error (error);
  p = pin (f->trust, "bob@example.test");
  g_assert_cmpstr (p->fingerprint, ==, FPR_B);
  g_assert_cmpint (p->level, ==, POSTERN_TRUST_PINNED);
  g_assert_cmpstr (p->source, ==, "new phone");
  /* The other open conflict now stands against the new pin. */
  list = conflicts (f->trust, NULL);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((PosternKeyConflict *) list->pdata[0])->fingerprint, ==, FPR_C);
  g_assert_cmpstr (((PosternKeyConflict *) list->pdata[0])->pinned_fingerprint, ==, FPR_B);
  /* The old key is rejected from now on. */
  g_assert_cmpint (observe (f->trust, "bob@example.test", FPR_A, "old mail", NULL), ==,
                   POSTERN_TRUST_VERDICT_REJECTED);
  g_assert_cmpint (observe (f->trust, "bob@example.test", FPR_B, "new mail", NULL), ==,
                   POSTERN_TRUST_VERDICT_PINNED);

  g_assert_false (postern_trust_replace (f->trust, "bob@example.test", FPR_A, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);
}

static void
test_verify (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (PosternPin) p = NULL;
  g_autoptr (GError) error = NULL;

  /* Scanning the card of a pinned key verifies the pin. */
  observe (f->trust, "bob@example.test", FPR_A, "first", NULL);
  g_assert_true (postern_trust_verify (f->trust, "bob@example.test", FPR_A, &error));
  g_assert_no_error (error);
  p = pin (f->trust, "bob@example.test");
  g_assert_cmpint (p->level, ==, POSTERN_TRUST_VERIFIED);
  g_assert_cmpstr (p->source, ==, "first");
  g_clear_pointer (&p, postern_pin_free);

  /* A different key on a verified address is still a conflict. */
  g_assert_cmpint (observe (f->trust, "bob@example.test", FPR_B, "mail", NULL), ==,
                   POSTERN_TRUST_VERDICT_CONFLICT);
  g_assert_cmpint (observe (f->trust, "bob@example.test", FPR_C, "mail", NULL), ==,
                   POSTERN_TRUST_VERDICT_CONFLICT);

  /* A card with one of them settles that conflict in its favour. */
  g_assert_true (postern_trust_verify (f->trust, "bob@example.test", FPR_B, &error));
  g_assert_no_error (error);
  p = pin (f->trust, "bob@example.test");
  g_assert_cmpstr (p->fingerprint, ==, FPR_B);
  g_assert_cmpint (p->level, ==, POSTERN_TRUST_VERIFIED);
  list = conflicts (f->trust, NULL);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((PosternKeyConflict *) list->pdata[0])->fingerprint, ==, FPR_C);
  g_assert_cmpstr (((PosternKeyConflict *) list->pdata[0])->pinned_fingerprint, ==, FPR_B);
  g_clear_pointer (&p, postern_pin_free);

  /* A card for an address never seen pins it, verified. */
  g_assert_true (postern_trust_verify (f->trust, "carol@example.test", FPR_C, &error));
  p = pin (f->trust, "carol@example.test");
  g_assert_cmpstr (p->fingerprint, ==, FPR_C);
  g_assert_cmpint (p->level, ==, POSTERN_TRUST_VERIFIED);
}

static void
test_autocrypt_state (Fixture *f, gconstpointer data)
{
  g_autoptr (PosternPin) p = NULL;
  g_autoptr (GError) error = NULL;

  observe (f->trust, "bob@example.test", FPR_A, "Autocrypt", NULL);
  g_assert_true (
    postern_trust_note_autocrypt (f->trust, "bob@example.test", FPR_A, 2000, TRUE, &error));
  /* An older message does not undo a newer one. */
  g_assert_true (
    postern_trust_note_autocrypt (f->trust, "bob@example.test", FPR_A, 1000, FALSE, &error));
  /* Nor does a header carrying another key. */
  g_assert_true (
    postern_trust_note_autocrypt (f->trust, "bob@example.test", FPR_B, 3000, FALSE, &error));
  g_assert_no_error (error);
  p = pin (f->trust, "bob@example.test");
  g_assert_cmpint (p->autocrypt_timestamp, ==, 2000);
  g_assert_true (p->prefer_encrypt);
}

static void
test_durable (Fixture *f, gconstpointer data)
{
  g_autoptr (PosternTrust) again = NULL;
  g_autoptr (PosternPin) p = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GPtrArray) pins = NULL;
  g_autoptr (GError) error = NULL;

  observe (f->trust, "bob@example.test", FPR_A, "first", NULL);
  observe (f->trust, "bob@example.test", FPR_B, "second", NULL);
  g_assert_true (postern_trust_verify (f->trust, "carol@example.test", FPR_C, &error));
  g_clear_object (&f->trust);

  /* A new connection, as another process would open, sees everything. */
  again = postern_trust_new (f->path);
  p = pin (again, "bob@example.test");
  g_assert_cmpstr (p->fingerprint, ==, FPR_A);
  list = conflicts (again, NULL);
  g_assert_cmpuint (list->len, ==, 1);
  pins = postern_trust_list_pins (again, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pins->len, ==, 2);
  g_assert_cmpstr (((PosternPin *) pins->pdata[0])->address, ==, "bob@example.test");
  g_assert_cmpstr (((PosternPin *) pins->pdata[1])->address, ==, "carol@example.test");
  g_assert_cmpint (((PosternPin *) pins->pdata[1])->level, ==, POSTERN_TRUST_VERIFIED);
  f->trust = g_steal_pointer (&again);
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternTrust) broken = NULL;
  g_autofree char *broken_path = g_build_filename (f->dir, "broken.sqlite", NULL);
  g_autofree char *contents = NULL;
  PosternTrustVerdict verdict;

  g_assert_false (
    postern_trust_observe (f->trust, "not an address", FPR_A, "x", NULL, &verdict, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (
    postern_trust_observe (f->trust, "bob@example.test", "1234ABCD", "x", NULL, &verdict, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (postern_trust_verify (f->trust, "bob@example.test", "not hex", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_clear_error (&error);

  /* The pins are no cache: a damaged file is an error and stays as it
   * was, for the user to restore, instead of being replaced by an empty
   * one that would trust the next key anyone sends. */
  g_assert_true (g_file_set_contents (broken_path,
                                      "this is not SQLite, and it is long enough to "
                                      "be read as a damaged database header.\n",
                                      -1, NULL));
  broken = postern_trust_new (broken_path);
  g_assert_false (
    postern_trust_observe (broken, "bob@example.test", FPR_A, "x", NULL, &verdict, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, broken_path));
  g_assert_true (g_file_get_contents (broken_path, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "this is not SQLite"));
}

typedef struct
{
  PosternTrust *trust;
  const char *fpr;
  PosternTrustVerdict verdict;
} Racer;

static gpointer
race (gpointer data)
{
  Racer *r = data;
  g_autoptr (GError) error = NULL;

  g_assert_true (postern_trust_observe (r->trust, "dave@example.test", r->fpr, "race", NULL,
                                        &r->verdict, &error));
  g_assert_no_error (error);
  return NULL;
}

static void
test_threads (Fixture *f, gconstpointer data)
{
  const char *fprs[] = { FPR_A, FPR_B, FPR_C, FPR_A, FPR_B, FPR_C, FPR_A, FPR_B };
  Racer racers[G_N_ELEMENTS (fprs)];
  GThread *threads[G_N_ELEMENTS (fprs)];
  g_autoptr (PosternPin) p = NULL;
  g_autoptr (GPtrArray) list = NULL;
  guint new_pins = 0;

  for (guint i = 0; i < G_N_ELEMENTS (fprs); i++)
    {
      racers[i] = (Racer){ f->trust, fprs[i], -1 };
      threads[i] = g_thread_new ("race", race, &racers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (fprs); i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < G_N_ELEMENTS (fprs); i++)
    if (racers[i].verdict == POSTERN_TRUST_VERDICT_NEW_PIN)
      new_pins++;
  /* Exactly one key won the pin; the other two are conflicts. */
  g_assert_cmpuint (new_pins, ==, 1);
  p = pin (f->trust, "dave@example.test");
  list = conflicts (f->trust, "dave@example.test");
  g_assert_cmpuint (list->len, ==, 2);
  for (guint i = 0; i < list->len; i++)
    g_assert_cmpstr (((PosternKeyConflict *) list->pdata[i])->fingerprint, !=, p->fingerprint);
}

/* The keyring applying the pins to keys made by the real gpg. */

typedef struct
{
  char *dir;
  char *alice_home;
  char *others_home;
  PosternTrust *trust;
  PosternKeyring *keyring;
} KeyringFixture;

static void
keyring_set_up (KeyringFixture *f, gconstpointer data)
{
  g_autofree char *path = NULL;

  f->dir = postern_test_make_tmpdir ("trust-keyring");
  f->alice_home = postern_keys_test_make_home (f->dir, "alice");
  f->others_home = postern_keys_test_make_home (f->dir, "others");
  path = g_build_filename (f->dir, "trust.sqlite", NULL);
  f->trust = postern_trust_new (path);
  f->keyring = postern_keyring_new (f->alice_home, f->trust);
}

static void
keyring_tear_down (KeyringFixture *f, gconstpointer data)
{
  g_assert_finalize_object (f->keyring);
  g_assert_finalize_object (f->trust);
  postern_keys_test_kill_agents (f->alice_home);
  postern_keys_test_kill_agents (f->others_home);
  postern_test_rm_rf (f->dir);
  g_free (f->alice_home);
  g_free (f->others_home);
  g_free (f->dir);
}

static PosternKeyImport *
import_one (PosternKeyring *keyring, GBytes *data, const char *source)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) imports
    = postern_keyring_import_sync (keyring, data, source, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (imports->len, ==, 1);
  return postern_key_import_copy (imports->pdata[0]);
}

static gboolean
holds (PosternKeyring *keyring, const char *fpr)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternKeyInfo) info = postern_keyring_get_key_sync (keyring, fpr, NULL, &error);

  if (info == NULL)
    g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);
  return info != NULL;
}

static void
test_keyring_tofu (KeyringFixture *f, gconstpointer data)
{
  g_autofree char *bob1 = postern_keys_test_gpg_make_key (f->others_home, "Bob <bob@example.test>");
  g_autofree char *bob2 = postern_keys_test_gpg_make_key (f->others_home, "bob@example.test");
  g_autofree char *bob3
    = postern_keys_test_gpg_make_key (f->others_home, "Bobby <bob@example.test>");
  g_autoptr (GBytes) key1 = postern_keys_test_gpg_export (f->others_home, bob1, TRUE);
  g_autoptr (GBytes) key2 = postern_keys_test_gpg_export (f->others_home, bob2, FALSE);
  g_autoptr (GBytes) key3 = postern_keys_test_gpg_export (f->others_home, bob3, TRUE);
  g_autoptr (PosternKeyImport) first = NULL;
  g_autoptr (PosternKeyImport) second = NULL;
  g_autoptr (PosternKeyImport) third = NULL;
  g_autoptr (PosternKeyImport) again = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (PosternPin) p = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *recipient = NULL;
  PosternKeyConflict *c;

  /* First key seen: imported and pinned. */
  first = import_one (f->keyring, key1, "import of bob1.asc");
  g_assert_cmpint (first->status, ==, POSTERN_KEY_IMPORT_NEW);
  g_assert_cmpstrv (first->pinned, ((const char *[]){ "bob@example.test", NULL }));
  recipient
    = postern_keyring_find_recipient_key_sync (f->keyring, "bob@example.test", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (recipient, ==, bob1);
  g_clear_pointer (&recipient, g_free);

  /* A second key for the address is not imported: it is a conflict that
   * holds the key, and sending to Bob is refused until it is resolved. */
  second = import_one (f->keyring, key2, "import of bob2.pgp");
  g_assert_cmpint (second->status, ==, POSTERN_KEY_IMPORT_CONFLICT);
  g_assert_cmpstrv (second->conflicts, ((const char *[]){ "bob@example.test", NULL }));
  g_assert_false (holds (f->keyring, bob2));
  list = postern_trust_list_conflicts (f->trust, NULL, &error);
  g_assert_cmpuint (list->len, ==, 1);
  c = list->pdata[0];
  g_assert_cmpstr (c->pinned_fingerprint, ==, bob1);
  g_assert_cmpstr (c->fingerprint, ==, bob2);
  g_assert_cmpstr (c->source, ==, "import of bob2.pgp");
  g_assert_nonnull (c->keydata);
  g_clear_pointer (&list, g_ptr_array_unref);
  recipient
    = postern_keyring_find_recipient_key_sync (f->keyring, "bob@example.test", NULL, &error);
  g_assert_null (recipient);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY);
  g_clear_error (&error);

  /* Replace: the held key goes into the keyring and is pinned. */
  g_assert_true (postern_keyring_resolve_conflict_sync (f->keyring, "bob@example.test", NULL, TRUE,
                                                        NULL, &error));
  g_assert_no_error (error);
  g_assert_true (holds (f->keyring, bob2));
  recipient
    = postern_keyring_find_recipient_key_sync (f->keyring, "bob@example.test", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (recipient, ==, bob2);

  /* A third key, kept out: rejected for good. */
  third = import_one (f->keyring, key3, "Autocrypt header of <3@example.test>");
  g_assert_cmpint (third->status, ==, POSTERN_KEY_IMPORT_CONFLICT);
  g_assert_false (postern_keyring_resolve_conflict_sync (f->keyring, "bob@example.test", bob1,
                                                         FALSE, NULL, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (postern_keyring_resolve_conflict_sync (f->keyring, "bob@example.test", NULL, FALSE,
                                                        NULL, &error));
  g_assert_no_error (error);
  again = import_one (f->keyring, key3, "import of bob3.asc");
  g_assert_cmpint (again->status, ==, POSTERN_KEY_IMPORT_REJECTED);
  g_assert_false (holds (f->keyring, bob3));
  list = postern_trust_list_conflicts (f->trust, NULL, &error);
  g_assert_cmpuint (list->len, ==, 0);

  /* The old key, pinned before the replacement, is rejected too. */
  g_clear_pointer (&first, postern_key_import_free);
  first = import_one (f->keyring, key1, "old mail");
  g_assert_cmpint (first->status, ==, POSTERN_KEY_IMPORT_REJECTED);
  p = postern_trust_get_pin (f->trust, "bob@example.test", &error);
  g_assert_cmpstr (p->fingerprint, ==, bob2);
}

static void
test_keyring_own_and_card (KeyringFixture *f, gconstpointer data)
{
  const char *addresses[] = { "alice@example.test", NULL };
  g_autofree char *carol1 = postern_keys_test_gpg_make_key (f->others_home, "carol@example.test");
  g_autofree char *carol2 = postern_keys_test_gpg_make_key (f->others_home, "carol@example.test");
  g_autoptr (GBytes) key1 = postern_keys_test_gpg_export (f->others_home, carol1, TRUE);
  g_autoptr (GBytes) key2 = postern_keys_test_gpg_export (f->others_home, carol2, TRUE);
  g_autoptr (PosternKeyInfo) own = NULL;
  g_autoptr (PosternKeyImport) first = NULL;
  g_autoptr (PosternKeyImport) second = NULL;
  g_autoptr (PosternPin) p = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *recipient = NULL;

  /* Our own key is pinned, verified. */
  own = postern_keyring_generate_sync (f->keyring, addresses, NULL, &error);
  g_assert_no_error (error);
  p = postern_trust_get_pin (f->trust, "alice@example.test", &error);
  g_assert_cmpstr (p->fingerprint, ==, own->fingerprint);
  g_assert_cmpint (p->level, ==, POSTERN_TRUST_VERIFIED);
  g_clear_pointer (&p, postern_pin_free);

  /* Carol's card names her second key, while the first was pinned on
   * first use: the card wins, and the second key, once it arrives, is
   * simply the pinned one. */
  first = import_one (f->keyring, key1, "Autocrypt header of <1@example.test>");
  g_assert_cmpint (first->status, ==, POSTERN_KEY_IMPORT_NEW);
  g_assert_true (postern_trust_verify (f->trust, "carol@example.test", carol2, &error));
  g_assert_no_error (error);
  recipient
    = postern_keyring_find_recipient_key_sync (f->keyring, "carol@example.test", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (recipient); /* pinned, not held yet */
  second = import_one (f->keyring, key2, "import of carol.asc");
  g_assert_cmpint (second->status, ==, POSTERN_KEY_IMPORT_NEW);
  g_assert_cmpstrv (second->pinned, ((const char *[]){ "carol@example.test", NULL }));
  recipient
    = postern_keyring_find_recipient_key_sync (f->keyring, "carol@example.test", NULL, &error);
  g_assert_cmpstr (recipient, ==, carol2);
  p = postern_trust_get_pin (f->trust, "carol@example.test", &error);
  g_assert_cmpint (p->level, ==, POSTERN_TRUST_VERIFIED);
}

/* A scanned card verifies, but never replaces a pin: another key is a
 * conflict, one the user rejected is put before them again, and choosing
 * the card's key pins it verified without key data. */
static void
test_scan (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternPin) pin = NULL;
  g_autoptr (GPtrArray) conflicts = NULL;
  PosternTrustVerdict verdict = -1;
  PosternKeyConflict *c;

  g_assert_true (postern_trust_scan (f->trust, "dave@example.test", FPR_A,
                                     "card scanned from a.png", &verdict, &error));
  g_assert_no_error (error);
  g_assert_cmpint (verdict, ==, POSTERN_TRUST_VERDICT_NEW_PIN);
  pin = postern_trust_get_pin (f->trust, "dave@example.test", &error);
  g_assert_cmpint (pin->level, ==, POSTERN_TRUST_VERIFIED);
  g_assert_cmpstr (pin->source, ==, "card scanned from a.png");
  g_clear_pointer (&pin, postern_pin_free);

  /* Pinned on first use, then the same key scanned: verified. */
  g_assert_cmpint (observe (f->trust, "erin@example.test", FPR_A, "import", NULL), ==,
                   POSTERN_TRUST_VERDICT_NEW_PIN);
  g_assert_true (
    postern_trust_scan (f->trust, "erin@example.test", FPR_A, "card", &verdict, &error));
  g_assert_cmpint (verdict, ==, POSTERN_TRUST_VERDICT_PINNED);
  pin = postern_trust_get_pin (f->trust, "erin@example.test", &error);
  g_assert_cmpint (pin->level, ==, POSTERN_TRUST_VERIFIED);
  g_assert_cmpstr (pin->source, ==, "import");
  g_clear_pointer (&pin, postern_pin_free);

  /* Another key: a conflict that says it came from a card. */
  g_assert_true (
    postern_trust_scan (f->trust, "erin@example.test", FPR_B, "card b", &verdict, &error));
  g_assert_cmpint (verdict, ==, POSTERN_TRUST_VERDICT_CONFLICT);
  pin = postern_trust_get_pin (f->trust, "erin@example.test", &error);
  g_assert_cmpstr (pin->fingerprint, ==, FPR_A);
  g_clear_pointer (&pin, postern_pin_free);
  conflicts = postern_trust_list_conflicts (f->trust, "erin@example.test", &error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  c = conflicts->pdata[0];
  g_assert_cmpstr (c->fingerprint, ==, FPR_B);
  g_assert_true (c->verified);
  g_assert_null (c->keydata);
  g_clear_pointer (&conflicts, g_ptr_array_unref);

  /* Rejected, then scanned again: the conflict is back. */
  g_assert_true (postern_trust_keep (f->trust, "erin@example.test", FPR_B, &error));
  g_assert_cmpint (observe (f->trust, "erin@example.test", FPR_B, "import", NULL), ==,
                   POSTERN_TRUST_VERDICT_REJECTED);
  g_assert_true (
    postern_trust_scan (f->trust, "erin@example.test", FPR_B, "card b", &verdict, &error));
  g_assert_cmpint (verdict, ==, POSTERN_TRUST_VERDICT_CONFLICT);

  g_assert_true (postern_trust_replace (f->trust, "erin@example.test", FPR_B, &error));
  g_assert_no_error (error);
  pin = postern_trust_get_pin (f->trust, "erin@example.test", &error);
  g_assert_cmpstr (pin->fingerprint, ==, FPR_B);
  g_assert_cmpint (pin->level, ==, POSTERN_TRUST_VERIFIED);
}

/* A pin file written before conflicts knew about cards opens and keeps
 * its conflicts. */
static void
test_upgrade (Fixture *f, gconstpointer data)
{
  sqlite3 *db = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) conflicts = NULL;

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (
    sqlite3_exec (db,
                  "CREATE TABLE pins (address TEXT PRIMARY KEY, fingerprint TEXT NOT NULL,"
                  " verified INTEGER NOT NULL DEFAULT 0, source TEXT NOT NULL,"
                  " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
                  " autocrypt_timestamp INTEGER NOT NULL DEFAULT 0,"
                  " prefer_encrypt INTEGER NOT NULL DEFAULT 0);"
                  "CREATE TABLE conflicts (address TEXT NOT NULL, fingerprint TEXT NOT NULL,"
                  " pinned_fingerprint TEXT NOT NULL, source TEXT NOT NULL,"
                  " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, keydata BLOB,"
                  " PRIMARY KEY (address, fingerprint));"
                  "CREATE TABLE rejected (address TEXT NOT NULL, fingerprint TEXT NOT NULL,"
                  " decided INTEGER NOT NULL, PRIMARY KEY (address, fingerprint));"
                  "INSERT INTO pins VALUES ('a@example.test', '" FPR_A
                  "', 0, 'import', 1, 1, 0, 0);"
                  "INSERT INTO conflicts VALUES ('a@example.test', '" FPR_B "', '" FPR_A
                  "', 'import', 1, 1, NULL);"
                  "PRAGMA user_version = 1;",
                  NULL, NULL, NULL),
    ==, SQLITE_OK);
  sqlite3_close (db);

  conflicts = postern_trust_list_conflicts (f->trust, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  g_assert_false (((PosternKeyConflict *) conflicts->pdata[0])->verified);
  g_assert_cmpint (observe (f->trust, "a@example.test", FPR_C, "x", NULL), ==,
                   POSTERN_TRUST_VERDICT_CONFLICT);
}

/* Key lookups are claimed once per interval and address; a forgotten one
 * (cancelled) or one from a clock set back can be claimed again. */
static void
test_lookups (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gboolean claimed = FALSE;
  const gint64 day = 86400, now = 1800000000;

  g_assert_cmpint (postern_trust_get_last_lookup (f->trust, "a@example.test", &error), ==, 0);
  g_assert_no_error (error);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
  g_assert_true (
    postern_trust_claim_lookup (f->trust, "A@Example.Test", now, day, &claimed, &error));
  g_assert_no_error (error);
  g_assert_true (claimed);
  g_assert_cmpint (postern_trust_get_last_lookup (f->trust, "a@example.test", NULL), ==, now);
  g_assert_true (
    postern_trust_claim_lookup (f->trust, "a@example.test", now + day - 1, day, &claimed, &error));
  g_assert_false (claimed);
  /* Another address is not held up by this one. */
  g_assert_true (postern_trust_claim_lookup (f->trust, "b@example.test", now, day, &claimed, NULL));
  g_assert_true (claimed);
  g_assert_true (
    postern_trust_claim_lookup (f->trust, "a@example.test", now + day, day, &claimed, NULL));
  g_assert_true (claimed);
  g_assert_true (postern_trust_claim_lookup (f->trust, "a@example.test", now, day, &claimed, NULL));
  g_assert_true (claimed);
  g_assert_true (postern_trust_set_last_lookup (f->trust, "a@example.test", 0, &error));
  g_assert_no_error (error);
  g_assert_cmpint (postern_trust_get_last_lookup (f->trust, "a@example.test", NULL), ==, 0);
  g_assert_true (postern_trust_claim_lookup (f->trust, "a@example.test", now, day, &claimed, NULL));
  g_assert_true (claimed);
  g_assert_false (
    postern_trust_claim_lookup (f->trust, "not an address", now, day, &claimed, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add ("/Postern/Keys/Trust/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("pin-and-conflict", test_pin_and_conflict);
  ADD ("keep", test_keep);
  ADD ("replace", test_replace);
  ADD ("verify", test_verify);
  ADD ("scan", test_scan);
  ADD ("upgrade", test_upgrade);
  ADD ("lookups", test_lookups);
  ADD ("autocrypt-state", test_autocrypt_state);
  ADD ("durable", test_durable);
  ADD ("errors", test_errors);
  ADD ("threads", test_threads);
#undef ADD
  g_test_add ("/Postern/Keys/Trust/keyring-tofu", KeyringFixture, NULL, keyring_set_up,
              test_keyring_tofu, keyring_tear_down);
  g_test_add ("/Postern/Keys/Trust/keyring-own-and-card", KeyringFixture, NULL, keyring_set_up,
              test_keyring_own_and_card, keyring_tear_down);
  return g_test_run ();
}
