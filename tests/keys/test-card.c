/* test-card.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Contact cards: the vCard and OPENPGP4FPR parser and writer, and their QR
 * codes as PNG, SVG and PDF, read back by the real zbarimg, rsvg-convert,
 * pdfinfo and pdftoppm; codes made by the real qrencode tool are read by
 * Postern's own scanner.
 */
#include "config.h"

#include <string.h>

#include "postern-core.h"
#include "postern-keys-test.h"
#include "postern-test-util.h"

#define FPR "0123456789ABCDEF0123456789ABCDEF01234567"
#define ONION "me@jbsbgtp2furlql7v.pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"

static PosternCard *
parse_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  PosternCard *card = postern_card_parse (text, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (card);
  return card;
}

static void
assert_invalid (const char *text, gssize len, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternCard) card = postern_card_parse (text, len, &error);

  g_assert_null (card);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  if (strstr (error->message, needle) == NULL)
    g_error ("expected \"%s\" in the error: %s", needle, error->message);
  g_assert_null (strchr (error->message, '\n'));
}

static PosternCard *
sample_card (void)
{
  const char *addresses[] = { "Alice@Example.org", ONION, NULL };
  g_autoptr (GError) error = NULL;
  PosternCard *card = postern_card_new ("Alice Äxample, Jr.; PhD", addresses, FPR, &error);

  g_assert_no_error (error);
  return card;
}

static void
test_vcard_round_trip (void)
{
  g_autoptr (PosternCard) card = sample_card ();
  g_autoptr (PosternCard) again = NULL;
  g_autofree char *text = postern_card_to_text (card, POSTERN_CARD_FORM_VCARD);
  g_auto (GStrv) lines = g_strsplit (text, "\r\n", -1);

  g_assert_cmpstr (postern_card_get_addresses (card)[0], ==, "alice@example.org");
  g_assert_true (g_str_has_prefix (text, "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Alice Äxample\\, Jr.\\; "
                                         "PhD\r\nEMAIL:alice@example.org\r\n"));
  g_assert_nonnull (strstr (text, "\r\nKEY:openpgp4fpr:" FPR "\r\nEND:VCARD\r\n"));
  /* The onion address is longer than a line may be: folded. */
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_cmpuint (strlen (lines[i]), <=, 75);
  g_assert_nonnull (strstr (text, "\r\n "));
  again = parse_ok (text);
  g_assert_true (postern_card_equal (card, again));
  g_assert_cmpstr (postern_card_get_addresses (again)[1], ==, ONION);
}

static void
test_openpgp4fpr_round_trip (void)
{
  g_autoptr (PosternCard) card = sample_card ();
  g_autoptr (PosternCard) again = NULL;
  g_autoptr (PosternCard) other = NULL;
  g_autofree char *text = postern_card_to_text (card, POSTERN_CARD_FORM_OPENPGP4FPR);

  g_assert_cmpstr (text, ==,
                   "OPENPGP4FPR:" FPR "#a=alice@example.org&a=" ONION
                   "&n=Alice%20%C3%84xample%2C%20Jr.%3B%20PhD");
  again = parse_ok (text);
  g_assert_true (postern_card_equal (card, again));

  /* As other apps write it: lower case, one address, parameters of their own. */
  other = parse_ok ("openpgp4fpr:" FPR "#a=bob%2Btag%40example.org&n=Bob&i=xyz&s=abc\n");
  g_assert_cmpstr (postern_card_get_fingerprint (other), ==, FPR);
  g_assert_cmpstr (postern_card_get_addresses (other)[0], ==, "bob+tag@example.org");
  g_assert_null (postern_card_get_addresses (other)[1]);
  g_assert_cmpstr (postern_card_get_name (other), ==, "Bob");
}

static void
test_vcard_as_phones_write_it (void)
{
  /* vCard 3.0 from an address book: LF line ends, groups, parameters with
   * quoted colons, mailto:, a tab fold, other properties, a second card. */
  g_autoptr (PosternCard) card = parse_ok (
    "\xef\xbb\xbf\nbegin:vcard\nVERSION:3.0\nN:Smith;Carol;;;\nFN:Carol\n\t Smith\n"
    "TEL;TYPE=\"cell:x\":+1 555\nitem1.EMAIL;TYPE=INTERNET,pref:mailto:Carol@Example.ORG\n"
    "EMAIL:carol@example.org\nKEY;VALUE=uri:OPENPGP4FPR:0123 4567 89ab cdef 0123  4567 89AB CDEF "
    "0123 4567\nEND:VCARD\nBEGIN:VCARD\nFN:Other\nEND:VCARD\n");

  g_assert_cmpstr (postern_card_get_name (card), ==, "Carol Smith");
  g_assert_cmpstr (postern_card_get_addresses (card)[0], ==, "carol@example.org");
  g_assert_null (postern_card_get_addresses (card)[1]);
  g_assert_cmpstr (postern_card_get_fingerprint (card), ==, FPR);
}

static void
test_malformed (void)
{
  char with_nul[] = "OPENPGP4FPR:" FPR "#a=a@b.org\0x";
  g_autofree char *huge = g_strnfill (POSTERN_CARD_MAX_TEXT + 1, 'A');
  g_autoptr (GString) many = g_string_new ("OPENPGP4FPR:" FPR "#");

  for (int i = 0; i <= POSTERN_CARD_MAX_ADDRESSES; i++)
    g_string_append_printf (many, "a=u%d@example.org&", i);

  assert_invalid ("", -1, "not a contact card");
  assert_invalid ("hello world", -1, "not a contact card");
  assert_invalid ("BEGIN:VCARDX\r\n", -1, "not a contact card");
  assert_invalid ("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\n", -1, "no END:VCARD");
  assert_invalid ("BEGIN:VCARD\r\nFN:A\r\nEMAIL:a@b.org\r\nEND:VCARD\r\n", -1,
                  "no OpenPGP fingerprint");
  assert_invalid ("BEGIN:VCARD\r\nFN:A\r\nKEY:openpgp4fpr:" FPR "\r\nEND:VCARD\r\n", -1,
                  "names no address");
  assert_invalid ("BEGIN:VCARD\r\nEMAIL:a@b.org\r\nKEY:openpgp4fpr:12345678\r\nEND:VCARD\r\n", -1,
                  "is not an OpenPGP fingerprint");
  assert_invalid ("BEGIN:VCARD\r\nEMAIL:not an address\r\nKEY:openpgp4fpr:" FPR "\r\nEND:VCARD\r\n",
                  -1, "address \"not an address\" is not valid");
  assert_invalid ("BEGIN:VCARD\r\nEMAIL:a@b.org\r\nKEY:openpgp4fpr:" FPR
                  "\r\nKEY:openpgp4fpr:FEDCBA9876543210FEDCBA9876543210FEDCBA98\r\nEND:VCARD\r\n",
                  -1, "two OpenPGP keys");
  assert_invalid ("BEGIN:VCARD\r\nVERSION:5.0\r\nEND:VCARD\r\n", -1,
                  "version \"5.0\" is not supported");
  assert_invalid ("BEGIN:VCARD\r\nthis line has no colon\r\nEND:VCARD\r\n", -1,
                  "line 2 of the vCard has no \":\"");
  assert_invalid ("BEGIN:VCARD\r\nBEGIN:VCARD\r\nEND:VCARD\r\n", -1, "another vCard inside");
  assert_invalid ("OPENPGP4FPR:" FPR "#a=a%ZZb.org", -1, "not valid percent-encoded");
  assert_invalid ("OPENPGP4FPR:" FPR "#a=a%FFb.org", -1, "not valid percent-encoded");
  assert_invalid ("OPENPGP4FPR:#a=a@b.org", -1, "carries no fingerprint");
  assert_invalid ("OPENPGP4FPR:" FPR, -1, "names no address");
  assert_invalid ("OPENPGP4FPR:XYZ#a=a@b.org", -1, "\"XYZ\" is not an OpenPGP fingerprint");
  assert_invalid (with_nul, sizeof with_nul - 1, "NUL byte");
  assert_invalid ("OPENPGP4FPR:" FPR "#a=a@b.org&n=\xff", -1, "not UTF-8");
  assert_invalid (huge, -1, "too long for a contact card");
  assert_invalid (many->str, -1, "more than 32 addresses");
}

static char *
tmp_file (const char *dir, const char *name)
{
  return g_build_filename (dir, name, NULL);
}

/* Runs a program and returns its standard output. */
static char *
run_tool (int expected, const char *first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) first);
  va_start (ap, first);
  for (const char *arg; (arg = va_arg (ap, const char *)) != NULL;)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  proc
    = g_subprocess_newv ((const char *const *) argv->pdata,
                         G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_exit_status (proc) != expected)
    g_error ("%s exited with %d, expected %d: %s", first, g_subprocess_get_exit_status (proc),
             expected, err);
  return g_steal_pointer (&out);
}

static void
write_bytes (const char *path, GBytes *bytes)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes),
                       &error);
  g_assert_no_error (error);
}

static PosternCard *
read_file_card (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GFile) file = g_file_new_for_path (path);
  PosternCard *card;

  bytes = g_file_load_bytes (file, NULL, NULL, &error);
  g_assert_no_error (error);
  card = postern_card_read (bytes, &error);
  g_assert_no_error (error);
  return card;
}

/* zbarimg --raw prints the code's text and a newline. */
static void
assert_zbarimg_reads (const char *zbarimg, const char *png, const char *expected)
{
  g_autofree char *raw = run_tool (0, zbarimg, "--quiet", "--raw", png, NULL);
  g_autofree char *want = g_strconcat (expected, "\n", NULL);

  g_assert_cmpstr (raw, ==, want);
}

static void
test_png (void)
{
  g_autofree char *dir = postern_test_make_tmpdir ("card-png");
  g_autofree char *zbarimg = postern_keys_test_need_program ("zbarimg", "zbar-tools");
  g_autoptr (PosternCard) card = sample_card ();
  g_autoptr (GError) error = NULL;

  for (PosternCardForm form = POSTERN_CARD_FORM_VCARD; form <= POSTERN_CARD_FORM_OPENPGP4FPR;
       form++)
    {
      g_autofree char *png = tmp_file (dir, "card.png");
      g_autofree char *text = postern_card_to_text (card, form);
      g_autoptr (GBytes) bytes = postern_card_render (card, form, POSTERN_CARD_IMAGE_PNG, &error);
      g_autoptr (PosternCard) again = NULL;
      g_autoptr (GPtrArray) codes = NULL;

      g_assert_no_error (error);
      g_assert_cmpmem (g_bytes_get_data (bytes, NULL), 8, "\x89PNG\r\n\x1a\n", 8);
      write_bytes (png, bytes);
      /* The real zbar tool reads the very text, non-ASCII name included. */
      assert_zbarimg_reads (zbarimg, png, text);
      /* And so does Postern's own scanner. */
      codes = postern_card_scan_image (bytes, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (codes->len, ==, 1);
      g_assert_cmpmem (g_bytes_get_data (codes->pdata[0], NULL), g_bytes_get_size (codes->pdata[0]),
                       text, strlen (text));
      again = read_file_card (png);
      g_assert_true (postern_card_equal (card, again));
    }
  postern_test_rm_rf (dir);
}

static void
test_svg_and_pdf (void)
{
  g_autofree char *dir = postern_test_make_tmpdir ("card-vector");
  g_autofree char *zbarimg = postern_keys_test_need_program ("zbarimg", "zbar-tools");
  g_autofree char *rsvg = postern_keys_test_need_program ("rsvg-convert", "librsvg2-bin");
  g_autofree char *pdfinfo = postern_keys_test_need_program ("pdfinfo", "poppler-utils");
  g_autofree char *pdftoppm = postern_keys_test_need_program ("pdftoppm", "poppler-utils");
  g_autofree char *svg = tmp_file (dir, "card.svg");
  g_autofree char *svg_png = tmp_file (dir, "svg.png");
  g_autofree char *pdf = tmp_file (dir, "card.pdf");
  g_autofree char *page = tmp_file (dir, "page");
  g_autofree char *page_png = tmp_file (dir, "page.png");
  g_autofree char *info = NULL;
  g_autofree char *text = NULL;
  g_autoptr (PosternCard) card = sample_card ();
  g_autoptr (GBytes) svg_bytes = NULL;
  g_autoptr (GBytes) pdf_bytes = NULL;
  g_autoptr (GError) error = NULL;

  text = postern_card_to_text (card, POSTERN_CARD_FORM_VCARD);
  svg_bytes = postern_card_render (card, POSTERN_CARD_FORM_VCARD, POSTERN_CARD_IMAGE_SVG, &error);
  g_assert_no_error (error);
  write_bytes (svg, svg_bytes);
  g_free (run_tool (0, rsvg, "--background-color=white", "-o", svg_png, svg, NULL));
  assert_zbarimg_reads (zbarimg, svg_png, text);

  pdf_bytes = postern_card_render (card, POSTERN_CARD_FORM_VCARD, POSTERN_CARD_IMAGE_PDF, &error);
  g_assert_no_error (error);
  write_bytes (pdf, pdf_bytes);
  info = run_tool (0, pdfinfo, pdf, NULL);
  g_assert_nonnull (strstr (info, "Pages:           1\n"));
  /* 85 × 55 mm. */
  g_assert_nonnull (strstr (info, "Page size:       240.945 x 155.906 pts"));
  g_assert_nonnull (strstr (info, "Title:           Alice Äxample, Jr.; PhD"));
  /* Printed at 300 dpi, the card's code reads back. */
  g_free (run_tool (0, pdftoppm, "-r", "300", "-png", "-singlefile", pdf, page, NULL));
  assert_zbarimg_reads (zbarimg, page_png, text);
  postern_test_rm_rf (dir);
}

/* A code made by another program: the qrencode tool, as a peer's app
 * would make one. */
static void
test_qrencode_tool (void)
{
  g_autofree char *dir = postern_test_make_tmpdir ("card-qrencode");
  g_autofree char *qrencode = postern_keys_test_need_program ("qrencode", "qrencode");
  g_autofree char *png = tmp_file (dir, "peer.png");
  g_autofree char *jpeg = tmp_file (dir, "peer.jpg");
  g_autoptr (PosternCard) card = NULL;
  g_autoptr (PosternCard) photo = NULL;
  g_autofree char *convert = g_find_program_in_path ("convert");

  g_free (run_tool (0, qrencode, "-o", png, "-s", "6",
                    "OPENPGP4FPR:" FPR "#a=dave%40example.net&n=Dave%20Peer", NULL));
  card = read_file_card (png);
  g_assert_cmpstr (postern_card_get_name (card), ==, "Dave Peer");
  g_assert_cmpstr (postern_card_get_addresses (card)[0], ==, "dave@example.net");
  g_assert_cmpstr (postern_card_get_fingerprint (card), ==, FPR);

  /* A lossy photo of it, a little blurred. */
  if (convert != NULL)
    {
      g_free (run_tool (0, convert, png, "-blur", "0x1", "-quality", "60", jpeg, NULL));
      photo = read_file_card (jpeg);
      g_assert_true (postern_card_equal (card, photo));
    }
  postern_test_rm_rf (dir);
}

static PosternCard *
read_fails (GBytes *bytes, const char *prefix)
{
  g_autoptr (GError) error = NULL;
  PosternCard *card = postern_card_read (bytes, &error);

  g_assert_null (card);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  if (!g_str_has_prefix (error->message, prefix))
    g_error ("expected \"%s…\", got: %s", prefix, error->message);
  return card;
}

static GBytes *
load (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = g_file_new_for_path (path);
  GBytes *bytes = g_file_load_bytes (file, NULL, NULL, &error);

  g_assert_no_error (error);
  return bytes;
}

static void
test_unreadable_images (void)
{
  g_autofree char *dir = postern_test_make_tmpdir ("card-bad");
  g_autofree char *qrencode = postern_keys_test_need_program ("qrencode", "qrencode");
  g_autofree char *url_png = tmp_file (dir, "url.png");
  g_autofree char *blank_png = tmp_file (dir, "blank.png");
  g_autoptr (GBytes) junk = g_bytes_new_static ("\x89PNG\r\n\x1a\nnot really", 18);
  g_autoptr (GBytes) url = NULL;
  g_autoptr (GBytes) blank = NULL;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 64, 64);
  cairo_t *cr = cairo_create (surface);

  read_fails (junk, "cannot read the image");

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png (surface, blank_png), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  blank = load (blank_png);
  read_fails (blank, "no QR code found in the image");

  g_free (run_tool (0, qrencode, "-o", url_png, "https://example.org/", NULL));
  url = load (url_png);
  read_fails (url, "the QR code holds no valid card: this is not a contact card");
  postern_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Postern/Keys/Card/vcard-round-trip", test_vcard_round_trip);
  g_test_add_func ("/Postern/Keys/Card/openpgp4fpr-round-trip", test_openpgp4fpr_round_trip);
  g_test_add_func ("/Postern/Keys/Card/vcard-as-phones-write-it", test_vcard_as_phones_write_it);
  g_test_add_func ("/Postern/Keys/Card/malformed", test_malformed);
  g_test_add_func ("/Postern/Keys/Card/png", test_png);
  g_test_add_func ("/Postern/Keys/Card/svg-and-pdf", test_svg_and_pdf);
  g_test_add_func ("/Postern/Keys/Card/qrencode-tool", test_qrencode_tool);
  g_test_add_func ("/Postern/Keys/Card/unreadable-images", test_unreadable_images);
  return g_test_run ();
}
