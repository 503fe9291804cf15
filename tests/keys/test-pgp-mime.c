/* test-pgp-mime.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * OpenPGP/MIME against the real gpg: what Postern encrypts, plain gpg
 * decrypts (in its own home, with the recipient's secret key); what gpg
 * encrypts and signs, inside a PGP/MIME structure built here, Postern
 * decrypts and verifies; damaged ciphertext yields an error and nothing of
 * the plaintext. Then the whole path: router, outbox and local transport
 * between two real profiles, and postern-cli show.
 */
#include "config.h"

#include <string.h>

#include "postern-core.h"
#include "postern-keys-test.h"
#include "postern-test-util.h"

typedef struct
{
  char *dir;
  char *alice_path;
  char *bob_home; /* a correspondent using plain gpg */
  PosternProfile *alice;
  PosternKeyring *keyring;
  char *alice_fpr;
  char *bob_fpr;
} Fixture;

static const char plain_message[] = "From: Alice <alice@example.test>\r\n"
                                    "To: Bob <bob@example.test>\r\n"
                                    "Subject: the plans\r\n"
                                    "Message-ID: <plans-1@example.test>\r\n"
                                    "Date: Mon, 09 Feb 2026 10:00:00 +0000\r\n"
                                    "MIME-Version: 1.0\r\n"
                                    "Content-Type: text/plain; charset=utf-8\r\n"
                                    "Content-Transfer-Encoding: 8bit\r\n"
                                    "\r\n"
                                    "Grüße: the treasure is under the old oak.\r\n";

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  const char *addresses[] = { "Alice <alice@example.test>", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternKeyInfo) own = NULL;

  f->dir = postern_test_make_tmpdir ("pgp-mime");
  f->alice_path = g_build_filename (f->dir, "alice", NULL);
  f->bob_home = postern_keys_test_make_home (f->dir, "bob-gnupg");
  f->alice = postern_profile_open (f->alice_path, TRUE, &error);
  g_assert_no_error (error);
  f->keyring = postern_keyring_new_for_profile (f->alice);
  own = postern_keyring_generate_sync (f->keyring, addresses, NULL, &error);
  g_assert_no_error (error);
  f->alice_fpr = g_strdup (own->fingerprint);
  f->bob_fpr = postern_keys_test_gpg_make_key (f->bob_home, "Bob <bob@example.test>");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *alice_home = g_build_filename (f->alice_path, "gnupg", NULL);

  g_assert_finalize_object (f->keyring);
  g_assert_finalize_object (f->alice);
  postern_keys_test_kill_agents (alice_home);
  postern_keys_test_kill_agents (f->bob_home);
  postern_test_rm_rf (f->dir);
  g_free (f->alice_fpr);
  g_free (f->bob_fpr);
  g_free (f->bob_home);
  g_free (f->alice_path);
  g_free (f->dir);
}

static GBytes *
text_bytes (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

/* Bob's public key into Alice's keyring (pinned), Alice's into Bob's gpg. */
static void
exchange_keys (Fixture *f)
{
  g_autoptr (GBytes) bob_key = postern_keys_test_gpg_export (f->bob_home, f->bob_fpr, TRUE);
  g_autoptr (GBytes) alice_key = NULL;
  g_autoptr (GPtrArray) imports = NULL;
  g_autoptr (GError) error = NULL;

  imports = postern_keyring_import_sync (f->keyring, bob_key, "test", NULL, NULL, &error);
  g_assert_no_error (error);
  alice_key = postern_keyring_export_sync (f->keyring, f->alice_fpr, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (postern_keys_test_gpg (f->bob_home, alice_key, NULL, NULL, "--import", NULL), ==,
                   0);
}

static char *
armored_block (const char *text, const char *kind)
{
  g_autofree char *begin = g_strdup_printf ("-----BEGIN PGP %s-----", kind);
  g_autofree char *end = g_strdup_printf ("-----END PGP %s-----", kind);
  const char *a = strstr (text, begin);
  const char *b = a ? strstr (a, end) : NULL;

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  return g_strndup (a, (gsize) (b - a) + strlen (end));
}

static void
test_postern_encrypts_gpg_decrypts (Fixture *f, gconstpointer data)
{
  const char *to[] = { NULL, NULL };
  g_autoptr (GBytes) message = text_bytes (plain_message);
  g_autoptr (GBytes) sealed = NULL;
  g_autoptr (GBytes) cipher = NULL;
  g_autoptr (GBytes) decrypted = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *block = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *status = NULL;
  g_autofree char *good = NULL;
  const char *headers_end;

  exchange_keys (f);
  to[0] = f->bob_fpr;
  sealed
    = postern_pgp_mime_encrypt_sync (f->keyring, message, to, f->alice_fpr, FALSE, NULL, &error);
  g_assert_no_error (error);
  text = postern_keys_test_bytes_to_string (sealed);

  /* RFC 3156 §4: the outer headers stay, the body and its Content-*
   * headers are gone from the outside. */
  g_assert_true (g_str_has_prefix (text, "From: Alice <alice@example.test>\r\n"));
  headers_end = strstr (text, "\r\n\r\n");
  g_assert_nonnull (headers_end);
  g_assert_nonnull (g_strstr_len (text, headers_end - text, "Subject: the plans\r\n"));
  g_assert_nonnull (g_strstr_len (text, headers_end - text,
                                  "Content-Type: multipart/encrypted;\r\n"
                                  " protocol=\"application/pgp-encrypted\";"));
  g_assert_null (g_strstr_len (text, headers_end - text, "charset=utf-8"));
  g_assert_null (strstr (text, "treasure"));
  g_assert_nonnull (strstr (text, "Content-Type: application/pgp-encrypted\r\n"));
  g_assert_nonnull (strstr (text, "\r\nVersion: 1\r\n"));
  g_assert_nonnull (strstr (text, "Content-Type: application/octet-stream"));
  g_assert_true (postern_pgp_mime_is_encrypted (sealed));
  g_assert_false (postern_pgp_mime_is_encrypted (message));

  /* Bob, with plain gpg and his own secret key, reads it and sees
   * Alice's good signature. */
  block = armored_block (text, "MESSAGE");
  cipher = text_bytes (block);
  g_assert_cmpint (postern_keys_test_gpg (f->bob_home, cipher, &decrypted, &status, "--status-fd",
                                          "2", "--decrypt", NULL),
                   ==, 0);
  plain = postern_keys_test_bytes_to_string (decrypted);
  g_assert_true (g_str_has_prefix (plain, "Content-Type: text/plain; charset=utf-8\r\n"
                                          "Content-Transfer-Encoding: 8bit\r\n\r\n"));
  g_assert_nonnull (strstr (plain, "Grüße: the treasure is under the old oak.\r\n"));
  good = g_strdup_printf ("[GNUPG:] VALIDSIG %s", f->alice_fpr);
  g_assert_nonnull (strstr (status, "[GNUPG:] GOODSIG"));
  g_assert_nonnull (strstr (status, good));
  /* Encrypted to Bob only; his key ID is in the clear. */
  g_assert_nonnull (strstr (status, "[GNUPG:] ENC_TO"));
}

static void
test_hidden_recipients (Fixture *f, gconstpointer data)
{
  const char *to[] = { NULL, NULL };
  g_autoptr (GBytes) message = text_bytes (plain_message);
  g_autoptr (GBytes) sealed = NULL;
  g_autoptr (GBytes) cipher = NULL;
  g_autoptr (GBytes) decrypted = NULL;
  g_autoptr (GBytes) packets = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *block = NULL;
  g_autofree char *dump = NULL;

  exchange_keys (f);
  to[0] = f->bob_fpr;
  sealed = postern_pgp_mime_encrypt_sync (f->keyring, message, to, NULL, TRUE, NULL, &error);
  g_assert_no_error (error);
  text = postern_keys_test_bytes_to_string (sealed);
  block = armored_block (text, "MESSAGE");
  cipher = text_bytes (block);
  /* No key ID names a recipient (for Bcc), and gpg still finds its key. */
  g_assert_cmpint (postern_keys_test_gpg (f->bob_home, cipher, &packets, NULL, "--list-packets",
                                          "--list-only", NULL),
                   ==, 0);
  dump = postern_keys_test_bytes_to_string (packets);
  g_assert_nonnull (strstr (dump, "keyid 0000000000000000"));
  g_assert_cmpint (postern_keys_test_gpg (f->bob_home, cipher, &decrypted, NULL, "--decrypt", NULL),
                   ==, 0);
}

/* A PGP/MIME message around ciphertext made elsewhere (RFC 3156 §4). */
static GBytes *
wrap_encrypted (const char *cipher_part_headers, const char *cipher_text)
{
  g_autofree char *text = g_strdup_printf (
    "From: Bob <bob@example.test>\n"
    "To: Alice <alice@example.test>\n"
    "Subject: from gpg\n"
    "Message-ID: <gpg-1@example.test>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\n"
    "  boundary=\"XyZ\"\n"
    "\n"
    "--XyZ\n"
    "Content-Type: application/pgp-encrypted\n"
    "\n"
    "Version: 1\n"
    "\n"
    "--XyZ\n"
    "Content-Type: application/octet-stream\n"
    "%s"
    "\n"
    "%s\n"
    "--XyZ--\n",
    cipher_part_headers, cipher_text);
  return text_bytes (text);
}

static const char gpg_entity[] = "Content-Type: text/plain; charset=us-ascii\r\n"
                                 "\r\n"
                                 "Hello Alice, this comes from plain gpg.\r\n";

static GBytes *
gpg_encrypt (Fixture *f, gboolean sign, gboolean armor)
{
  g_autoptr (GBytes) entity = text_bytes (gpg_entity);
  GBytes *cipher = NULL;
  g_autofree char *err = NULL;
  int status;

  if (sign)
    status = postern_keys_test_gpg (f->bob_home, entity, &cipher, &err, "--trust-model", "always",
                                    armor ? "--armor" : "--no-armor", "--local-user", f->bob_fpr,
                                    "--recipient", f->alice_fpr, "--encrypt", "--sign", NULL);
  else
    status = postern_keys_test_gpg (f->bob_home, entity, &cipher, &err, "--trust-model", "always",
                                    armor ? "--armor" : "--no-armor", "--recipient", f->alice_fpr,
                                    "--encrypt", NULL);
  if (status != 0)
    g_error ("gpg --encrypt failed: %s", err);
  return cipher;
}

static void
test_gpg_encrypts_postern_decrypts (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) alice_key = NULL;
  g_autoptr (GBytes) bob_key = NULL;
  g_autoptr (GBytes) cipher = NULL;
  g_autoptr (GBytes) message = NULL;
  g_autoptr (PosternPgpMimeResult) result = NULL;
  g_autoptr (GPtrArray) imports = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *cipher_text = NULL;
  g_autofree char *readable = NULL;

  alice_key = postern_keyring_export_sync (f->keyring, f->alice_fpr, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (postern_keys_test_gpg (f->bob_home, alice_key, NULL, NULL, "--import", NULL), ==,
                   0);
  cipher = gpg_encrypt (f, TRUE, TRUE);
  cipher_text = postern_keys_test_bytes_to_string (cipher);
  message = wrap_encrypted ("", cipher_text);

  /* Bob's key is not known yet: decrypted, signature by an unknown key. */
  result = postern_pgp_mime_decrypt_sync (f->keyring, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (result->encrypted);
  g_assert_true (result->decrypted);
  g_assert_cmpint (result->signature, ==, POSTERN_SIGNATURE_STATUS_UNKNOWN_KEY);
  g_assert_false (result->signer_pinned);
  readable = postern_keys_test_bytes_to_string (result->message);
  g_assert_true (g_str_has_prefix (readable, "From: Bob <bob@example.test>\n"));
  g_assert_nonnull (strstr (readable, "Subject: from gpg\n"));
  g_assert_null (strstr (readable, "multipart/encrypted"));
  g_assert_nonnull (strstr (readable, "MIME-Version: 1.0\nContent-Type: text/plain; "
                                      "charset=us-ascii\n\nHello Alice, this comes from plain "
                                      "gpg.\n"));
  g_clear_pointer (&result, postern_pgp_mime_result_free);

  /* With Bob's key pinned: a good signature by the pinned key. */
  bob_key = postern_keys_test_gpg_export (f->bob_home, f->bob_fpr, TRUE);
  imports = postern_keyring_import_sync (f->keyring, bob_key, "test", NULL, NULL, &error);
  g_assert_no_error (error);
  result = postern_pgp_mime_decrypt_sync (f->keyring, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->signature, ==, POSTERN_SIGNATURE_STATUS_GOOD);
  g_assert_cmpstr (result->signer_fingerprint, ==, f->bob_fpr);
  g_assert_true (result->signer_pinned);
  g_clear_pointer (&result, postern_pgp_mime_result_free);

  /* Binary ciphertext in base64 and no signature, as other clients send. */
  g_clear_pointer (&cipher, g_bytes_unref);
  g_clear_pointer (&cipher_text, g_free);
  g_clear_pointer (&message, g_bytes_unref);
  cipher = gpg_encrypt (f, FALSE, FALSE);
  cipher_text = g_base64_encode (g_bytes_get_data (cipher, NULL), g_bytes_get_size (cipher));
  message = wrap_encrypted ("Content-Transfer-Encoding: base64\n", cipher_text);
  result = postern_pgp_mime_decrypt_sync (f->keyring, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (result->encrypted);
  g_assert_cmpint (result->signature, ==, POSTERN_SIGNATURE_STATUS_NONE);
  g_assert_null (result->signer_fingerprint);
}

static void
test_tampered (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) alice_key = NULL;
  g_autoptr (GBytes) cipher = NULL;
  g_autoptr (GBytes) message = NULL;
  g_autoptr (PosternPgpMimeResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guchar *damaged = NULL;
  g_autofree char *encoded = NULL;
  gsize len;

  alice_key = postern_keyring_export_sync (f->keyring, f->alice_fpr, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (postern_keys_test_gpg (f->bob_home, alice_key, NULL, NULL, "--import", NULL), ==,
                   0);

  /* One bit flipped near the end of the encrypted data: the integrity
   * check (MDC) fails only after gpg has decrypted, and written, most of
   * the plaintext. */
  cipher = gpg_encrypt (f, TRUE, FALSE);
  len = g_bytes_get_size (cipher);
  damaged = g_memdup2 (g_bytes_get_data (cipher, NULL), len);
  damaged[len - 30] ^= 0x01;
  encoded = g_base64_encode (damaged, len);
  message = wrap_encrypted ("Content-Transfer-Encoding: base64\n", encoded);
  result = postern_pgp_mime_decrypt_sync (f->keyring, message, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "cannot decrypt the message: "));
  g_assert_null (strstr (error->message, "Hello"));
  g_clear_error (&error);

  /* The reader (and show) get it as stored, with the reason. */
  {
    PosternStore *store = postern_profile_get_store (f->alice, &error);
    g_autofree char *id = NULL;
    g_autoptr (GBytes) readable = NULL;
    g_autoptr (PosternPgpMimeResult) shown = NULL;

    g_assert_no_error (error);
    g_assert_true (postern_store_add (store, POSTERN_STORE_INBOX, message, NULL,
                                      POSTERN_LOCK_UNKNOWN, &id, &error));
    readable = postern_pgp_mime_load_readable_sync (f->alice, id, &shown, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (readable, message));
    g_assert_true (shown->encrypted);
    g_assert_false (shown->decrypted);
    g_assert_error (shown->decrypt_error, POSTERN_ERROR, POSTERN_ERROR_FAILED);
    g_assert_nonnull (strstr (shown->decrypt_error->message, "damaged or was tampered with"));
  }
  g_clear_pointer (&message, g_bytes_unref);
  g_clear_pointer (&encoded, g_free);

  /* Cut short. */
  encoded = g_base64_encode (g_bytes_get_data (cipher, NULL), len / 2);
  message = wrap_encrypted ("Content-Transfer-Encoding: base64\n", encoded);
  result = postern_pgp_mime_decrypt_sync (f->keyring, message, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED);
  g_clear_error (&error);
  g_clear_pointer (&message, g_bytes_unref);

  /* Not OpenPGP at all. */
  message = wrap_encrypted ("", "this is no ciphertext");
  result = postern_pgp_mime_decrypt_sync (f->keyring, message, NULL, &error);
  g_assert_null (result);
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_clear_pointer (&message, g_bytes_unref);

  /* Encrypted to someone else. */
  {
    g_autoptr (GBytes) to_bob = NULL;
    g_autoptr (GBytes) entity = text_bytes (gpg_entity);
    g_autofree char *text = NULL;
    g_assert_cmpint (postern_keys_test_gpg (f->bob_home, entity, &to_bob, NULL, "--armor",
                                            "--recipient", f->bob_fpr, "--encrypt", NULL),
                     ==, 0);
    text = postern_keys_test_bytes_to_string (to_bob);
    message = wrap_encrypted ("", text);
    result = postern_pgp_mime_decrypt_sync (f->keyring, message, NULL, &error);
    g_assert_null (result);
    g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, "not encrypted to any key of this profile"));
  }
}

static GBytes *
wrap_signed (const char *entity, const char *signature)
{
  g_autofree char *text
    = g_strdup_printf ("From: Bob <bob@example.test>\r\n"
                       "To: Alice <alice@example.test>\r\n"
                       "Subject: signed by gpg\r\n"
                       "MIME-Version: 1.0\r\n"
                       "Content-Type: multipart/signed; micalg=pgp-sha256;\r\n"
                       " protocol=\"application/pgp-signature\"; boundary=\"SiG\"\r\n"
                       "\r\n"
                       "--SiG\r\n"
                       "%s\r\n"
                       "--SiG\r\n"
                       "Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n"
                       "\r\n"
                       "%s\r\n"
                       "--SiG--\r\n",
                       entity, signature);
  return text_bytes (text);
}

static void
test_signed (Fixture *f, gconstpointer data)
{
  /* The signed entity ends before the CRLF that precedes the boundary. */
  const char entity[] = "Content-Type: text/plain\r\n\r\nSigned, not sealed.";
  const char changed[] = "Content-Type: text/plain\r\n\r\nSigned, not sealed!";
  g_autoptr (GBytes) entity_bytes = text_bytes (entity);
  g_autoptr (GBytes) signature = NULL;
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (GBytes) bob_key = NULL;
  g_autoptr (GBytes) plain = text_bytes (plain_message);
  g_autoptr (GPtrArray) imports = NULL;
  g_autoptr (PosternPgpMimeResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *sig_text = NULL;

  g_assert_cmpint (postern_keys_test_gpg (f->bob_home, entity_bytes, &signature, NULL, "--armor",
                                          "--local-user", f->bob_fpr, "--detach-sign", NULL),
                   ==, 0);
  sig_text = postern_keys_test_bytes_to_string (signature);
  message = wrap_signed (entity, sig_text);
  bad = wrap_signed (changed, sig_text);

  result = postern_pgp_mime_decrypt_sync (f->keyring, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (result->encrypted);
  g_assert_false (result->decrypted);
  g_assert_cmpint (result->signature, ==, POSTERN_SIGNATURE_STATUS_UNKNOWN_KEY);
  g_assert_true (g_bytes_equal (result->message, message));
  g_clear_pointer (&result, postern_pgp_mime_result_free);

  bob_key = postern_keys_test_gpg_export (f->bob_home, f->bob_fpr, TRUE);
  imports = postern_keyring_import_sync (f->keyring, bob_key, "test", NULL, NULL, &error);
  g_assert_no_error (error);
  result = postern_pgp_mime_decrypt_sync (f->keyring, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->signature, ==, POSTERN_SIGNATURE_STATUS_GOOD);
  g_assert_cmpstr (result->signer_fingerprint, ==, f->bob_fpr);
  g_assert_true (result->signer_pinned);
  g_clear_pointer (&result, postern_pgp_mime_result_free);

  result = postern_pgp_mime_decrypt_sync (f->keyring, bad, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->signature, ==, POSTERN_SIGNATURE_STATUS_BAD);
  g_clear_pointer (&result, postern_pgp_mime_result_free);

  /* Plain mail comes back as it is. */
  result = postern_pgp_mime_decrypt_sync (f->keyring, plain, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (result->encrypted);
  g_assert_cmpint (result->signature, ==, POSTERN_SIGNATURE_STATUS_NONE);
  g_assert_true (g_bytes_equal (result->message, plain));
}

static void
done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_round_trip_async (Fixture *f, gconstpointer data)
{
  const char *to[] = { NULL, NULL };
  g_autoptr (GBytes) message = text_bytes (plain_message);
  g_autoptr (GBytes) sealed = NULL;
  g_autoptr (GAsyncResult) async_result = NULL;
  g_autoptr (PosternPgpMimeResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *readable = NULL;

  /* To herself: Alice reads what she sent, with her own good signature. */
  to[0] = f->alice_fpr;
  sealed
    = postern_pgp_mime_encrypt_sync (f->keyring, message, to, f->alice_fpr, FALSE, NULL, &error);
  g_assert_no_error (error);
  postern_pgp_mime_decrypt_async (f->keyring, sealed, NULL, done, &async_result);
  while (async_result == NULL)
    g_main_context_iteration (NULL, TRUE);
  result = postern_pgp_mime_decrypt_finish (f->keyring, async_result, &error);
  g_assert_no_error (error);
  g_assert_true (result->encrypted);
  g_assert_cmpint (result->signature, ==, POSTERN_SIGNATURE_STATUS_GOOD);
  g_assert_cmpstr (result->signer_fingerprint, ==, f->alice_fpr);
  g_assert_true (result->signer_pinned);
  readable = postern_keys_test_bytes_to_string (result->message);
  /* The decrypted message is the original, header for header. */
  g_assert_cmpstr (readable, ==, plain_message);
  g_clear_object (&async_result);
  for (guint i = 0; i < 100 && G_OBJECT (f->keyring)->ref_count > 1; i++)
    g_usleep (10000);
}

/* The whole path between two Postern profiles. */

typedef struct
{
  char *dir;
  char *alice_path;
  char *bob_path;
  char *carol_home;
  PosternProfile *alice;
  PosternProfile *bob;
  PosternAccount *account;
  char *alice_fpr;
  char *bob_fpr;
  char *carol_fpr;
} Pair;

static PosternKeyInfo *
generate (PosternProfile *profile, const char *address)
{
  const char *addresses[] = { address, NULL };
  g_autoptr (PosternKeyring) keyring = postern_keyring_new_for_profile (profile);
  g_autoptr (GError) error = NULL;
  PosternKeyInfo *info = postern_keyring_generate_sync (keyring, addresses, NULL, &error);

  g_assert_no_error (error);
  return info;
}

static void
give_key (PosternProfile *from, const char *fpr, PosternProfile *to)
{
  g_autoptr (PosternKeyring) source = postern_keyring_new_for_profile (from);
  g_autoptr (PosternKeyring) dest = postern_keyring_new_for_profile (to);
  g_autoptr (GBytes) key = NULL;
  g_autoptr (GPtrArray) imports = NULL;
  g_autoptr (GError) error = NULL;

  key = postern_keyring_export_sync (source, fpr, 0, NULL, &error);
  g_assert_no_error (error);
  imports = postern_keyring_import_sync (dest, key, "test", NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
pair_set_up (Pair *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternKeyInfo) alice = NULL;
  g_autoptr (PosternKeyInfo) bob = NULL;
  g_autofree char *url = NULL;

  f->dir = postern_test_make_tmpdir ("pgp-mime-pair");
  f->alice_path = g_build_filename (f->dir, "alice", NULL);
  f->bob_path = g_build_filename (f->dir, "bob", NULL);
  f->carol_home = postern_keys_test_make_home (f->dir, "carol-gnupg");
  f->alice = postern_profile_open (f->alice_path, TRUE, &error);
  g_assert_no_error (error);
  f->bob = postern_profile_open (f->bob_path, TRUE, &error);
  g_assert_no_error (error);
  url = g_strconcat ("local:", f->bob_path, NULL);
  f->account = postern_account_new ("alice", "alice@example.test", &error);
  g_assert_true (postern_account_set_smtp_url (f->account, url, &error));
  g_assert_true (postern_profile_add_account (f->alice, f->account, &error));
  alice = generate (f->alice, "Alice <alice@example.test>");
  bob = generate (f->bob, "bob@example.test");
  f->alice_fpr = g_strdup (alice->fingerprint);
  f->bob_fpr = g_strdup (bob->fingerprint);
  f->carol_fpr = postern_keys_test_gpg_make_key (f->carol_home, "carol@example.test");
  give_key (f->alice, f->alice_fpr, f->bob);
  give_key (f->bob, f->bob_fpr, f->alice);
}

static void
pair_tear_down (Pair *f, gconstpointer data)
{
  g_autofree char *alice_home = g_strdup (postern_profile_get_gnupg_home (f->alice));
  g_autofree char *bob_home = g_strdup (postern_profile_get_gnupg_home (f->bob));

  g_clear_object (&f->account);
  g_assert_finalize_object (f->alice);
  g_assert_finalize_object (f->bob);
  postern_keys_test_kill_agents (alice_home);
  postern_keys_test_kill_agents (bob_home);
  postern_keys_test_kill_agents (f->carol_home);
  postern_test_rm_rf (f->dir);
  g_free (f->alice_fpr);
  g_free (f->bob_fpr);
  g_free (f->carol_fpr);
  g_free (f->carol_home);
  g_free (f->alice_path);
  g_free (f->bob_path);
  g_free (f->dir);
}

static GPtrArray *
route (Pair *f, const char *const *addresses, GError **error)
{
  g_autoptr (PosternRouter) router = postern_router_new (f->alice, f->account);
  return postern_router_route (router, addresses, error);
}

static void
test_router (Pair *f, gconstpointer data)
{
  const char *bob[] = { "Bob <bob@example.test>", NULL };
  const char *bob_and_dave[] = { "bob@example.test", "dave@example.test", NULL };
  g_autoptr (GPtrArray) routes = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternRouter) no_profile = postern_router_new (NULL, f->account);
  g_autoptr (PosternRoute) one = NULL;

  routes = route (f, bob, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((PosternRoute *) routes->pdata[0])->transport, ==, "local");
  g_assert_cmpint (((PosternRoute *) routes->pdata[0])->lock, ==, POSTERN_LOCK_SEALED);
  g_clear_pointer (&routes, g_ptr_array_unref);

  /* Encrypted to all or to none: Dave has no key, so Bob's copy is not
   * sealed either. */
  routes = route (f, bob_and_dave, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((PosternRoute *) routes->pdata[0])->lock, ==, POSTERN_LOCK_TLS);
  g_assert_cmpint (((PosternRoute *) routes->pdata[1])->lock, ==, POSTERN_LOCK_TLS);
  g_assert_true (postern_routes_check_single_transport (routes, &error));
  g_clear_pointer (&routes, g_ptr_array_unref);

  /* Without a profile there are no keys. */
  one = postern_router_route_one (no_profile, "bob@example.test", &error);
  g_assert_no_error (error);
  g_assert_cmpint (one->lock, ==, POSTERN_LOCK_TLS);

  /* A key conflict over Bob refuses the route (exit 3 in the CLI). */
  {
    g_autoptr (PosternTrust) trust = postern_trust_new_for_profile (f->alice);
    g_assert_true (postern_trust_observe (trust, "bob@example.test",
                                          "0123456789ABCDEF0123456789ABCDEF01234567", "test", NULL,
                                          NULL, &error));
  }
  routes = route (f, bob, &error);
  g_assert_null (routes);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY);
}

static char *
send (Pair *f, const char *text, GError **error)
{
  g_autoptr (PosternOutbox) outbox = postern_outbox_new (f->alice, f->account);
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr (GPtrArray) results = NULL;
  g_autofree char *id = postern_outbox_enqueue (outbox, bytes, NULL, error);

  if (id == NULL)
    return NULL;
  results = postern_outbox_flush_sync (outbox, NULL, error);
  g_assert_nonnull (results);
  g_assert_cmpuint (results->len, ==, 1);
  if (((PosternOutboxResult *) results->pdata[0])->error != NULL)
    {
      g_propagate_error (error, g_error_copy (((PosternOutboxResult *) results->pdata[0])->error));
      return NULL;
    }
  return g_steal_pointer (&id);
}

static GBytes *
only_message (PosternProfile *profile, const char *folder, PosternMessageRow **out_row)
{
  PosternStore *store = postern_profile_get_store (profile, NULL);
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  GBytes *bytes;

  g_assert_true (postern_store_refresh (store, &error));
  rows = postern_store_list (store, folder, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  bytes = postern_store_load (store, ((PosternMessageRow *) rows->pdata[0])->id, folder, out_row,
                              &error);
  g_assert_no_error (error);
  return bytes;
}

static const char to_bob[] = "From: Alice <alice@example.test>\n"
                             "To: bob@example.test\n"
                             "Subject: sealed lunch\n"
                             "Message-ID: <lunch-2@example.test>\n"
                             "Date: Mon, 09 Feb 2026 10:00:00 +0000\n"
                             "\n"
                             "Noodles at noon, the usual place.\n";

static void
test_outbox_sealed (Pair *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = send (f, to_bob, &error);
  g_autoptr (GBytes) received = NULL;
  g_autoptr (GBytes) sent = NULL;
  g_autoptr (GBytes) readable = NULL;
  g_autoptr (GBytes) cipher = NULL;
  g_autoptr (GBytes) decrypted = NULL;
  g_autoptr (PosternMessageRow) received_row = NULL;
  g_autoptr (PosternMessageRow) sent_row = NULL;
  g_autoptr (PosternPgpMimeResult) result = NULL;
  g_autofree char *text = NULL;
  g_autofree char *block = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *shown = NULL;

  g_assert_no_error (error);

  /* What travelled is encrypted, and Bob's store knows it came sealed. */
  received = only_message (f->bob, POSTERN_STORE_INBOX, &received_row);
  text = postern_keys_test_bytes_to_string (received);
  g_assert_true (postern_pgp_mime_is_encrypted (received));
  g_assert_null (strstr (text, "Noodles"));
  g_assert_nonnull (strstr (text, "Subject: sealed lunch\n"));
  g_assert_cmpint (received_row->lock, ==, POSTERN_LOCK_SEALED);

  /* The Sent copy is the message as written, marked SEALED. */
  sent = only_message (f->alice, POSTERN_STORE_SENT, &sent_row);
  g_assert_cmpstr (sent_row->id, ==, id);
  g_assert_cmpint (sent_row->lock, ==, POSTERN_LOCK_SEALED);
  plain = postern_keys_test_bytes_to_string (sent);
  g_assert_cmpstr (plain, ==, to_bob);
  g_clear_pointer (&plain, g_free);

  /* Bob's Postern reads it, with Alice's good signature by her pinned
   * key. */
  readable = postern_pgp_mime_load_readable_sync (f->bob, received_row->id, &result, NULL, &error);
  g_assert_no_error (error);
  shown = postern_keys_test_bytes_to_string (readable);
  g_assert_nonnull (strstr (shown, "Subject: sealed lunch\n"));
  g_assert_nonnull (strstr (shown, "\n\nNoodles at noon, the usual place.\n"));
  g_assert_true (result->encrypted);
  g_assert_cmpint (result->signature, ==, POSTERN_SIGNATURE_STATUS_GOOD);
  g_assert_cmpstr (result->signer_fingerprint, ==, f->alice_fpr);
  g_assert_true (result->signer_pinned);

  /* And plain gpg in Bob's GnuPG home too. */
  block = armored_block (text, "MESSAGE");
  cipher = text_bytes (block);
  g_assert_cmpint (postern_keys_test_gpg (postern_profile_get_gnupg_home (f->bob), cipher,
                                          &decrypted, NULL, "--decrypt", NULL),
                   ==, 0);
  plain = postern_keys_test_bytes_to_string (decrypted);
  g_assert_nonnull (strstr (plain, "Noodles at noon, the usual place.\r\n"));
}

static void
test_outbox_bcc (Pair *f, gconstpointer data)
{
  g_autoptr (GBytes) carol_key = postern_keys_test_gpg_export (f->carol_home, f->carol_fpr, TRUE);
  g_autoptr (PosternKeyring) keyring = postern_keyring_new_for_profile (f->alice);
  g_autoptr (GPtrArray) imports = NULL;
  g_autoptr (GBytes) received = NULL;
  g_autoptr (GBytes) cipher = NULL;
  g_autoptr (GBytes) packets = NULL;
  g_autoptr (GBytes) decrypted = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *text = NULL;
  g_autofree char *block = NULL;
  g_autofree char *dump = NULL;
  g_autofree char *plain = NULL;
  const char message[] = "From: Alice <alice@example.test>\n"
                         "To: bob@example.test\n"
                         "Bcc: carol@example.test\n"
                         "Subject: a surprise\n"
                         "\n"
                         "Carol is coming too.\n";

  imports = postern_keyring_import_sync (keyring, carol_key, "test", NULL, NULL, &error);
  g_assert_no_error (error);
  id = send (f, message, &error);
  g_assert_no_error (error);
  received = only_message (f->bob, POSTERN_STORE_INBOX, NULL);
  text = postern_keys_test_bytes_to_string (received);
  g_assert_null (strstr (text, "carol"));
  block = armored_block (text, "MESSAGE");
  cipher = text_bytes (block);
  /* Bob cannot tell from the key IDs that Carol got it too. */
  g_assert_cmpint (postern_keys_test_gpg (postern_profile_get_gnupg_home (f->bob), cipher, &packets,
                                          NULL, "--list-packets", "--list-only", NULL),
                   ==, 0);
  dump = postern_keys_test_bytes_to_string (packets);
  g_assert_nonnull (strstr (dump, "keyid 0000000000000000"));
  /* Carol, with plain gpg, can read it (with Alice's key to check the
   * signature, or gpg fails). */
  {
    g_autoptr (GBytes) alice_key
      = postern_keyring_export_sync (keyring, f->alice_fpr, 0, NULL, &error);
    g_autofree char *err = NULL;
    g_assert_no_error (error);
    g_assert_cmpint (postern_keys_test_gpg (f->carol_home, alice_key, NULL, NULL, "--import", NULL),
                     ==, 0);
    /* Without key IDs gpg tries each secret key; on a host without
     * scdaemon, asking for smartcards logs an error that sets gpg's exit
     * status to 2 even though it decrypted. What counts is that it found
     * its key and the plaintext. */
    postern_keys_test_gpg (f->carol_home, cipher, &decrypted, &err, "--decrypt", NULL);
    g_assert_nonnull (strstr (err, "okay, we are the anonymous recipient"));
    g_assert_nonnull (strstr (err, "Good signature from \"Alice <alice@example.test>\""));
  }
  /* So can Carol's GnuPG home used through Postern. */
  {
    g_autoptr (PosternKeyring) carol = postern_keyring_new (f->carol_home, NULL);
    g_autoptr (PosternPgpMimeResult) result
      = postern_pgp_mime_decrypt_sync (carol, received, NULL, &error);
    g_autofree char *readable = NULL;

    g_assert_no_error (error);
    readable = postern_keys_test_bytes_to_string (result->message);
    g_assert_nonnull (strstr (readable, "\n\nCarol is coming too.\n"));
    g_assert_cmpint (result->signature, ==, POSTERN_SIGNATURE_STATUS_GOOD);
  }
  plain = postern_keys_test_bytes_to_string (decrypted);
  g_assert_nonnull (strstr (plain, "Carol is coming too."));
  g_assert_null (strstr (plain, "Bcc"));
}

static void
test_outbox_conflict_after_queueing (Pair *f, gconstpointer data)
{
  g_autoptr (PosternOutbox) outbox = postern_outbox_new (f->alice, f->account);
  g_autoptr (GBytes) bytes = text_bytes (to_bob);
  g_autoptr (GPtrArray) routes = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternTrust) trust = postern_trust_new_for_profile (f->alice);
  g_autofree char *id = postern_outbox_enqueue (outbox, bytes, &routes, &error);
  PosternOutboxResult *r;

  g_assert_no_error (error);
  g_assert_cmpint (((PosternRoute *) routes->pdata[0])->lock, ==, POSTERN_LOCK_SEALED);
  /* A conflict comes up before the flush: the message stays queued,
   * never sent in the clear. */
  g_assert_true (postern_trust_observe (trust, "bob@example.test",
                                        "0123456789ABCDEF0123456789ABCDEF01234567", "test", NULL,
                                        NULL, &error));
  results = postern_outbox_flush_sync (outbox, NULL, &error);
  g_assert_no_error (error);
  r = results->pdata[0];
  g_assert_error (r->error, POSTERN_ERROR, POSTERN_ERROR_POLICY);
  g_assert_cmpuint (postern_outbox_get_pending (outbox), ==, 1);
  g_assert_cmpuint (
    postern_store_count (postern_profile_get_store (f->bob, NULL), POSTERN_STORE_INBOX), ==, 0);
}

static void
test_cli_show_and_send (Pair *f, gconstpointer data)
{
  g_autoptr (GBytes) input = text_bytes (to_bob);
  g_autoptr (GBytes) out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GBytes) received = NULL;
  g_autoptr (PosternMessageRow) row = NULL;

  g_assert_cmpint (
    postern_test_run_cli (f->alice_path, NULL, &out, &err, "route", "bob@example.test", NULL), ==,
    0);
  text = postern_keys_test_bytes_to_string (out);
  g_assert_nonnull (strstr (text, "\"lock\":\"SEALED\""));
  g_assert_nonnull (strstr (text, "\"transport\":\"local\""));
  g_clear_pointer (&out, g_bytes_unref);
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (postern_test_run_cli (f->alice_path, input, &out, &err, "send", NULL), ==, 0);
  text = postern_keys_test_bytes_to_string (out);
  g_assert_cmpstr (text, ==, "bob@example.test local SEALED\n");
  g_clear_pointer (&out, g_bytes_unref);
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&err, g_free);

  /* show prints the decrypted message (DESIGN §9). */
  received = only_message (f->bob, POSTERN_STORE_INBOX, &row);
  g_assert_cmpint (postern_test_run_cli (f->bob_path, NULL, &out, &err, "show", row->id, NULL), ==,
                   0);
  text = postern_keys_test_bytes_to_string (out);
  g_assert_true (g_str_has_prefix (text, "Autocrypt: addr=alice@example.test; "));
  g_assert_nonnull (strstr (text, "\nFrom: Alice <alice@example.test>\n"));
  g_assert_nonnull (strstr (text, "\n\nNoodles at noon, the usual place.\n"));
  g_assert_null (strstr (text, "BEGIN PGP"));
  g_clear_pointer (&out, g_bytes_unref);
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&err, g_free);

  /* A profile without the key gets the message as stored. */
  {
    g_autofree char *other = g_build_filename (f->dir, "other", NULL);
    g_autofree char *other_home = g_build_filename (other, "gnupg", NULL);
    g_autofree char *maildir = g_build_filename (f->bob_path, "store", "INBOX", NULL);
    g_assert_cmpint (
      postern_test_run_cli (other, NULL, &out, &err, "import", "maildir", maildir, NULL), ==, 0);
    g_clear_pointer (&err, g_free);
    g_clear_pointer (&out, g_bytes_unref);
    g_assert_cmpint (postern_test_run_cli (other, NULL, &out, &err, "show", row->id, NULL), ==, 0);
    g_assert_true (g_bytes_equal (out, received));
    g_assert_cmpstr (err, ==,
                     "postern-cli: cannot decrypt the message: it is not encrypted to any key of "
                     "this profile; written as stored\n");
    postern_keys_test_kill_agents (other_home);
  }

  /* A conflict makes route and send refuse with exit 3. */
  {
    g_autoptr (PosternTrust) trust = postern_trust_new_for_profile (f->alice);
    g_autoptr (GError) error = NULL;
    g_assert_true (postern_trust_observe (trust, "bob@example.test",
                                          "0123456789ABCDEF0123456789ABCDEF01234567", "test", NULL,
                                          NULL, &error));
  }
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (
    postern_test_run_cli (f->alice_path, NULL, NULL, &err, "route", "bob@example.test", NULL), ==,
    3);
  g_assert_nonnull (strstr (err, "unresolved key conflict for bob@example.test"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (postern_test_run_cli (f->alice_path, input, NULL, &err, "send", NULL), ==, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add ("/Postern/Keys/PgpMime/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("postern-encrypts-gpg-decrypts", test_postern_encrypts_gpg_decrypts);
  ADD ("hidden-recipients", test_hidden_recipients);
  ADD ("gpg-encrypts-postern-decrypts", test_gpg_encrypts_postern_decrypts);
  ADD ("tampered", test_tampered);
  ADD ("signed", test_signed);
  ADD ("round-trip-async", test_round_trip_async);
#undef ADD
#define ADD(path, func) \
  g_test_add ("/Postern/Keys/PgpMime/" path, Pair, NULL, pair_set_up, func, pair_tear_down)
  ADD ("router", test_router);
  ADD ("outbox-sealed", test_outbox_sealed);
  ADD ("outbox-bcc", test_outbox_bcc);
  ADD ("outbox-conflict-after-queueing", test_outbox_conflict_after_queueing);
  ADD ("cli-show-and-send", test_cli_show_and_send);
#undef ADD
  return g_test_run ();
}
