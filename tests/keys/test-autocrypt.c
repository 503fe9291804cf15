/* test-autocrypt.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Autocrypt Level 1: the header parser and writer, the key cut down to one
 * address, the header on outgoing mail, and keys learned from incoming
 * mail through the trust policy; keys made by the real gpg and by Postern.
 */
#include "config.h"

#include <string.h>

#include "postern-autocrypt.h"
#include "postern-core.h"
#include "postern-gmime.h"
#include "postern-keys-test.h"
#include "postern-test-util.h"

#define ONION_ADDRESS "alice@pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"

typedef struct
{
  char *dir;
  char *gpg_home;
  char *key_fpr;   /* carol@example.test, made by gpg */
  GBytes *keydata; /* its minimal binary export */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) out = NULL;

  f->dir = postern_test_make_tmpdir ("autocrypt");
  f->gpg_home = postern_keys_test_make_home (f->dir, "gpg");
  f->key_fpr = postern_keys_test_gpg_make_key (f->gpg_home, "Carol <carol@example.test>");
  g_assert_cmpint (postern_keys_test_gpg (f->gpg_home, NULL, &out, NULL, "--export-options",
                                          "export-minimal", "--export", f->key_fpr, NULL),
                   ==, 0);
  f->keydata = g_steal_pointer (&out);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  postern_keys_test_kill_agents (f->gpg_home);
  postern_test_rm_rf (f->dir);
  g_bytes_unref (f->keydata);
  g_free (f->key_fpr);
  g_free (f->gpg_home);
  g_free (f->dir);
}

static char *
base64 (GBytes *bytes)
{
  return g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
assert_invalid (const char *value)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternAutocryptHeader) header = postern_autocrypt_header_parse (value, &error);

  if (header != NULL)
    g_error ("accepted: %s", value);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "invalid Autocrypt header: "));
}

static void
test_parse (Fixture *f, gconstpointer data)
{
  g_autofree char *b64 = base64 (f->keydata);
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternAutocryptHeader) header = NULL;
  g_autofree char *folded = NULL;
  g_autofree char *value = NULL;
  GString *s;

  value = g_strdup_printf ("addr=Carol@Example.TEST; prefer-encrypt=mutual; keydata=%s", b64);
  header = postern_autocrypt_header_parse (value, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (header->addr, ==, "carol@example.test");
  g_assert_true (header->prefer_encrypt);
  g_assert_true (g_bytes_equal (header->keydata, f->keydata));
  g_clear_pointer (&header, postern_autocrypt_header_free);
  g_clear_pointer (&value, g_free);

  /* Folded as it arrives, attributes in another order, an unknown
   * non-critical attribute, no preference. */
  s = g_string_new ("_x-note=ignored; keydata=\r\n");
  for (gsize i = 0; i < strlen (b64); i += 60)
    g_string_append_printf (s, "\t%.60s\r\n", b64 + i);
  g_string_append (s, " ; addr=carol@example.test; prefer-encrypt=nopreference");
  folded = g_string_free (s, FALSE);
  header = postern_autocrypt_header_parse (folded, &error);
  g_assert_no_error (error);
  g_assert_false (header->prefer_encrypt);
  g_assert_true (g_bytes_equal (header->keydata, f->keydata));
  g_clear_pointer (&header, postern_autocrypt_header_free);

  value = g_strdup_printf ("addr=carol@example.test; keydata=%s", b64);
  header = postern_autocrypt_header_parse (value, &error);
  g_assert_no_error (error);
  g_assert_false (header->prefer_encrypt);
  g_clear_pointer (&value, g_free);

  /* Level 1 §2.1: what makes a header invalid. */
  assert_invalid ("");
  assert_invalid ("addr=carol@example.test");
  {
    g_autofree char *v1 = g_strdup_printf ("keydata=%s", b64);
    g_autofree char *v2 = g_strdup_printf ("addr=carol@example.test; color=blue; keydata=%s", b64);
    g_autofree char *v3
      = g_strdup_printf ("addr=a@example.test; addr=b@example.test; keydata=%s", b64);
    g_autofree char *v4 = g_strdup_printf ("addr=not an address; keydata=%s", b64);
    g_autofree char *v5 = g_strdup_printf ("addr=carol@example.test; keydata=%s!", b64);
    g_autofree char *v6
      = g_strdup_printf ("addr=carol@example.test; keydata=%s; keydata=%s", b64, b64);
    g_autofree char *v7 = g_strdup_printf ("addr=carol@example.test; keydata; keydata=%s", b64);
    assert_invalid (v1);
    assert_invalid (v2);
    assert_invalid (v3);
    assert_invalid (v4);
    assert_invalid (v5);
    assert_invalid (v6);
    assert_invalid (v7);
  }
  /* Base64 that is not a key, or two keys, or padding in the middle. */
  assert_invalid ("addr=carol@example.test; keydata=aGVsbG8gd29ybGQ=");
  assert_invalid ("addr=carol@example.test; keydata=aGVs=bG8gd29ybGQ=");
  {
    g_autoptr (GByteArray) two = g_byte_array_new ();
    g_autofree char *b64_two = NULL;
    g_autofree char *v = NULL;
    g_byte_array_append (two, g_bytes_get_data (f->keydata, NULL),
                         (guint) g_bytes_get_size (f->keydata));
    g_byte_array_append (two, g_bytes_get_data (f->keydata, NULL),
                         (guint) g_bytes_get_size (f->keydata));
    b64_two = g_base64_encode (two->data, two->len);
    v = g_strdup_printf ("addr=carol@example.test; keydata=%s", b64_two);
    assert_invalid (v);
  }
  /* A key cut short. */
  {
    g_autofree char *b64_cut
      = g_base64_encode (g_bytes_get_data (f->keydata, NULL), g_bytes_get_size (f->keydata) - 7);
    g_autofree char *v = g_strdup_printf ("addr=carol@example.test; keydata=%s", b64_cut);
    assert_invalid (v);
  }
}

static void
test_format (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternAutocryptHeader) header
    = postern_autocrypt_header_new ("Carol <carol@example.test>", TRUE, f->keydata, &error);
  g_autoptr (PosternAutocryptHeader) again = NULL;
  g_autofree char *value = NULL;
  g_autofree char *field = NULL;
  g_auto (GStrv) lines = NULL;

  g_assert_no_error (error);
  value = postern_autocrypt_header_format (header, "\r\n");
  g_assert_true (g_str_has_prefix (value, "addr=carol@example.test; prefer-encrypt=mutual; "
                                          "keydata=\r\n "));
  field = g_strconcat ("Autocrypt: ", value, NULL);
  lines = g_strsplit (field, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_cmpuint (strlen (lines[i]), <=, 78);
  again = postern_autocrypt_header_parse (value, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->addr, ==, header->addr);
  g_assert_true (again->prefer_encrypt);
  g_assert_true (g_bytes_equal (again->keydata, f->keydata));

  /* An address that cannot be written in the header's syntax. */
  {
    g_autoptr (PosternAutocryptHeader) bad
      = postern_autocrypt_header_new ("\"a;b\"@example.test", FALSE, f->keydata, &error);
    g_assert_null (bad);
    g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  }
}

static void
test_filter (Fixture *f, gconstpointer data)
{
  const char *addresses[] = { "Alice <alice@example.test>", ONION_ADDRESS, NULL };
  g_autofree char *postern_home = postern_keys_test_make_home (f->dir, "postern");
  g_autofree char *check_home = postern_keys_test_make_home (f->dir, "check");
  g_autoptr (PosternKeyring) keyring = postern_keyring_new (postern_home, NULL);
  g_autoptr (PosternKeyInfo) info = NULL;
  g_autoptr (GBytes) full = NULL;
  g_autoptr (GBytes) filtered = NULL;
  g_autoptr (GBytes) onion = NULL;
  g_autoptr (GBytes) packets = NULL;
  g_autoptr (GBytes) listing = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dump = NULL;
  g_autofree char *keys = NULL;

  info = postern_keyring_generate_sync (keyring, addresses, NULL, &error);
  g_assert_no_error (error);
  full = postern_keyring_export_sync (keyring, info->fingerprint,
                                      POSTERN_KEY_EXPORT_MINIMAL | POSTERN_KEY_EXPORT_BINARY, NULL,
                                      &error);
  g_assert_no_error (error);

  /* Only the user ID for the address the mail is from. */
  filtered = postern_autocrypt_filter_key (full, "ALICE@example.test");
  g_assert_nonnull (filtered);
  g_assert_cmpuint (g_bytes_get_size (filtered), <, g_bytes_get_size (full));
  g_assert_cmpint (
    postern_keys_test_gpg (check_home, filtered, &packets, NULL, "--list-packets", NULL), ==, 0);
  dump = postern_keys_test_bytes_to_string (packets);
  g_assert_nonnull (strstr (dump, "Alice <alice@example.test>"));
  g_assert_null (strstr (dump, ".onion"));
  g_assert_nonnull (strstr (dump, ":public sub key packet:"));
  /* gpg takes it as a whole, usable key. */
  g_assert_cmpint (postern_keys_test_gpg (check_home, filtered, NULL, NULL, "--import", NULL), ==,
                   0);
  g_assert_cmpint (postern_keys_test_gpg (check_home, NULL, &listing, NULL, "--with-colons",
                                          "--list-keys", info->fingerprint, NULL),
                   ==, 0);
  keys = postern_keys_test_bytes_to_string (listing);
  g_assert_nonnull (strstr (keys, "\nuid:"));
  g_assert_nonnull (strstr (keys, "\nsub:"));
  g_assert_nonnull (strstr (strstr (keys, "\nsub:"), ":e:"));

  onion = postern_autocrypt_filter_key (full, ONION_ADDRESS);
  g_assert_nonnull (onion);
  g_assert_null (postern_autocrypt_filter_key (full, "bob@example.test"));
  {
    g_autoptr (GBytes) junk = g_bytes_new_static ("\x99\x00\x05"
                                                  "abc",
                                                  6);
    g_assert_null (postern_autocrypt_filter_key (junk, "alice@example.test"));
  }
  postern_keys_test_kill_agents (postern_home);
  postern_keys_test_kill_agents (check_home);
}

/* Two profiles: Alice with a key, Bob learning from her mail. */

typedef struct
{
  char *dir;
  char *alice_path;
  char *bob_path;
  char *mallory_home;
  PosternProfile *alice;
  PosternProfile *bob;
  PosternAccount *account;
  char *alice_fpr;
} Pair;

static void
pair_set_up (Pair *f, gconstpointer data)
{
  const char *addresses[] = { "Alice <alice@example.test>", ONION_ADDRESS, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternKeyring) keyring = NULL;
  g_autoptr (PosternKeyInfo) info = NULL;
  g_autofree char *url = NULL;

  f->dir = postern_test_make_tmpdir ("autocrypt-pair");
  f->alice_path = g_build_filename (f->dir, "alice", NULL);
  f->bob_path = g_build_filename (f->dir, "bob", NULL);
  f->mallory_home = postern_keys_test_make_home (f->dir, "mallory");
  f->alice = postern_profile_open (f->alice_path, TRUE, &error);
  g_assert_no_error (error);
  f->bob = postern_profile_open (f->bob_path, TRUE, &error);
  g_assert_no_error (error);
  url = g_strconcat ("local:", f->bob_path, NULL);
  f->account = postern_account_new ("alice", "alice@example.test", &error);
  g_assert_true (postern_account_set_smtp_url (f->account, url, &error));
  g_assert_true (postern_profile_add_account (f->alice, f->account, &error));
  keyring = postern_keyring_new_for_profile (f->alice);
  info = postern_keyring_generate_sync (keyring, addresses, NULL, &error);
  g_assert_no_error (error);
  f->alice_fpr = g_strdup (info->fingerprint);
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
  postern_keys_test_kill_agents (f->mallory_home);
  postern_test_rm_rf (f->dir);
  g_free (f->alice_fpr);
  g_free (f->mallory_home);
  g_free (f->alice_path);
  g_free (f->bob_path);
  g_free (f->dir);
}

static const char hello[] = "From: Alice <alice@example.test>\n"
                            "To: bob@example.test\n"
                            "Subject: hello\n"
                            "Message-ID: <hello-1@example.test>\n"
                            "Date: Mon, 09 Feb 2026 10:00:00 +0000\n"
                            "Autocrypt: addr=alice@example.test; keydata=AAAA\n"
                            "\n"
                            "Hi Bob.\n";

static GBytes *
prepare (Pair *f, const char *text, const char *transport, PosternLock lock)
{
  g_autoptr (PosternKeyring) keyring = postern_keyring_new_for_profile (f->alice);
  g_autoptr (GPtrArray) routes
    = g_ptr_array_new_with_free_func ((GDestroyNotify) postern_route_free);
  g_autoptr (GBytes) message = g_bytes_new (text, strlen (text));
  g_autoptr (GError) error = NULL;
  PosternRoute route
    = { (char *) "bob@example.test", (char *) "bob@example.test", (char *) transport, lock };
  GBytes *out;

  g_ptr_array_add (routes, postern_route_copy (&route));
  out = postern_pgp_mime_prepare_outgoing_sync (keyring, message, routes, NULL, &error);
  g_assert_no_error (error);
  return out;
}

static PosternAutocryptHeader *
header_of (GBytes *message)
{
  g_autofree char *text = postern_keys_test_bytes_to_string (message);
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  g_autoptr (GMimeMessage) parsed = NULL;
  g_autoptr (GError) error = NULL;
  PosternAutocryptHeader *header;
  const char *value;

  /* Exactly one Autocrypt field. */
  g_assert_nonnull (strstr (text, "Autocrypt: "));
  g_assert_null (strstr (strstr (text, "Autocrypt: ") + 1, "Autocrypt: "));
  stream = g_mime_stream_mem_new_with_buffer (text, strlen (text));
  parser = g_mime_parser_new_with_stream (stream);
  parsed = g_mime_parser_construct_message (parser, NULL);
  value = g_mime_object_get_header (GMIME_OBJECT (parsed), "Autocrypt");
  header = postern_autocrypt_header_parse (value, &error);
  g_assert_no_error (error);
  return header;
}

static void
test_outgoing (Pair *f, gconstpointer data)
{
  g_autoptr (GBytes) tls = prepare (f, hello, "local", POSTERN_LOCK_TLS);
  g_autoptr (GBytes) onion = prepare (f, hello, "smtorp", POSTERN_LOCK_ONION);
  g_autoptr (PosternAutocryptHeader) header = header_of (tls);
  g_autofree char *text = postern_keys_test_bytes_to_string (tls);
  g_autofree char *check_home = postern_keys_test_make_home (f->dir, "check");
  g_autoptr (GBytes) packets = NULL;
  g_autofree char *dump = NULL;

  /* Our key for the From address, cut to that address, replacing the
   * header the message came with; the rest of the message unchanged. */
  g_assert_cmpstr (header->addr, ==, "alice@example.test");
  g_assert_true (header->prefer_encrypt);
  g_assert_null (strstr (text, "keydata=AAAA"));
  g_assert_nonnull (strstr (text, "\nSubject: hello\nMessage-ID: <hello-1@example.test>\n"));
  g_assert_true (g_str_has_suffix (text, "\n\nHi Bob.\n"));
  g_assert_cmpint (
    postern_keys_test_gpg (check_home, header->keydata, &packets, NULL, "--list-packets", NULL), ==,
    0);
  dump = postern_keys_test_bytes_to_string (packets);
  g_assert_nonnull (strstr (dump, "alice@example.test"));
  g_assert_null (strstr (dump, ".onion"));
  postern_keys_test_kill_agents (check_home);

  /* Not on mail by other transports. */
  g_assert_cmpmem (g_bytes_get_data (onion, NULL), g_bytes_get_size (onion), hello, strlen (hello));

  /* Nor from an address we have no key for. */
  {
    const char other[] = "From: someone@example.test\nTo: bob@example.test\n\nHi.\n";
    g_autoptr (GBytes) out = prepare (f, other, "local", POSTERN_LOCK_TLS);
    g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), other, strlen (other));
  }
}

static PosternTrustVerdict
learn (PosternProfile *profile, GBytes *message, gboolean expect_key, char **out_fpr)
{
  g_autoptr (PosternKeyring) keyring = postern_keyring_new_for_profile (profile);
  g_autoptr (GError) error = NULL;
  g_autofree char *fpr = NULL;
  PosternTrustVerdict verdict = -1;

  g_assert_true (postern_autocrypt_learn_sync (keyring, message, &verdict, &fpr, NULL, &error));
  g_assert_no_error (error);
  if (expect_key)
    g_assert_nonnull (fpr);
  else
    g_assert_null (fpr);
  if (out_fpr != NULL)
    *out_fpr = g_steal_pointer (&fpr);
  return verdict;
}

static GBytes *
with_header (const char *from, const char *header_addr, GBytes *keydata, const char *extra)
{
  g_autofree char *b64
    = g_base64_encode (g_bytes_get_data (keydata, NULL), g_bytes_get_size (keydata));
  g_autofree char *text = g_strdup_printf ("From: %s\n"
                                           "To: bob@example.test\n"
                                           "Subject: a key\n"
                                           "Message-ID: <key@example.test>\n"
                                           "Date: Mon, 09 Feb 2026 11:00:00 +0000\n"
                                           "Autocrypt: addr=%s; keydata=%s\n"
                                           "%s"
                                           "\n"
                                           "Here is my key.\n",
                                           from, header_addr, b64, extra ? extra : "");
  return g_bytes_new (text, strlen (text));
}

static void
test_learn (Pair *f, gconstpointer data)
{
  g_autoptr (GBytes) sent = prepare (f, hello, "local", POSTERN_LOCK_TLS);
  g_autoptr (PosternTrust) trust = postern_trust_new_for_profile (f->bob);
  g_autoptr (PosternPin) pin = NULL;
  g_autoptr (GPtrArray) conflicts = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) mallory_key = NULL;
  g_autoptr (GBytes) spoofed = NULL;
  g_autofree char *fpr = NULL;
  g_autofree char *mallory = NULL;

  /* New address: pinned, with the header's preference. */
  g_assert_cmpint (learn (f->bob, sent, TRUE, &fpr), ==, POSTERN_TRUST_VERDICT_NEW_PIN);
  g_assert_cmpstr (fpr, ==, f->alice_fpr);
  pin = postern_trust_get_pin (trust, "alice@example.test", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pin->fingerprint, ==, f->alice_fpr);
  g_assert_cmpint (pin->level, ==, POSTERN_TRUST_PINNED);
  g_assert_cmpstr (pin->source, ==, "Autocrypt header of <hello-1@example.test>");
  g_assert_true (pin->prefer_encrypt);
  g_assert_cmpint (pin->autocrypt_timestamp, >, 0);
  /* Only for that address, though the key is for the onion one too:
   * and the key Bob got names no onion address at all. */
  g_clear_pointer (&pin, postern_pin_free);
  pin = postern_trust_get_pin (trust, ONION_ADDRESS, &error);
  g_assert_null (pin);
  g_clear_pointer (&fpr, g_free);

  /* The same key again: still pinned. */
  g_assert_cmpint (learn (f->bob, sent, TRUE, NULL), ==, POSTERN_TRUST_VERDICT_PINNED);

  /* Another key for Alice's address, from Mallory: a conflict, and his
   * key stays out of Bob's keyring. */
  mallory = postern_keys_test_gpg_make_key (f->mallory_home, "alice@example.test");
  g_assert_cmpint (postern_keys_test_gpg (f->mallory_home, NULL, &mallory_key, NULL,
                                          "--export-options", "export-minimal", "--export", mallory,
                                          NULL),
                   ==, 0);
  spoofed = with_header ("Alice <alice@example.test>", "alice@example.test", mallory_key, NULL);
  g_assert_cmpint (learn (f->bob, spoofed, TRUE, &fpr), ==, POSTERN_TRUST_VERDICT_CONFLICT);
  g_assert_cmpstr (fpr, ==, mallory);
  conflicts = postern_trust_list_conflicts (trust, "alice@example.test", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  g_assert_cmpstr (((PosternKeyConflict *) conflicts->pdata[0])->fingerprint, ==, mallory);
  g_assert_cmpstr (((PosternKeyConflict *) conflicts->pdata[0])->source, ==,
                   "Autocrypt header of <key@example.test>");
  {
    g_autoptr (PosternKeyring) keyring = postern_keyring_new_for_profile (f->bob);
    g_autoptr (PosternKeyInfo) held = postern_keyring_get_key_sync (keyring, mallory, NULL, &error);
    g_assert_null (held);
    g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
}

static void
test_learn_ignores (Pair *f, gconstpointer data)
{
  g_autoptr (GBytes) sent = prepare (f, hello, "local", POSTERN_LOCK_TLS);
  g_autoptr (PosternAutocryptHeader) header = header_of (sent);
  g_autoptr (GError) error = NULL;
  g_autofree char *b64 = base64 (header->keydata);
  g_autofree char *second
    = g_strdup_printf ("Autocrypt: addr=alice@example.test; keydata=%s\n", b64);
  g_autoptr (GBytes) not_sender
    = with_header ("Alice <alice@example.test>", "eve@example.test", header->keydata, NULL);
  g_autoptr (GBytes) twice
    = with_header ("Alice <alice@example.test>", "alice@example.test", header->keydata, second);
  g_autoptr (GBytes) report = with_header (
    "Alice <alice@example.test>", "alice@example.test", header->keydata,
    "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; "
    "boundary=\"b\"\n");
  g_autoptr (GBytes) two_senders = with_header ("alice@example.test, carol@example.test",
                                                "alice@example.test", header->keydata, NULL);
  g_autoptr (GBytes) plain = g_bytes_new_static ("From: a@example.test\n\nhi\n", 25);
  g_autoptr (PosternTrust) trust = postern_trust_new_for_profile (f->bob);
  g_autoptr (GPtrArray) pins = NULL;

  /* Level 1 §2.3: a header for another address than From, two headers,
   * a delivery report, a message with two senders: nothing learned. */
  learn (f->bob, not_sender, FALSE, NULL);
  learn (f->bob, twice, FALSE, NULL);
  learn (f->bob, report, FALSE, NULL);
  learn (f->bob, two_senders, FALSE, NULL);
  learn (f->bob, plain, FALSE, NULL);
  pins = postern_trust_list_pins (trust, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pins->len, ==, 0);
}

static void
test_through_outbox (Pair *f, gconstpointer data)
{
  g_autoptr (PosternOutbox) outbox = postern_outbox_new (f->alice, f->account);
  g_autoptr (GBytes) bytes = g_bytes_new (hello, strlen (hello));
  g_autoptr (GPtrArray) routes = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GPtrArray) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternTrust) trust = postern_trust_new_for_profile (f->bob);
  g_autoptr (PosternPin) pin = NULL;
  g_autoptr (PosternRouter) router = NULL;
  g_autoptr (PosternAccount) bob_account = NULL;
  g_autofree char *id = postern_outbox_enqueue (outbox, bytes, &routes, &error);

  g_assert_no_error (error);
  g_assert_cmpint (((PosternRoute *) routes->pdata[0])->lock, ==, POSTERN_LOCK_TLS);
  results = postern_outbox_flush_sync (outbox, NULL, &error);
  g_assert_no_error (error);
  g_assert_no_error (((PosternOutboxResult *) results->pdata[0])->error);

  /* Bob's profile learned Alice's key on delivery... */
  pin = postern_trust_get_pin (trust, "alice@example.test", &error);
  g_assert_no_error (error);
  g_assert_nonnull (pin);
  g_assert_cmpstr (pin->fingerprint, ==, f->alice_fpr);

  /* ...so his reply to her is sealed. */
  bob_account = postern_account_new ("bob", "bob@example.test", &error);
  router = postern_router_new (f->bob, bob_account);
  {
    const char *to_alice[] = { "alice@example.test", NULL };
    back = postern_router_route (router, to_alice, &error);
  }
  g_assert_no_error (error);
  g_assert_cmpint (((PosternRoute *) back->pdata[0])->lock, ==, POSTERN_LOCK_SEALED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  postern_core_init ();
#define ADD(path, func)                                                             \
  g_test_add ("/Postern/Keys/Autocrypt/" path, Fixture, NULL, fixture_set_up, func, \
              fixture_tear_down)
  ADD ("parse", test_parse);
  ADD ("format", test_format);
  ADD ("filter", test_filter);
#undef ADD
#define ADD(path, func) \
  g_test_add ("/Postern/Keys/Autocrypt/" path, Pair, NULL, pair_set_up, func, pair_tear_down)
  ADD ("outgoing", test_outgoing);
  ADD ("learn", test_learn);
  ADD ("learn-ignores", test_learn_ignores);
  ADD ("through-outbox", test_through_outbox);
#undef ADD
  return g_test_run ();
}
