/* test-message-document.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The reader's document of an OpenPGP/MIME message, built the way the
 * session builds it (the keyring opens it first, with real gpg keys): an
 * encrypted and signed message reads as its plaintext, with the signature
 * state the keyring found — unknown key before the sender's key is known,
 * good and pinned after — and a message no key here opens says so and
 * shows nothing of the plaintext. HTML-only mail keeps its HTML for the
 * renderer.
 */
#include "config.h"

#include <string.h>

#include "postern-keys-test.h"
#include "postern-message-document.h"
#include "postern-test-util.h"

typedef struct
{
  char *dir;
  PosternProfile *ada; /* the sender */
  PosternProfile *me;  /* the reader */
  PosternKeyring *ada_keys;
  PosternKeyring *my_keys;
  char *ada_fpr;
  char *my_fpr;
} Fixture;

static const char secret_message[] = "From: Ada <ada@example.test>\r\n"
                                     "To: Me <me@example.test>\r\n"
                                     "Subject: the meeting point\r\n"
                                     "Message-ID: <meet-1@example.test>\r\n"
                                     "Date: Mon, 09 Feb 2026 10:00:00 +0000\r\n"
                                     "MIME-Version: 1.0\r\n"
                                     "Content-Type: text/plain; charset=utf-8\r\n"
                                     "\r\n"
                                     "Under the clock at the station, at noon.\r\n";

static PosternProfile *
make_profile (Fixture *f, const char *name, const char *address, PosternKeyring **keys, char **fpr)
{
  const char *addresses[] = { address, NULL };
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternKeyInfo) own = NULL;
  PosternProfile *profile = postern_profile_open (path, TRUE, &error);

  g_assert_no_error (error);
  *keys = postern_keyring_new_for_profile (profile);
  own = postern_keyring_generate_sync (*keys, addresses, NULL, &error);
  g_assert_no_error (error);
  *fpr = g_strdup (own->fingerprint);
  return profile;
}

static void
give_key (PosternKeyring *from, const char *fpr, PosternKeyring *to)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) key = postern_keyring_export_sync (from, fpr, 0, NULL, &error);
  g_autoptr (GPtrArray) imported = NULL;

  g_assert_no_error (error);
  imported = postern_keyring_import_sync (to, key, "test", NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = postern_test_make_tmpdir ("message-document");
  f->ada = make_profile (f, "ada", "Ada <ada@example.test>", &f->ada_keys, &f->ada_fpr);
  f->me = make_profile (f, "me", "Me <me@example.test>", &f->my_keys, &f->my_fpr);
  give_key (f->my_keys, f->my_fpr, f->ada_keys);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *ada_home = g_build_filename (f->dir, "ada", "gnupg", NULL);
  g_autofree char *my_home = g_build_filename (f->dir, "me", "gnupg", NULL);

  g_assert_finalize_object (f->ada_keys);
  g_assert_finalize_object (f->my_keys);
  g_assert_finalize_object (f->ada);
  g_assert_finalize_object (f->me);
  postern_keys_test_kill_agents (ada_home);
  postern_keys_test_kill_agents (my_home);
  postern_test_rm_rf (f->dir);
  g_free (f->ada_fpr);
  g_free (f->my_fpr);
  g_free (f->dir);
}

static GBytes *
seal_from_ada (Fixture *f)
{
  const char *to[] = { f->my_fpr, NULL };
  g_autoptr (GBytes) plain = g_bytes_new_static (secret_message, strlen (secret_message));
  g_autoptr (GError) error = NULL;
  GBytes *sealed
    = postern_pgp_mime_encrypt_sync (f->ada_keys, plain, to, f->ada_fpr, FALSE, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sealed);
  return sealed;
}

/* What the session does when the reader opens a message. */
static PosternMessageDocument *
open_as (PosternKeyring *keys, GBytes *stored)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternPgpMimeResult) opened
    = postern_pgp_mime_decrypt_sync (keys, stored, NULL, &error);

  return postern_message_document_new_opened (opened, error, stored, NULL);
}

static void
test_encrypted_signed (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) sealed = seal_from_ada (f);
  g_autoptr (PosternMessageDocument) before = NULL;
  g_autoptr (PosternMessageDocument) after = NULL;
  g_autofree char *stored_text = postern_keys_test_bytes_to_string (sealed);

  g_assert_null (strstr (stored_text, "Under the clock"));

  /* Ada's key is not in my keyring yet: readable, signer unknown. */
  before = open_as (f->my_keys, sealed);
  g_assert_true (postern_message_document_get_decrypted (before));
  g_assert_nonnull (strstr (postern_message_document_get_body (before), "Under the clock"));
  g_assert_cmpstr (postern_message_document_get_subject (before), ==, "the meeting point");
  g_assert_cmpint (postern_message_document_get_signature (before), ==,
                   POSTERN_SIGNATURE_UNKNOWN_KEY);

  /* Once her key is pinned for her address, the signature is good. */
  give_key (f->ada_keys, f->ada_fpr, f->my_keys);
  after = open_as (f->my_keys, sealed);
  g_assert_cmpint (postern_message_document_get_signature (after), ==, POSTERN_SIGNATURE_GOOD);
  g_assert_cmpstr (postern_message_document_get_signer (after), ==, f->ada_fpr);
}

static void
test_not_for_me (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) sealed = seal_from_ada (f);
  /* Ada's own keyring holds no secret key the message was encrypted to. */
  g_autoptr (PosternMessageDocument) doc = open_as (f->ada_keys, sealed);

  g_assert_false (postern_message_document_get_decrypted (doc));
  g_assert_cmpint (postern_message_document_get_signature (doc), ==, POSTERN_SIGNATURE_ENCRYPTED);
  g_assert_null (strstr (postern_message_document_get_body (doc), "Under the clock"));
  g_assert_cmpstr (postern_message_document_get_subject (doc), ==, "the meeting point");
}

static char *
signed_message (const char *text, const char *signature)
{
  return g_strdup_printf ("From: Ada <ada@example.test>\r\n"
                          "Subject: signed\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: multipart/signed; micalg=pgp-sha256; "
                          "protocol=\"application/pgp-signature\"; boundary=\"b\"\r\n\r\n"
                          "--b\r\nContent-Type: text/plain\r\n\r\n%s\r\n"
                          "--b\r\nContent-Type: application/pgp-signature\r\n\r\n%s\r\n"
                          "--b--\r\n",
                          text, signature);
}

static void
test_tampered_signature (Fixture *f, gconstpointer data)
{
  const char *part = "Content-Type: text/plain\r\n\r\nPay 10 euros.";
  g_autofree char *ada_home = g_build_filename (f->dir, "ada", "gnupg", NULL);
  g_autoptr (GBytes) part_bytes = g_bytes_new_static (part, strlen (part));
  g_autoptr (GBytes) signature = NULL;
  g_autofree char *armored = NULL;
  g_autofree char *good_text = NULL;
  g_autofree char *bad_text = NULL;
  g_autoptr (GBytes) good = NULL;
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (PosternMessageDocument) good_doc = NULL;
  g_autoptr (PosternMessageDocument) bad_doc = NULL;

  /* Signed by Ada's gpg, as another mail program would. */
  g_assert_cmpint (postern_keys_test_gpg (ada_home, part_bytes, &signature, NULL, "--armor",
                                          "--detach-sign", "--digest-algo", "SHA256", NULL),
                   ==, 0);
  armored = postern_keys_test_bytes_to_string (signature);
  give_key (f->ada_keys, f->ada_fpr, f->my_keys);
  good_text = signed_message ("Pay 10 euros.", armored);
  bad_text = signed_message ("Pay 99 euros.", armored);
  good = g_bytes_new (good_text, strlen (good_text));
  bad = g_bytes_new (bad_text, strlen (bad_text));

  good_doc = open_as (f->my_keys, good);
  g_assert_cmpint (postern_message_document_get_signature (good_doc), ==, POSTERN_SIGNATURE_GOOD);
  bad_doc = open_as (f->my_keys, bad);
  g_assert_cmpint (postern_message_document_get_signature (bad_doc), ==, POSTERN_SIGNATURE_BAD);
  g_assert_false (postern_message_document_get_decrypted (bad_doc));
}

static void
test_html_kept (void)
{
  const char *text = "From: a@example.test\r\nSubject: news\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: text/html; charset=utf-8\r\n\r\n"
                     "<p>Hello <img src=\"https://tracker.example/p.png\"></p>\r\n";
  g_autoptr (GBytes) bytes = g_bytes_new_static (text, strlen (text));
  g_autoptr (PosternMessageDocument) doc = postern_message_document_new (bytes, NULL);

  g_assert_true (postern_message_document_get_body_is_html (doc));
  g_assert_nonnull (strstr (postern_message_document_get_html (doc), "<img src="));
  g_assert_null (strstr (postern_message_document_get_body (doc), "<p>"));
  g_assert_cmpint (postern_message_document_get_signature (doc), ==, POSTERN_SIGNATURE_NONE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  postern_core_init ();
  g_test_add ("/message-document/encrypted-signed", Fixture, NULL, fixture_set_up,
              test_encrypted_signed, fixture_tear_down);
  g_test_add ("/message-document/not-for-me", Fixture, NULL, fixture_set_up, test_not_for_me,
              fixture_tear_down);
  g_test_add ("/message-document/tampered-signature", Fixture, NULL, fixture_set_up,
              test_tampered_signature, fixture_tear_down);
  g_test_add_func ("/message-document/html-kept", test_html_kept);
  return g_test_run ();
}
