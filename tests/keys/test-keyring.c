/* test-keyring.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PosternKeyring over the real gpg, each test in throwaway GnuPG homes:
 * generating, listing, exporting and importing keys, checked against what
 * gpg itself sees.
 */
#include "config.h"

#include <string.h>

#include "postern-core.h"
#include "postern-keyring.h"
#include "postern-keys-test.h"
#include "postern-test-util.h"

typedef struct
{
  char *dir;
  char *alice_home;
  char *bob_home;
  PosternKeyring *alice;
  PosternKeyring *bob;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = postern_test_make_tmpdir ("keyring");
  f->alice_home = postern_keys_test_make_home (f->dir, "alice");
  f->bob_home = postern_keys_test_make_home (f->dir, "bob");
  f->alice = postern_keyring_new (f->alice_home, NULL);
  f->bob = postern_keyring_new (f->bob_home, NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_finalize_object (f->alice);
  g_assert_finalize_object (f->bob);
  postern_keys_test_kill_agents (f->alice_home);
  postern_keys_test_kill_agents (f->bob_home);
  postern_test_rm_rf (f->dir);
  g_free (f->alice_home);
  g_free (f->bob_home);
  g_free (f->dir);
}

static PosternKeyInfo *
generate (PosternKeyring *keyring, const char *address)
{
  const char *addresses[] = { address, NULL };
  g_autoptr (GError) error = NULL;
  PosternKeyInfo *info = postern_keyring_generate_sync (keyring, addresses, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (info);
  return info;
}

static void
test_generate (Fixture *f, gconstpointer data)
{
  const char *addresses[] = { "Alice Liddell <Alice@Example.TEST>", "alice@example.org", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternKeyInfo) info = NULL;
  g_autoptr (PosternKeyInfo) again = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *own = NULL;

  info = postern_keyring_generate_sync (f->alice, addresses, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (info->fingerprint), ==, 40);
  g_assert_true (info->secret);
  g_assert_cmpint (info->validity, ==, POSTERN_KEY_VALID);
  g_assert_true (info->can_sign);
  g_assert_true (info->can_encrypt);
  g_assert_cmpint (info->expires, ==, 0);
  g_assert_cmpuint (g_strv_length (info->uids), ==, 2);
  g_assert_cmpstr (info->uids[0], ==, "Alice Liddell <alice@example.test>");
  g_assert_true (postern_key_info_has_address (info, "alice@example.test"));
  g_assert_true (postern_key_info_has_address (info, "alice@example.org"));

  /* gpg sees the same key: an Ed25519 primary key that signs and
   * certifies (algorithm 22), a Curve25519 subkey that encrypts (18),
   * neither protected by a passphrase nor expiring. */
  g_assert_cmpint (postern_keys_test_gpg (f->alice_home, NULL, &out, NULL, "--with-colons",
                                          "--list-secret-keys", info->fingerprint, NULL),
                   ==, 0);
  listing = postern_keys_test_bytes_to_string (out);
  g_assert_nonnull (strstr (listing, ":22:"));
  g_assert_nonnull (strstr (listing, ":18:"));
  g_assert_nonnull (strstr (listing, "ed25519"));
  g_assert_nonnull (strstr (listing, "cv25519"));
  g_assert_null (strstr (listing, "\nsec:e:"));

  /* And it can sign without anyone being asked for a passphrase. */
  {
    g_autoptr (GBytes) text = g_bytes_new_static ("hello\n", 6);
    g_autoptr (GBytes) signed_text = NULL;
    g_assert_cmpint (
      postern_keys_test_gpg (f->alice_home, text, &signed_text, NULL, "--sign", NULL), ==, 0);
    g_assert_cmpuint (g_bytes_get_size (signed_text), >, 0);
  }

  keys = postern_keyring_list_sync (f->alice, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 1);
  again = postern_keyring_get_key_sync (f->alice, info->fingerprint, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (again->secret);
  own = postern_keyring_find_own_key_sync (f->alice, "ALICE@example.org", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (own, ==, info->fingerprint);

  /* A second key for an address that has one is refused, not made. */
  {
    const char *dup[] = { "alice@example.test", NULL };
    g_autoptr (PosternKeyInfo) none = postern_keyring_generate_sync (f->alice, dup, NULL, &error);
    g_assert_null (none);
    g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, info->fingerprint));
    g_clear_error (&error);
  }
  {
    const char *bad[] = { "not an address", NULL };
    g_autoptr (PosternKeyInfo) none = postern_keyring_generate_sync (f->alice, bad, NULL, &error);
    g_assert_null (none);
    g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  }
}

static void
test_export_import (Fixture *f, gconstpointer data)
{
  g_autoptr (PosternKeyInfo) alice = generate (f->alice, "alice@example.test");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) armored = NULL;
  g_autoptr (GBytes) binary = NULL;
  g_autoptr (GBytes) packets = NULL;
  g_autoptr (GPtrArray) imports = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autofree char *text = NULL;
  g_autofree char *dump = NULL;
  PosternKeyImport *import;
  PosternKeyInfo *key;

  armored = postern_keyring_export_sync (f->alice, "alice@example.test", POSTERN_KEY_EXPORT_DEFAULT,
                                         NULL, &error);
  g_assert_no_error (error);
  text = postern_keys_test_bytes_to_string (armored);
  g_assert_true (g_str_has_prefix (text, "-----BEGIN PGP PUBLIC KEY BLOCK-----"));
  g_assert_null (strstr (text, "PRIVATE"));
  /* gpg reads no secret key packet in it. */
  g_assert_cmpint (
    postern_keys_test_gpg (f->bob_home, armored, &packets, NULL, "--list-packets", NULL), ==, 0);
  dump = postern_keys_test_bytes_to_string (packets);
  g_assert_nonnull (strstr (dump, ":public key packet:"));
  g_assert_null (strstr (dump, "secret"));

  imports = postern_keyring_import_sync (f->bob, armored, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (imports->len, ==, 1);
  import = imports->pdata[0];
  g_assert_cmpstr (import->fingerprint, ==, alice->fingerprint);
  g_assert_cmpint (import->status, ==, POSTERN_KEY_IMPORT_NEW);
  g_assert_false (import->secret);
  g_clear_pointer (&imports, g_ptr_array_unref);

  keys = postern_keyring_list_sync (f->bob, "alice@example.test", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 1);
  key = keys->pdata[0];
  g_assert_cmpstr (key->fingerprint, ==, alice->fingerprint);
  g_assert_false (key->secret);
  g_assert_true (key->can_encrypt);

  /* Binary, as gpg --export writes it, and a second time: unchanged. */
  binary = postern_keyring_export_sync (f->alice, alice->fingerprint, POSTERN_KEY_EXPORT_BINARY,
                                        NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (((const guchar *) g_bytes_get_data (binary, NULL))[0] & 0x80, ==, 0x80);
  imports = postern_keyring_import_sync (f->bob, binary, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((PosternKeyImport *) imports->pdata[0])->status, ==,
                   POSTERN_KEY_IMPORT_UNCHANGED);
}

static void
test_import_from_gpg (Fixture *f, gconstpointer data)
{
  g_autofree char *carol
    = postern_keys_test_gpg_make_key (f->bob_home, "Carol <carol@example.test>");
  g_autofree char *dave = postern_keys_test_gpg_make_key (f->bob_home, "dave@example.test");
  g_autoptr (GBytes) both = NULL;
  g_autoptr (GPtrArray) imports = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (postern_keys_test_gpg (f->bob_home, NULL, &both, NULL, "--armor", "--export",
                                          carol, dave, NULL),
                   ==, 0);
  imports = postern_keyring_import_sync (f->alice, both, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (imports->len, ==, 2);
  keys = postern_keyring_list_sync (f->alice, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 2);
  for (guint i = 0; i < keys->len; i++)
    {
      PosternKeyInfo *key = keys->pdata[i];
      if (g_str_equal (key->fingerprint, carol))
        g_assert_true (postern_key_info_has_address (key, "carol@example.test"));
      else
        {
          g_assert_cmpstr (key->fingerprint, ==, dave);
          /* A bare address as user ID counts too. */
          g_assert_true (postern_key_info_has_address (key, "dave@example.test"));
        }
    }
}

static void
test_import_garbage (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) garbage = g_bytes_new_static ("this is not a key\n", 18);
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) imports = NULL;
  g_autoptr (GBytes) none = NULL;

  imports = postern_keyring_import_sync (f->alice, garbage, NULL, NULL, NULL, &error);
  g_assert_null (imports);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_clear_error (&error);
  imports = postern_keyring_import_sync (f->alice, empty, NULL, NULL, NULL, &error);
  g_assert_null (imports);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_clear_error (&error);

  none = postern_keyring_export_sync (f->alice, "nobody@example.test", 0, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);
}

static void
test_delete (Fixture *f, gconstpointer data)
{
  g_autoptr (PosternKeyInfo) alice = generate (f->alice, "alice@example.test");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (PosternKeyInfo) gone = NULL;

  g_assert_true (postern_keyring_delete_sync (f->alice, alice->fingerprint, NULL, &error));
  g_assert_no_error (error);
  keys = postern_keyring_list_sync (f->alice, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 0);
  gone = postern_keyring_get_key_sync (f->alice, alice->fingerprint, NULL, &error);
  g_assert_null (gone);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (postern_keyring_delete_sync (f->alice, alice->fingerprint, NULL, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);
}

static void
test_fingerprint (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *a = postern_keyring_normalize_fingerprint (
    "0x912d 2392 7692 fb08 ba4a  5e0b a679 a3d1 42b1 ee7f", &error);
  g_autofree char *b = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, "912D23927692FB08BA4A5E0BA679A3D142B1EE7F");
  b = postern_keyring_normalize_fingerprint ("A679A3D142B1EE7F", &error);
  g_assert_null (b);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
}

static void
done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_async (Fixture *f, gconstpointer data)
{
  const char *addresses[] = { "alice@example.test", NULL };
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternKeyInfo) info = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (GBytes) exported = NULL;
  g_autoptr (GPtrArray) imports = NULL;
  g_autoptr (GCancellable) cancelled = g_cancellable_new ();

  postern_keyring_generate_async (f->alice, addresses, NULL, done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  info = postern_keyring_generate_finish (f->alice, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  postern_keyring_list_async (f->alice, NULL, NULL, done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  keys = postern_keyring_list_finish (f->alice, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 1);
  g_clear_object (&result);

  postern_keyring_export_async (f->alice, info->fingerprint, 0, NULL, done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  exported = postern_keyring_export_finish (f->alice, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  postern_keyring_import_async (f->bob, exported, NULL, NULL, NULL, done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  imports = postern_keyring_import_finish (f->bob, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (imports->len, ==, 1);
  g_clear_object (&result);

  g_cancellable_cancel (cancelled);
  postern_keyring_delete_async (f->alice, info->fingerprint, cancelled, done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (postern_keyring_delete_finish (f->alice, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);

  postern_keyring_delete_async (f->alice, info->fingerprint, NULL, done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (postern_keyring_delete_finish (f->alice, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  /* The worker threads drop their references to the keyrings a moment
   * after the callbacks ran; the tear-down checks none survives. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  for (guint i = 0;
       i < 100 && (G_OBJECT (f->alice)->ref_count > 1 || G_OBJECT (f->bob)->ref_count > 1); i++)
    g_usleep (10000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add ("/Postern/Keys/Keyring/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("generate", test_generate);
  ADD ("export-import", test_export_import);
  ADD ("import-from-gpg", test_import_from_gpg);
  ADD ("import-garbage", test_import_garbage);
  ADD ("delete", test_delete);
  ADD ("async", test_async);
#undef ADD
  g_test_add_func ("/Postern/Keys/Keyring/fingerprint", test_fingerprint);
  return g_test_run ();
}
