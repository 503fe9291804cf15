/* postern-card-scan.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reading cards from what a user hands over: a photo or screenshot of a
 * QR code (any format gdk-pixbuf loads; decoded with zbar), or the card's
 * text itself (a .vcf file, a pasted OPENPGP4FPR: link).
 */
#pragma once

#include <gio/gio.h>

#include "postern-card.h"

G_BEGIN_DECLS

/* A photo larger than this is scaled down before decoding. */
#define POSTERN_CARD_SCAN_MAX_SIDE 4096

GPtrArray *postern_card_scan_image (GBytes *image, GError **error);
PosternCard *postern_card_read (GBytes *data, GError **error);

G_END_DECLS
