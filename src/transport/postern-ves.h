/* postern-ves.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VES message encryption (docs/protocols/ves.md): a message becomes one
 * whose headers travel encrypted in X-Ves-Header fields and whose every
 * leaf part is an application/vnd.ves.encrypted part, in the same MIME
 * tree, behind a banner other clients show. Decryption gives back the
 * original bytes exactly. Both directions stream: memory stays constant
 * whatever the size of the attachments.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define POSTERN_VES_KEY_BYTES 32

typedef struct _PosternVesPlan PosternVesPlan;

PosternVesPlan *postern_ves_plan_new (int fd, GError **error);
const char *postern_ves_plan_get_message_id (PosternVesPlan *plan);
guint postern_ves_plan_get_n_leaves (PosternVesPlan *plan);
gboolean postern_ves_plan_write (PosternVesPlan *plan, const guint8 *key, const char *key_block,
                                 GOutputStream *out, GCancellable *cancellable, GError **error);
void postern_ves_plan_free (PosternVesPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternVesPlan, postern_ves_plan_free)

typedef struct _PosternVesSealed PosternVesSealed;

PosternVesSealed *postern_ves_sealed_open (int fd, GError **error);
const char *postern_ves_sealed_get_message_id (PosternVesSealed *sealed);
const char *postern_ves_sealed_get_key_block (PosternVesSealed *sealed);
gboolean postern_ves_sealed_decrypt (PosternVesSealed *sealed, const guint8 *key,
                                     GOutputStream *out, GCancellable *cancellable, GError **error);
void postern_ves_sealed_free (PosternVesSealed *sealed);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternVesSealed, postern_ves_sealed_free)

gboolean postern_ves_is_sealed (GBytes *message);

G_END_DECLS
