/* postern-card-qr.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A card as a QR code (libqrencode), drawn with cairo: a PNG or SVG of the
 * code alone, and a printable business card (85 × 55 mm PDF) with the
 * name, the addresses, the key's fingerprint and the code. The UI draws
 * the same pictures onto its own cairo contexts (screen, printer).
 */
#pragma once

#include <cairo.h>
#include <gio/gio.h>

#include "postern-card.h"

G_BEGIN_DECLS

/**
 * PosternCardImage:
 * @POSTERN_CARD_IMAGE_PNG: the QR code, 8 pixels a module
 * @POSTERN_CARD_IMAGE_SVG: the QR code as vector paths
 * @POSTERN_CARD_IMAGE_PDF: a printable business card
 */
typedef enum
{
  POSTERN_CARD_IMAGE_PNG,
  POSTERN_CARD_IMAGE_SVG,
  POSTERN_CARD_IMAGE_PDF,
} PosternCardImage;

/* ISO/IEC 7810 ID-1 is close; 85 × 55 mm is the business card size. */
#define POSTERN_CARD_WIDTH_PT (85.0 / 25.4 * 72.0)
#define POSTERN_CARD_HEIGHT_PT (55.0 / 25.4 * 72.0)

gboolean postern_card_qr_draw (const char *text, cairo_t *cr, double x, double y, double size,
                               GError **error);
gboolean postern_card_draw (PosternCard *card, PosternCardForm form, cairo_t *cr, double width,
                            double height, GError **error);
GBytes *postern_card_render (PosternCard *card, PosternCardForm form, PosternCardImage image,
                             GError **error);

G_END_DECLS
