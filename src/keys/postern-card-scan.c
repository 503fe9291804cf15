/* postern-card-scan.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>
#include <zbar.h>

#include "postern-card-scan.h"
#include "postern-error.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (zbar_image_scanner_t, zbar_image_scanner_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (zbar_image_t, zbar_image_destroy)

/* A decompression bomb must not become a giant pixel buffer: big images
 * are scaled while they load. */
static void
on_size_prepared (GdkPixbufLoader *loader, int width, int height, gpointer data)
{
  int side = MAX (width, height);

  if (side > POSTERN_CARD_SCAN_MAX_SIDE)
    gdk_pixbuf_loader_set_size (
      loader, MAX (1, (int) ((gint64) width * POSTERN_CARD_SCAN_MAX_SIDE / side)),
      MAX (1, (int) ((gint64) height * POSTERN_CARD_SCAN_MAX_SIDE / side)));
}

static GdkPixbuf *
load_image (GBytes *image, GError **error)
{
  g_autoptr (GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr (GError) local_error = NULL;
  gsize len = 0;
  const guchar *data = g_bytes_get_data (image, &len);
  GdkPixbuf *pixbuf;

  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared), NULL);
  if (!gdk_pixbuf_loader_write (loader, data, len, &local_error)
      || !gdk_pixbuf_loader_close (loader, &local_error))
    {
      gdk_pixbuf_loader_close (loader, NULL);
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "cannot read the image: %s",
                   local_error ? local_error->message : "unknown format");
      return NULL;
    }
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "cannot read the image: it holds no picture");
      return NULL;
    }
  return g_object_ref (pixbuf);
}

/* zbar reads 8-bit grey; transparent pixels are taken as white paper. */
static guint8 *
to_grey (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  int channels = gdk_pixbuf_get_n_channels (pixbuf);
  gboolean alpha = gdk_pixbuf_get_has_alpha (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  guint8 *grey = g_malloc ((gsize) width * height);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *p = pixels + (gsize) y * stride + (gsize) x * channels;
        guint v = channels >= 3 ? (p[0] * 299u + p[1] * 587u + p[2] * 114u) / 1000u : p[0];
        if (alpha)
          v = (v * p[channels - 1] + 255u * (255u - p[channels - 1])) / 255u;
        grey[(gsize) y * width + x] = (guint8) v;
      }
  return grey;
}

/**
 * postern_card_scan_image:
 * @image: the bytes of an image file (PNG, JPEG, …)
 *
 * Returns: (transfer container) (element-type GBytes): what each QR code
 *   in the image holds, maybe none; %NULL with @error set when the image
 *   cannot be read.
 */
GPtrArray *
postern_card_scan_image (GBytes *image, GError **error)
{
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  g_autoptr (zbar_image_scanner_t) scanner = NULL;
  g_autoptr (zbar_image_t) zimage = NULL;
  g_autofree guint8 *grey = NULL;
  GPtrArray *found;
  int width, height;

  g_return_val_if_fail (image != NULL, NULL);
  if ((pixbuf = load_image (image, error)) == NULL)
    return NULL;
  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  grey = to_grey (pixbuf);

  scanner = zbar_image_scanner_create ();
  zbar_image_scanner_set_config (scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
  zbar_image_scanner_set_config (scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
  /* The bytes as written: the card parser checks that they are UTF-8. */
  zbar_image_scanner_set_config (scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1);
  zimage = zbar_image_create ();
  zbar_image_set_format (zimage, zbar_fourcc ('Y', '8', '0', '0'));
  zbar_image_set_size (zimage, (unsigned) width, (unsigned) height);
  zbar_image_set_data (zimage, grey, (unsigned long) width * height, NULL);
  found = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  if (zbar_scan_image (scanner, zimage) < 0)
    {
      g_ptr_array_unref (found);
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "cannot scan the image");
      return NULL;
    }
  for (const zbar_symbol_t *sym = zbar_image_first_symbol (zimage); sym != NULL;
       sym = zbar_symbol_next (sym))
    if (zbar_symbol_get_type (sym) == ZBAR_QRCODE)
      g_ptr_array_add (found,
                       g_bytes_new (zbar_symbol_get_data (sym), zbar_symbol_get_data_length (sym)));
  return found;
}

static gboolean
looks_like_card_text (GBytes *data)
{
  gsize len = 0;
  const char *p = g_bytes_get_data (data, &len);
  const char *end = p + len;

  if (p == NULL)
    return TRUE;
  if (len >= 3 && memcmp (p, "\xef\xbb\xbf", 3) == 0)
    p += 3;
  while (p < end && g_ascii_isspace (*p))
    p++;
  return (gsize) (end - p) >= 11
         && (g_ascii_strncasecmp (p, "BEGIN:VCARD", 11) == 0
             || g_ascii_strncasecmp (p, "OPENPGP4FPR", 11) == 0);
}

/**
 * postern_card_read:
 * @data: a card's text, or an image of its QR code
 *
 * Returns: (transfer full): the card (the first QR code in an image that
 *   holds one), or %NULL with @error set: %POSTERN_ERROR_INVALID for text
 *   that is no card, an unreadable image, or an image without a card.
 */
PosternCard *
postern_card_read (GBytes *data, GError **error)
{
  g_autoptr (GPtrArray) codes = NULL;
  g_autoptr (GError) first_error = NULL;
  g_autoptr (GError) image_error = NULL;
  gsize len = 0;
  const char *text;

  g_return_val_if_fail (data != NULL, NULL);
  text = g_bytes_get_data (data, &len);
  if (looks_like_card_text (data))
    return postern_card_parse (text, (gssize) len, error);
  if ((codes = postern_card_scan_image (data, &image_error)) == NULL)
    {
      /* Not an image either: say what a card would have been. */
      if (g_utf8_validate (text ? text : "", (gssize) len, NULL))
        return postern_card_parse (text, (gssize) len, error);
      g_propagate_error (error, g_steal_pointer (&image_error));
      return NULL;
    }
  for (guint i = 0; i < codes->len; i++)
    {
      gsize n = 0;
      const char *code = g_bytes_get_data (codes->pdata[i], &n);
      PosternCard *card = postern_card_parse (code, (gssize) n, first_error ? NULL : &first_error);
      if (card != NULL)
        return card;
    }
  if (first_error != NULL)
    {
      g_prefix_error (&first_error, "the QR code holds no valid card: ");
      g_propagate_error (error, g_steal_pointer (&first_error));
    }
  else
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "no QR code found in the image");
  return NULL;
}
