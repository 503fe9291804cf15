/* postern-card-qr.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <string.h>

#include "postern-card-qr.h"
#include "postern-error.h"

/* The quiet zone a reader needs around the code (ISO/IEC 18004). */
#define QUIET_MODULES 4
/* ECI assignment number of UTF-8 (AIM ECI 2000). */
#define ECI_UTF8 26
#define PNG_MODULE_PX 8
#define SVG_MODULE_PT 4
#define CARD_MARGIN_PT 10.0
#define CARD_QR_PT 112.0

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QRcode, QRcode_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (cairo_t, cairo_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (cairo_surface_t, cairo_surface_destroy)

/* Level M survives a smudge on 15 % of the code and still holds a vCard
 * with an onion address in a code a phone reads at arm's length. */
static gboolean
is_ascii (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p >= 0x80)
      return FALSE;
  return TRUE;
}

static QRcode *
encode (const char *text, GError **error)
{
  QRinput *input = QRinput_new2 (0, QR_ECLEVEL_M);
  QRcode *code = NULL;

  /* Without an ECI readers guess the bytes' charset, and zbar takes UTF-8
   * for Shift JIS; ASCII needs none, and old readers are spared it. */
  if (input != NULL && (is_ascii (text) || QRinput_appendECIheader (input, ECI_UTF8) == 0)
      && QRinput_append (input, QR_MODE_8, (int) strlen (text), (const unsigned char *) text) == 0)
    code = QRcode_encodeInput (input);
  if (input != NULL)
    QRinput_free (input);
  if (code == NULL)
    g_set_error (error, POSTERN_ERROR,
                 errno == ERANGE ? POSTERN_ERROR_INVALID : POSTERN_ERROR_FAILED,
                 "cannot make a QR code of the card: %s",
                 errno == ERANGE ? "it is too long" : g_strerror (errno));
  return code;
}

static void
draw_code (QRcode *code, cairo_t *cr, double x, double y, double size)
{
  double module = size / (code->width + 2 * QUIET_MODULES);

  cairo_save (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, x, y, size, size);
  cairo_fill (cr);
  cairo_translate (cr, x + QUIET_MODULES * module, y + QUIET_MODULES * module);
  cairo_scale (cr, module, module);
  cairo_set_source_rgb (cr, 0, 0, 0);
  /* Modules that touch must not leave hairlines between them. */
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_NONE);
  for (int row = 0; row < code->width; row++)
    for (int col = 0; col < code->width; col++)
      if (code->data[row * code->width + col] & 1)
        cairo_rectangle (cr, col, row, 1, 1);
  cairo_fill (cr);
  cairo_restore (cr);
}

/**
 * postern_card_qr_draw:
 * @text: what the code holds
 * @size: the side of the square, quiet zone included
 *
 * Draws @text as a QR code, black on white, into the square at @x, @y.
 */
gboolean
postern_card_qr_draw (const char *text, cairo_t *cr, double x, double y, double size,
                      GError **error)
{
  g_autoptr (QRcode) code = encode (text, error);

  if (code == NULL)
    return FALSE;
  draw_code (code, cr, x, y, size);
  return TRUE;
}

static char *
card_markup (PosternCard *card, double scale)
{
  const char *name = postern_card_get_name (card);
  const char *const *addresses = postern_card_get_addresses (card);
  const char *fpr = postern_card_get_fingerprint (card);
  GString *markup = g_string_new (NULL);
  GString *groups = g_string_new (NULL);

  if (name != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (name, -1);
      g_string_append_printf (markup, "<span font=\"Sans Bold %.1f\">%s</span>\n", 11 * scale,
                              escaped);
    }
  g_string_append_printf (markup, "<span font=\"Sans %.1f\" insert_hyphens=\"false\">",
                          6.5 * scale);
  for (guint i = 0; addresses[i] != NULL; i++)
    {
      g_autofree char *escaped = g_markup_escape_text (addresses[i], -1);
      g_string_append_printf (markup, "%s%s", i ? "\n" : "", escaped);
    }
  /* Grouped by four, as OpenPGP apps show it, to compare by eye. */
  for (guint i = 0; fpr[i] != '\0'; i++)
    {
      if (i > 0 && i % 4 == 0)
        g_string_append_c (groups, ' ');
      g_string_append_c (groups, fpr[i]);
    }
  g_string_append_printf (markup, "</span>\n\n<span font=\"Monospace %.1f\">%s</span>", 5 * scale,
                          groups->str);
  g_string_free (groups, TRUE);
  return g_string_free (markup, FALSE);
}

/**
 * postern_card_draw:
 * @form: what the card's QR code holds
 * @width: the card's width in the context's units (points for print)
 * @height: its height
 *
 * Draws the business card at the origin: a hairline to cut along, the
 * QR code on the right and the name, addresses and grouped fingerprint
 * beside it, made smaller until they fit.
 */
gboolean
postern_card_draw (PosternCard *card, PosternCardForm form, cairo_t *cr, double width,
                   double height, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (QRcode) code = NULL;
  g_autoptr (PangoLayout) layout = NULL;
  double unit = height / POSTERN_CARD_HEIGHT_PT;
  double margin = CARD_MARGIN_PT * unit;
  double qr = MIN (CARD_QR_PT * unit, height - 2 * margin);
  double text_width = width - qr - 3 * margin;
  double scale = unit;
  int text_height = 0;

  g_return_val_if_fail (POSTERN_IS_CARD (card), FALSE);
  text = postern_card_to_text (card, form);
  if ((code = encode (text, error)) == NULL)
    return FALSE;

  cairo_save (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_set_source_rgb (cr, 0.75, 0.75, 0.75);
  cairo_set_line_width (cr, 0.3 * unit);
  cairo_rectangle (cr, 0.15 * unit, 0.15 * unit, width - 0.3 * unit, height - 0.3 * unit);
  cairo_stroke (cr);
  draw_code (code, cr, width - margin - qr, (height - qr) / 2, qr);

  layout = pango_cairo_create_layout (cr);
  pango_layout_set_width (layout, (int) (text_width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  for (; scale > 0.3 * unit; scale *= 0.9)
    {
      g_autofree char *markup = card_markup (card, scale);
      pango_layout_set_markup (layout, markup, -1);
      pango_layout_get_pixel_size (layout, NULL, &text_height);
      if (text_height <= height - 2 * margin)
        break;
    }
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_move_to (cr, margin, MAX (margin, (height - text_height) / 2));
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
  return TRUE;
}

static cairo_status_t
append_bytes (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static gboolean
check_surface (cairo_surface_t *surface, GError **error)
{
  cairo_status_t status = cairo_surface_status (surface);

  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "cannot draw the card: %s",
               cairo_status_to_string (status));
  return FALSE;
}

static gboolean
render_png (QRcode *code, GByteArray *out, GError **error)
{
  int side = (code->width + 2 * QUIET_MODULES) * PNG_MODULE_PX;
  g_autoptr (cairo_surface_t) surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, side, side);
  g_autoptr (cairo_t) cr = cairo_create (surface);

  draw_code (code, cr, 0, 0, side);
  cairo_surface_flush (surface);
  return check_surface (surface, error)
         && (cairo_surface_write_to_png_stream (surface, append_bytes, out) == CAIRO_STATUS_SUCCESS
             || check_surface (surface, error));
}

/**
 * postern_card_render:
 * @form: what the QR code holds
 * @image: the file format
 *
 * Returns: (transfer full): the PNG or SVG of the card's QR code, or the
 *   PDF of the printable card; %NULL with @error set when the card does
 *   not fit in a QR code.
 */
GBytes *
postern_card_render (PosternCard *card, PosternCardForm form, PosternCardImage image,
                     GError **error)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autofree char *text = NULL;
  g_autoptr (QRcode) code = NULL;
  g_autoptr (cairo_surface_t) surface = NULL;
  g_autoptr (cairo_t) cr = NULL;
  double side;

  g_return_val_if_fail (POSTERN_IS_CARD (card), NULL);
  text = postern_card_to_text (card, form);
  if ((code = encode (text, error)) == NULL)
    return NULL;
  switch (image)
    {
      case POSTERN_CARD_IMAGE_PNG:
        if (!render_png (code, out, error))
          return NULL;
        return g_byte_array_free_to_bytes (g_steal_pointer (&out));
      case POSTERN_CARD_IMAGE_SVG:
        side = (code->width + 2 * QUIET_MODULES) * SVG_MODULE_PT;
        surface = cairo_svg_surface_create_for_stream (append_bytes, out, side, side);
        cr = cairo_create (surface);
        draw_code (code, cr, 0, 0, side);
        break;
      case POSTERN_CARD_IMAGE_PDF:
      default:
        surface = cairo_pdf_surface_create_for_stream (append_bytes, out, POSTERN_CARD_WIDTH_PT,
                                                       POSTERN_CARD_HEIGHT_PT);
        cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE,
                                        postern_card_get_name (card)
                                          ? postern_card_get_name (card)
                                          : postern_card_get_addresses (card)[0]);
        cr = cairo_create (surface);
        if (!postern_card_draw (card, form, cr, POSTERN_CARD_WIDTH_PT, POSTERN_CARD_HEIGHT_PT,
                                error))
          return NULL;
        cairo_show_page (cr);
        break;
    }
  g_clear_pointer (&cr, cairo_destroy);
  /* The stream is written out when the surface finishes. */
  cairo_surface_finish (surface);
  if (!check_surface (surface, error))
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}
